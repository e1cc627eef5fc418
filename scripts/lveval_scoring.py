"""Scores built LV-Eval-style splits with LV-Eval's metric as OpenCompass ships it.

The evaluators are OpenCompass's own `opencompass/datasets/lveval/evaluators.py`, loaded
from the installed wheel with the two registry imports it needs stubbed (the rest of
OpenCompass, models and torch, is not installed). References are laid out as OpenCompass's
LV-Eval loaders lay them out: `answers + [answer_keywords]` for the splits whose loader reads
keywords, `answers` for the others.

For every split and level two predictions are scored:
  gold   the record's first answer (the one LV-Eval scores): must reach --gold-min;
  other  a sentence of another passage that holds no answer: must stay at or below --other-max.

Usage: lveval_scoring.py [--gold-min 99] [--other-max 3] BUILD_LVEVAL_DIR
Exit 0 when every split and level meets both bounds, 1 otherwise.
"""

import argparse
import importlib.util
import io
import json
import os
import re
import sys
import types

import zstandard

# OpenCompass's LV-Eval configs: evaluator and language per split, and whether its loader
# appends answer_keywords to the references.
SPLITS = {
    "hotpotwikiqa_mixup": ("LVEvalOPTF1Evaluator", "en", True),
    "loogle_SD_mixup": ("LVEvalOPTF1Evaluator", "en", True),
    "loogle_CR_mixup": ("LVEvalOPTF1Evaluator", "en", True),
    "loogle_MIR_mixup": ("LVEvalOPTF1Evaluator", "en", True),
    "multifieldqa_en_mixup": ("LVEvalOPTF1Evaluator", "en", True),
    "multifieldqa_zh_mixup": ("LVEvalOPTF1Evaluator", "zh", True),
    "cmrc_mixup": ("LVEvalOPTF1Evaluator", "zh", False),
    "dureader_mixup": ("LVEvalOPTRougeEvaluator", "zh", False),
    "factrecall_en": ("LVEvalF1Evaluator", "en", False),
    "factrecall_zh": ("LVEvalF1Evaluator", "zh", False),
}


def registry_module(name):
    """OpenCompass's `opencompass.registry` with registry `name` a decorator that keeps the
    class as it is: the LV-Eval modules import it to register themselves, nothing more."""
    registry = types.ModuleType("opencompass.registry")

    class Registry:
        def register_module(self, *args, **kwargs):
            return lambda cls: cls

    setattr(registry, name, Registry())
    return registry


def load_evaluators():
    spec = importlib.util.find_spec("opencompass")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("opencompass is not installed")
    path = os.path.join(list(spec.submodule_search_locations)[0], "datasets", "lveval", "evaluators.py")
    # The module imports a base class and a registry; nothing of them is used to score.
    registry = registry_module("ICL_EVALUATORS")
    evaluator = types.ModuleType("opencompass.openicl.icl_evaluator")

    class BaseEvaluator:
        def __init__(self, *args, **kwargs):
            pass

    evaluator.BaseEvaluator = BaseEvaluator
    sys.modules["opencompass.registry"] = registry
    sys.modules["opencompass.openicl.icl_evaluator"] = evaluator
    module_spec = importlib.util.spec_from_file_location("opencompass_lveval_evaluators", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def records(level_dir):
    for name in sorted(os.listdir(level_dir)):
        if not (name.startswith("part-") and name.endswith(".jsonl.zst")):
            continue
        with open(os.path.join(level_dir, name), "rb") as f:
            reader = io.TextIOWrapper(zstandard.ZstdDecompressor().stream_reader(f), encoding="utf-8")
            for line in reader:
                if line.strip():
                    yield json.loads(line)


HEADER = re.compile(r"^### (?:Passage|文章) (\d+)\n", re.M)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])")


def other_passage_sentence(record, language):
    """A sentence of a passage that is not evidence (or, in a needle record, of the haystack
    away from the needle), holding no answer and no fact, chosen by the record's id."""
    context = record["context"]
    meta = record.get("meta") or {}
    evidence = set(int(i) for i in meta.get("evidence_passages") or [])
    headers = list(HEADER.finditer(context))
    texts = []
    if headers:
        for i, header in enumerate(headers):
            if int(header.group(1)) in evidence:
                continue
            end = headers[i + 1].start() if i + 1 < len(headers) else len(context)
            texts.append(context[header.end():end])
    else:
        texts = [context]
    answers = [a.lower() for a in record["answers"] if a.strip()]
    facts = record.get("confusing_facts") or []
    candidates = []
    for text in texts:
        for sentence in SENTENCE_END.split(text):
            sentence = sentence.strip()
            size = len(sentence.split()) if language == "en" else len(sentence)
            if not (8 <= size <= 40 if language == "en" else 12 <= size <= 60):
                continue
            lowered = sentence.lower()
            if any(a in lowered for a in answers) or any(f in sentence or sentence in f for f in facts):
                continue
            candidates.append(sentence)
            if len(candidates) >= 64:
                break
        if len(candidates) >= 64:
            break
    if not candidates:
        return None
    key = sum(ord(c) for c in record.get("_id", ""))
    return candidates[key % len(candidates)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gold-min", type=float, default=99.0)
    parser.add_argument("--other-max", type=float, default=3.0)
    parser.add_argument("directory")
    args = parser.parse_args()
    module = load_evaluators()
    failures = []
    failed_rows = 0
    scored = 0
    print(f"{'split':24} {'level':>5} {'records':>7} {'gold':>7} {'other':>7} {'no keywords':>11}")
    for split in sorted(os.listdir(args.directory)):
        if split not in SPLITS:
            continue
        evaluator_name, language, with_keywords = SPLITS[split]
        evaluator = getattr(module, evaluator_name)(language=language)
        split_dir = os.path.join(args.directory, split)
        levels = [d for d in os.listdir(split_dir) if os.path.isdir(os.path.join(split_dir, d))]
        for level in sorted(levels, key=lambda name: int(re.sub(r"\D", "", name) or 0)):
            references, gold, other = [], [], []
            other_references = []
            missing_keywords = 0
            for record in records(os.path.join(split_dir, level)):
                answers = list(record["answers"])
                keywords = record.get("answer_keywords")
                if with_keywords and not keywords:
                    missing_keywords += 1
                reference = answers + [keywords] if with_keywords else answers
                references.append(reference)
                gold.append(answers[0])
                sentence = other_passage_sentence(record, language)
                if sentence is not None:
                    other.append(sentence)
                    other_references.append(reference)
            if not references:
                continue
            gold_score = list(evaluator.score(gold, references).values())[0]
            other_score = list(evaluator.score(other, other_references).values())[0] if other else 0.0
            scored += 1
            before = len(failures)
            print(f"{split:24} {level:>5} {len(references):>7} {gold_score:7.2f} {other_score:7.2f} {missing_keywords:>11}")
            if gold_score < args.gold_min:
                failures.append(f"{split} {level}: gold answers score {gold_score:.2f} < {args.gold_min}")
            if other_score > args.other_max:
                failures.append(f"{split} {level}: a sentence of another passage scores {other_score:.2f} > {args.other_max}")
            if with_keywords and missing_keywords:
                failures.append(f"{split} {level}: {missing_keywords} records without answer_keywords")
            failed_rows += len(failures) > before
    if scored == 0:
        failures.append(f"no LV-Eval split found under {args.directory}")
    for failure in failures:
        print("FAIL " + failure)
    # One row per split and level.
    print(f"lveval-scoring: {scored - failed_rows} passed, {failed_rows} failed" if scored else "lveval-scoring: 0 passed, 1 failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
