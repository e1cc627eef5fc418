# make bench: the reference tokenizers (tiktoken encode_ordinary, Hugging Face tokenizers)
# timed on the same texts as longweave: best of 3 runs, in seconds.
# Usage: tokenizer_reference.py cl100k|o200k|hf TOKENIZER_FILE TEXTS.jsonl
import base64, gzip, sys, time
import json
kind, path = sys.argv[1], sys.argv[2]
texts = [json.loads(line) for line in open(sys.argv[3], encoding="utf-8")]
if kind == "hf":
    from tokenizers import Tokenizer
    t = Tokenizer.from_file(path)
    encode = lambda s: t.encode(s, add_special_tokens=False).ids
else:
    import tiktoken
    data = open(path, "rb").read()
    data = gzip.decompress(data) if path.endswith(".gz") else data
    ranks = {base64.b64decode(a): int(b) for a, b in (l.split() for l in data.splitlines() if l)}
    pat = {"cl100k": r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",
           "o200k": "|".join([r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""", r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""", r"""\p{N}{1,3}""", r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""", r"""\s*[\r\n]+""", r"""\s+(?!\S)""", r"""\s+"""])}[kind]
    enc = tiktoken.Encoding(kind, pat_str=pat, mergeable_ranks=ranks, special_tokens={})
    encode = enc.encode_ordinary
def once():
    start = time.perf_counter()
    for text in texts:
        encode(text)
    return time.perf_counter() - start
print(min(once() for _ in range(3)))
