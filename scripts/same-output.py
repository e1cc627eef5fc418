#!/usr/bin/env python3
"""Says whether two longweave output folders hold the same bytes: every file equal, except
manifest.json (equal apart from its `run` section) and stats.jsonl (equal apart from seconds).
Usage: same-output.py WHOLE MERGED; exit 0 when they match, 1 with the differences listed."""
import json
import os
import sys


def files(root):
    found = set()
    for folder, _, names in os.walk(root):
        for name in names:
            found.add(os.path.relpath(os.path.join(folder, name), root))
    return found


def main(whole, merged):
    problems = []
    a, b = files(whole), files(merged)
    for name in sorted(a ^ b):
        problems.append(f"only in {'the first' if name in a else 'the second'}: {name}")
    for name in sorted(a & b):
        x, y = os.path.join(whole, name), os.path.join(merged, name)
        if name == "manifest.json":
            left, right = json.load(open(x)), json.load(open(y))
            left.pop("run", None)
            right.pop("run", None)
            same = left == right
        elif name == "stats.jsonl":
            def strip(path):
                rows = [json.loads(line) for line in open(path)]
                for row in rows:
                    row.pop("seconds", None)
                return rows
            same = strip(x) == strip(y)
        else:
            same = open(x, "rb").read() == open(y, "rb").read()
        if not same:
            problems.append(f"differs: {name}")
    for problem in problems:
        print(problem)
    print(f"{len(a & b)} files compared, {len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
