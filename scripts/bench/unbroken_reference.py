# make bench: tiktoken's encode_ordinary (cl100k_base) on one long line of a file, once.
# Prints the seconds taken and the process's peak resident memory in MiB (VmHWM), the two
# figures longweave's `tokenize --count` is held to on the same line.
# Usage: unbroken_reference.py CL100K_TIKTOKEN_FILE TEXT_FILE
import base64, sys, time
import tiktoken

data = open(sys.argv[1], "rb").read()
ranks = {base64.b64decode(a): int(b) for a, b in (l.split() for l in data.splitlines() if l)}
pat = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
encoding = tiktoken.Encoding("cl100k_base", pat_str=pat, mergeable_ranks=ranks, special_tokens={})
text = open(sys.argv[2], encoding="utf-8").read().rstrip("\n")
start = time.perf_counter()
encoding.encode_ordinary(text)
seconds = time.perf_counter() - start
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:")) / 1024
print(seconds, peak)
