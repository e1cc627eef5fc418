"""meta.prompt_tokens of built records against the reference libraries.

For every record of the given output folders (or every k-th, to bound the time), the prompt is
filled as the pipeline's manifest says (its `prompt` template with the record's fields, or
M4LE's instruction + "\\n" + input), then counted per model of the manifest's `models`:
len(apply_chat_template([{"role": "user", "content": prompt}], add_generation_prompt=True,
tokenize=True)) with transformers for a model with a chat template, tiktoken's encode (special
tokens as text) for a tiktoken model, tokenizers' encode (no special tokens added) otherwise.
"""
import glob
import json
import os
import sys
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
import zstandard  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def fill(template, record):
    out, i = [], 0
    while i < len(template):
        c = template[i]
        if c in "{}" and i + 1 < len(template) and template[i + 1] == c:
            out.append(c)
            i += 2
        elif c == "{" and "}" in template[i:]:
            j = template.index("}", i)
            out.append(record[template[i + 1:j]])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def counter(model, root):
    kind, path = model["tokenizer"].split(":", 1)
    path = path if path.startswith("/") else os.path.join(root, path)
    if kind == "tiktoken":
        import tiktoken
        from tokenizer_exactness import CL100K, O200K, QWEN, R50K, ranks
        name = os.path.basename(path).split(".")[0]
        patterns = {"gpt2": R50K, "r50k_base": R50K, "cl100k_base": CL100K, "o200k_base": O200K, "qwen": QWEN}
        encoding = tiktoken.Encoding(name, pat_str=patterns[name], mergeable_ranks=ranks(path), special_tokens={})
        return lambda text: len(encoding.encode_ordinary(text))
    if model.get("chat_template"):
        from transformers import AutoTokenizer
        template = model["chat_template"]
        template = template if template.startswith("/") else os.path.join(root, template)
        tokenizer = AutoTokenizer.from_pretrained(os.path.dirname(path))

        def count(text):
            ids = tokenizer.apply_chat_template([{"role": "user", "content": text}], add_generation_prompt=True, tokenize=True)
            return len(ids["input_ids"] if hasattr(ids, "keys") else ids)
        return count
    from tokenizers import Tokenizer
    tokenizer = Tokenizer.from_file(path)
    return lambda text: len(tokenizer.encode(text, add_special_tokens=False).ids)


def main():
    root = sys.argv[1]
    every = int(os.environ.get("EVERY", "1"))
    checked = failures = 0
    languages = set()
    for folder in sys.argv[2:]:
        manifest = json.load(open(os.path.join(folder, "manifest.json")))
        config = manifest["config"]
        models = config.get("models", [])
        if not models:
            print(f"FAIL {folder}: the manifest lists no models")
            failures += 1
            continue
        template = config.get("prompt", {}).get("template")
        counters = [(m["name"], counter(m, root)) for m in models]
        budgets = {m["name"]: m["window"] - m.get("answer_tokens", 0) for m in models}
        # The fit of the assembling stage: {"model": name} lands the prompt plus the answer
        # tokens in [level * (1 - tolerance), level]; "all" keeps every record within every window.
        stage = list(config["stages"][-1].values())[0]
        fit = stage.get("fit", "none")
        tolerance = stage.get("tolerance", 0.02)
        k = 0
        for shard in sorted(glob.glob(os.path.join(folder, "*", "part-*.jsonl.zst"))):
            with open(shard, "rb") as f:
                text = zstandard.ZstdDecompressor().stream_reader(f).read().decode("utf-8")
            for line in text.splitlines():
                k += 1
                if (k - 1) % every:
                    continue
                record = json.loads(line)
                prompt = fill(template, record) if template else record["instruction"] + "\n" + record["input"]
                languages.add(record.get("language") or record["meta"].get("language"))
                for name, count in counters:
                    checked += 1
                    expected = count(prompt)
                    got = record["meta"]["prompt_tokens"][name]
                    if got != expected:
                        failures += 1
                        print(f"FAIL {folder} record {k} ({record.get('_id')}): {name} {got}, reference {expected}")
                    if fit == "all" and got > budgets[name]:
                        failures += 1
                        print(f"FAIL {folder} record {k}: fit: all, but {name} has {got} tokens, over {budgets[name]}")
                if isinstance(fit, dict):
                    name = fit["model"]
                    level = int(os.path.basename(os.path.dirname(shard)).rstrip("k")) * 1000
                    total = record["meta"]["prompt_tokens"][name] + (budgets and next(m.get("answer_tokens", 0) for m in models if m["name"] == name))
                    if not (level * (1 - tolerance) <= total <= level):
                        failures += 1
                        print(f"FAIL {folder} record {k}: fit {name}: {total} tokens with the answer's, outside [{level * (1 - tolerance)}, {level}]")
    print(f"prompt tokens: {checked} counts checked against transformers/tiktoken/tokenizers ({', '.join(sorted(l for l in languages if l))}), {failures} failures")
    sys.exit(1 if failures or not checked else 0)


main()
