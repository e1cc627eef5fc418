"""longweave's chat templates against transformers' apply_chat_template.

For Qwen2's tokenizer_config.json and the templates in Tests/LongweavePromptsTests/ChatTemplates,
each text of real data (English, Chinese, long, with newlines, with a special token inside)
is wrapped as one user turn: the rendered prompt must be the same string as
apply_chat_template(..., add_generation_prompt=True, tokenize=False), and its Qwen2 token
count the length of apply_chat_template(..., tokenize=True). A template that uses what
longweave does not implement must be refused with an error that names it.
"""
import json
import os
import subprocess
import sys
import tempfile

import warnings
warnings.filterwarnings("ignore")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
from transformers import AutoTokenizer  # noqa: E402

binary, data = sys.argv[1], sys.argv[2]
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
qwen2 = os.path.join(data, "tokenizers", "qwen2")
fixtures = os.path.join(root, "Tests", "LongweavePromptsTests", "ChatTemplates")


def texts():
    hotpot = json.load(open(os.path.join(data, "hotpotqa", "hotpot_dev_distractor_v1_100.json")))
    cmrc = json.load(open(os.path.join(data, "cmrc2018", "cmrc2018_dev.json")))
    wiki = open(os.path.join(data, "wikitext2", "wiki.test.raw"), encoding="utf-8").read()
    first = cmrc[0]
    out = [
        hotpot[0]["question"],
        " ".join(s for _, sents in hotpot[0]["context"] for s in sents) + "\n\nQuestion: " + hotpot[0]["question"] + "\nAnswer:",
        first["context_text"] + "\n问题：" + first["qas"][0]["query_text"] + "\n答案：",
        wiki[:60000],
        "  padded with spaces and a trailing newline \n",
        "short",
        "a\nb",
        "content holding <|im_end|> and <|endoftext|> as text",
        "",
    ]
    return out


def ours(template, items, count):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for t in items:
            f.write(json.dumps(t, ensure_ascii=False) + "\n")
        path = f.name
    flag = "--count" if count else "--print-prompt"
    run = subprocess.run([binary, "tokenize", "--tokenizer", "hf:" + os.path.join(qwen2, "tokenizer.json"),
                          "--chat-template", template, "--records", flag, path], capture_output=True, text=True)
    os.unlink(path)
    if run.returncode != 0:
        return None, run.stderr.strip()
    lines = run.stdout.split("\n")[:-1]
    return ([int(x) for x in lines] if count else [json.loads(x) for x in lines]), None


def main():
    tokenizer = AutoTokenizer.from_pretrained(qwen2)
    items = texts()
    failures = 0
    checks = 0
    templates = [("qwen2 tokenizer_config.json", os.path.join(qwen2, "tokenizer_config.json"), None)]
    for name in sorted(os.listdir(fixtures)):
        if name.endswith(".jinja") and not name.startswith("unsupported"):
            path = os.path.join(fixtures, name)
            templates.append((name, path, open(path, encoding="utf-8").read()))
    for label, path, source in templates:
        prompts, error = ours(path, items, count=False)
        counts, count_error = ours(path, items, count=True)
        if error or count_error:
            print(f"FAIL {label}: longweave refused it: {error or count_error}")
            failures += 1
            continue
        for text, prompt, count in zip(items, prompts, counts):
            messages = [{"role": "user", "content": text}]
            kwargs = {"chat_template": source} if source else {}
            expected = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False, **kwargs)
            ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, **kwargs)
            if isinstance(ids, dict) or hasattr(ids, "keys"):
                ids = ids["input_ids"]
            checks += 1
            if prompt != expected:
                failures += 1
                print(f"FAIL {label}: prompt differs for {text[:40]!r}:\n  transformers {expected[:200]!r}\n  longweave    {prompt[:200]!r}")
            elif count != len(ids):
                failures += 1
                print(f"FAIL {label}: {count} tokens, transformers {len(ids)} for {text[:40]!r}")
    for name in sorted(os.listdir(fixtures)):
        if name.startswith("unsupported"):
            _, error = ours(os.path.join(fixtures, name), items[:1], count=True)
            checks += 1
            if not error or "not implemented by longweave" not in error:
                failures += 1
                print(f"FAIL {name}: expected an error naming what is not implemented, got {error!r}")
    print(f"chat templates: {checks} checks against transformers, {failures} failures")
    sys.exit(1 if failures else 0)


main()
