"""Reads longweave's exports the way the original projects' code reads them.

LV-Eval (`--to lveval`): every `{name}_{level}.jsonl` is read as LV-Eval's
`utils.load_LVEval_dataset(name_level, data_path)` reads it (the file
`{data_path}/{name_level}.jsonl`, one `json.loads` per line); the split comes from
`re.split('_.{1,3}k', name_level)[0]` as in its `prediction.py`, whose fields must be there.

Hugging Face (`--to hf`): `datasets.load_dataset(folder, config, split="test")` for every config
of the card, with the row count of the export manifest; for the LV-Eval splits, OpenCompass's
own LV-Eval dataset loader on the folder, and OpenCompass's LV-Eval prompt for the split
(from its shipped configs) filled from every record with `str.format`.

Usage: export_check.py LVEVAL_EXPORT_DIR HF_EXPORT_DIR
Exit 0 when everything reads, 1 otherwise.
"""

import ast
import glob
import importlib.util
import json
import os
import re
import sys
import types

import datasets

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lveval_scoring import registry_module  # noqa: E402

datasets.disable_progress_bars()
datasets.logging.set_verbosity_error()


def opencompass_root():
    spec = importlib.util.find_spec("opencompass")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("opencompass is not installed")
    return list(spec.submodule_search_locations)[0]


def lveval_prompts(root):
    """OpenCompass's LV-Eval prompt per split, read from its config files without running them."""
    prompts = {}
    for path in glob.glob(os.path.join(root, "configs", "datasets", "lveval", "lveval*", "lveval_*_gen_*.py")):
        tree = ast.parse(open(path, encoding="utf-8").read())
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "prompt" and isinstance(node.value, ast.Constant):
                split = os.path.basename(os.path.dirname(path))[len("lveval"):]
                prompts[split] = node.value.value
    return prompts


def lveval_loader(root, split):
    """OpenCompass's dataset class for an LV-Eval split, with the registry it imports stubbed."""
    for name in ["opencompass", "opencompass.datasets", "opencompass.datasets.lveval"]:
        package = sys.modules.setdefault(name, types.ModuleType(name))
        package.__path__ = []
    registry = registry_module("LOAD_DATASET")
    utils = types.ModuleType("opencompass.utils")
    utils.get_data_path = lambda path, local_mode=False: path
    base = types.ModuleType("opencompass.datasets.base")
    base.BaseDataset = object
    sys.modules.update({"opencompass.registry": registry, "opencompass.utils": utils, "opencompass.datasets.base": base})
    path = os.path.join(root, "datasets", "lveval", f"lveval_{split}.py")
    if not os.path.exists(path):
        return None
    spec = importlib.util.spec_from_file_location(f"opencompass.datasets.lveval.lveval_{split}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    classes = [value for name, value in vars(module).items() if name.startswith("LVEval") and name.endswith("Dataset")]
    return classes[0] if classes else None


def manifest_records(folder):
    manifest = json.load(open(os.path.join(folder, "export-manifest.json"), encoding="utf-8"))
    return {entry["path"]: entry["records"] for entry in manifest["files"]}


def main():
    lveval_dir, hf_dir = sys.argv[1], sys.argv[2]
    failures = []
    root = opencompass_root()
    prompts = lveval_prompts(root)

    counts = manifest_records(lveval_dir)
    files = sorted(name for name in os.listdir(lveval_dir) if name.endswith(".jsonl"))
    for name in files:
        name_level = name[: -len(".jsonl")]
        split = re.split("_.{1,3}k", name_level)[0]
        data = [json.loads(line) for line in open(os.path.join(lveval_dir, name), "r").readlines()]
        if len(data) != counts.get(name) or not data:
            failures.append(f"lveval {name}: {len(data)} records, the manifest says {counts.get(name)}")
        for record in data:
            missing = [key for key in ["input", "context", "answers", "length"] if key not in record]
            if missing or not isinstance(record["answers"], list):
                failures.append(f"lveval {name}: a record lacks {missing}")
                break
            if split in prompts:
                prompts[split].format(**record)
        print(f"lveval {name}: {len(data)} records read as LV-Eval reads them" + (", its prompt filled" if split in prompts else ""))

    card = open(os.path.join(hf_dir, "README.md"), encoding="utf-8").read()
    configs = re.findall(r'^- config_name: "([^"]+)"$', card, re.M)
    shards = manifest_records(hf_dir)
    for config in configs:
        # A level's config reads its folder; an M4LE task's reads every bucket's.
        expected = sum(records for path, records in shards.items()
                       if path.startswith(f"data/{config}/") or re.match(rf"data/{re.escape(config)}_\d+k/", path))
        rows = datasets.load_dataset(hf_dir, config, split="test")
        if len(rows) != expected:
            failures.append(f"hf {config}: {len(rows)} rows, the shards hold {expected}")
        split = re.split("_.{1,3}k", config)[0]
        loader = lveval_loader(root, split) if split in prompts else None
        if loader is not None:
            loaded = loader.load(path=hf_dir, name=config)
            for record in loaded["test"]:
                prompts[split].format(**record)
            if len(loaded["test"]) != expected:
                failures.append(f"hf {config}: OpenCompass's loader gives {len(loaded['test'])} records, expected {expected}")
        print(f"hf {config}: {len(rows)} rows" + (", OpenCompass's LV-Eval loader and prompt" if loader is not None else ""))

    for failure in failures:
        print("FAIL " + failure)
    print(f"export check: {len(files)} LV-Eval files, {len(configs)} Hugging Face configs, {len(failures)} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
