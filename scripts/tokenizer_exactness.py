"""Compares longweave's token ids with the reference libraries (tiktoken, Hugging Face
tokenizers) on the real texts in ../shared/data and on generated edge cases.

Usage: tokenizer_exactness.py LONGWEAVE_BINARY DATA_DIR [--budget BYTES]
(every text by default; --budget caps each source for a quick run)
Prints one line per tokenizer and source, and 'N passed, N failed' last; exits 1 on any
difference.
"""
import base64
import bz2
import glob
import gzip
import json
import os
import random
import subprocess
import sys
import tempfile

import tiktoken
from tokenizers import Tokenizer

R50K = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""
CL100K = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
O200K = "|".join([
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""\p{N}{1,3}""", r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""", r"""\s*[\r\n]+""", r"""\s+(?!\S)""", r"""\s+""",
])
QWEN = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""


def ranks(path):
    data = open(path, "rb").read()
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    return {base64.b64decode(t): int(r) for t, r in (line.split() for line in data.splitlines() if line)}


def texts_by_source(data, budget):
    """Real texts from every dataset, each source capped at `budget` bytes of UTF-8."""
    sources = {}

    def add(name, text):
        if not isinstance(text, str) or not text:
            return
        bucket = sources.setdefault(name, [0, []])
        size = len(text.encode("utf-8"))
        if bucket[0] < budget:
            bucket[0] += size
            bucket[1].append(text)

    for r in json.load(open(f"{data}/hotpotqa/hotpot_dev_distractor_v1_100.json", encoding="utf-8")):
        add("hotpotqa", r["question"])
        for title, sentences in r["context"]:
            add("hotpotqa", title + "\n" + "".join(sentences))
    for article in json.load(open(f"{data}/squad/squad_v2.0_dev_first5articles.json", encoding="utf-8"))["data"]:
        for p in article["paragraphs"]:
            add("squad", p["context"])
            for qa in p["qas"]:
                add("squad", qa["question"])
    for article in json.load(open(f"{data}/cmrc2018/cmrc2018_dev.json", encoding="utf-8")):
        add("cmrc2018", article["context_text"])
        for qa in article["qas"]:
            add("cmrc2018", qa["query_text"])
    for line in open(f"{data}/dureader/search.dev.json", encoding="utf-8"):
        r = json.loads(line)
        add("dureader", r["question"])
        for d in r["documents"]:
            add("dureader", "\n".join(d["paragraphs"]))
    for path in sorted(glob.glob(f"{data}/longbench/*.jsonl")):
        for line in open(path, encoding="utf-8"):
            r = json.loads(line)
            add("longbench", r["input"])
            add("longbench", r["context"])
    for path in sorted(glob.glob(f"{data}/loogle/*.jsonl")):
        for line in open(path, encoding="utf-8"):
            add("loogle", json.loads(line).get("input", ""))
    for path in sorted(glob.glob(f"{data}/wiki_html/*.html")):
        add("wiki_html", open(path, encoding="utf-8", newline="").read())
    for path in sorted(glob.glob(f"{data}/wiki_xml/*.bz2")):
        add("wiki_xml", bz2.decompress(open(path, "rb").read()).decode("utf-8"))
    text = open(f"{data}/wikitext2/wiki.test.raw", encoding="utf-8", newline="").read()
    for article in text.split("\n = "):
        add("wikitext2", article)
    return {name: texts for name, (_, texts) in sources.items()}


def edge_cases():
    cases = [
        "", " ", "  ", "\n", "\r\n", "\r", "a\rb", "a\r\nb", "line\n\n\nnext", "tab\tand\t\ttabs",
        "trailing spaces   \nnext", "spaces before newline   \n\n  x", "   leading", "end   ",
        "👨‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 👍🏽 thumb", "e\u0301 cafe\u0301 combining", "\u0301\u0302 marks first",
        "1234567890 12 123 1234 ٣٤٥ ²³ Ⅻ", "I'M HERE, YOU'RE, WE'LL, THEY'VE, SHE'D, IT'S, DON'T",
        "'s 'S 'll 'LL 're 'Re 've 'm 'd ' x", "ſ 'ſ \u212a", "\ufdd0\ufffe\uffff noncharacters \U0010fffe",
        "\ue000\uf8ff private use \U000f0000", "a" * 5000, "ab" * 3000 + " " + "x" * 2000,
        "中文段落没有空格" * 400, base64.b64encode(random.Random(20241129).randbytes(3000)).decode(),
        "CamelCaseWordsAndHTTPServer XMLHttpRequest iPhone McDonald's", "path/to/file.txt // comment\n/**/",
        "<|endoftext|> is plain text here", "<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n",
        "<|endoftext|><|endoftext|>x<|im_end|>y", "<|im_start| not closed <|im_end", "un café, cafe\u0301 <|im_end|>café", "mixed 中文 and English, 日本語の文章、한국어 텍스트",
        "\u00a0nbsp\u2009thin\u3000ideographic\u2028ls\u2029ps\u0085nel", "\x1c\x1d\x1e\x1f separators",
        "\x00\x01\x07 controls", "ﬁ ligature ｆｕｌｌｗｉｄｔｈ", "Ελληνικά Кириллица العربية עברית हिन्दी ไทย",
    ]
    return cases


def run_ours(binary, spec, texts, extra):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8", delete=False) as f:
        for t in texts:
            f.write(json.dumps(t) + "\n")
        path = f.name
    try:
        out = subprocess.run([binary, "tokenize", "--records", "--tokenizer", spec, *extra, path],
                             check=True, capture_output=True).stdout.decode()
    finally:
        os.unlink(path)
    lines = out.split("\n")[:-1]
    return [[int(x) for x in line.split()] for line in lines]


def main():
    binary, data = sys.argv[1], sys.argv[2]
    budget = int(sys.argv[sys.argv.index("--budget") + 1]) if "--budget" in sys.argv else float("inf")
    tok = f"{data}/tokenizers"
    references = [
        ("gpt2", f"tiktoken:{tok}/gpt2/gpt2.tiktoken", [], tiktoken.Encoding("gpt2", pat_str=R50K, mergeable_ranks=ranks(f"{tok}/gpt2/gpt2.tiktoken"), special_tokens={}).encode_ordinary),
        ("cl100k_base", f"tiktoken:{tok}/cl100k_base/cl100k_base.tiktoken", [], tiktoken.Encoding("cl100k_base", pat_str=CL100K, mergeable_ranks=ranks(f"{tok}/cl100k_base/cl100k_base.tiktoken"), special_tokens={}).encode_ordinary),
        ("o200k_base", f"tiktoken:{tok}/o200k_base/o200k_base.tiktoken.gz", [], tiktoken.Encoding("o200k_base", pat_str=O200K, mergeable_ranks=ranks(f"{tok}/o200k_base/o200k_base.tiktoken.gz"), special_tokens={}).encode_ordinary),
        ("qwen.tiktoken", f"tiktoken:{tok}/qwen/qwen.tiktoken", [], tiktoken.Encoding("qwen", pat_str=QWEN, mergeable_ranks=ranks(f"{tok}/qwen/qwen.tiktoken"), special_tokens={}).encode_ordinary),
    ]
    references.append(("gpt2 encoder.json+vocab.bpe", f"hf:{tok}/gpt2/encoder.json", [], references[0][3]))
    # Added tokens are found in the text as tokenizers finds them, with add_special_tokens=False.
    qwen2 = Tokenizer.from_file(f"{tok}/qwen2/tokenizer.json")
    references.append(("qwen2 tokenizer.json", f"hf:{tok}/qwen2/tokenizer.json", [],
                       lambda t: qwen2.encode(t, add_special_tokens=False).ids))
    # The same with a TemplateProcessing post-processor (it adds nothing without
    # add_special_tokens) and an added token matched on NFC-normalised text.
    variant = json.load(open(f"{tok}/qwen2/tokenizer.json", encoding="utf-8"))
    variant["post_processor"] = {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<|im_start|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                                 "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
                                 "special_tokens": {"<|im_start|>": {"id": "<|im_start|>", "ids": [151644], "tokens": ["<|im_start|>"]}}}
    top = max(t["id"] for t in variant["added_tokens"])
    variant["added_tokens"].append({"id": top + 1, "content": "caf\u00e9", "single_word": False, "lstrip": False, "rstrip": False,
                                    "normalized": True, "special": False})
    variant_dir = tempfile.mkdtemp()
    variant_path = f"{variant_dir}/tokenizer.json"
    json.dump(variant, open(variant_path, "w", encoding="utf-8"), ensure_ascii=False)
    qwen2_variant = Tokenizer.from_file(variant_path)
    assert qwen2_variant.encode("x", add_special_tokens=True).ids[0] == 151644, "the variant's post-processor adds a token"
    references.append(("qwen2 variant (TemplateProcessing, normalized added token)", f"hf:{variant_path}", [],
                       lambda t: qwen2_variant.encode(t, add_special_tokens=False).ids))
    sources = texts_by_source(data, budget)
    sources["edge cases"] = edge_cases()
    passed = failed = 0
    for name, spec, extra, reference in references:
        for source, texts in sources.items():
            ours = run_ours(binary, spec, texts, extra)
            bad = [i for i, t in enumerate(texts) if i >= len(ours) or ours[i] != reference(t)]
            tokens = sum(len(x) for x in ours)
            if bad:
                failed += 1
                i = bad[0]
                print(f"FAIL {name} on {source}: {len(bad)} of {len(texts)} texts differ; first: {texts[i][:80]!r}")
                want = reference(texts[i])
                got = ours[i] if i < len(ours) else None
                j = next((k for k in range(min(len(want), len(got or []))) if want[k] != got[k]), None)
                print(f"     at token {j}: want {want[max(0,(j or 0)-3):(j or 0)+5]} got {(got or [])[max(0,(j or 0)-3):(j or 0)+5]}")
            else:
                passed += 1
                print(f"ok   {name} on {source}: {len(texts)} texts, {tokens} tokens identical")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
