"""make bench: datatrove's n-gram decontamination on the same benchmark and reference as
`longweave audit`, for the throughput comparison. Builds datatrove's index of the benchmark's
n-grams the way NGramsDecontIndexer.compute_hashes does (its own text normalisation, word
tokenizer, n-grams and hash; the indexer class itself insists on lighteval), then runs
NGramsDecontFilter over every reference document. Prints: seconds, documents, flagged,
peak memory in MiB.

usage: bench-datatrove-decont.py BENCHMARK_TEXTS.jsonl REFERENCE.jsonl N
"""
import json
import resource
import sys
import tempfile
import time

import numpy as np
from datatrove.data import Document
from datatrove.pipeline.decont.n_grams import NGramsDecontConfig, NGramsDecontFilter
from datatrove.utils.hashing import HashConfig, create_hash_func
from datatrove.utils.text import ngrams, simplify_text
from datatrove.utils.word_tokenizers import load_word_tokenizer


def main():
    benchmark, reference, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    # sha1: datatrove's default xxhash path hashes the n-gram str unencoded, which the
    # xxhash package rejects; both the index and the filter use this config.
    config = NGramsDecontConfig(n_grams=n, hash_config=HashConfig(hash_fc="sha1", precision=64))
    index_dir = tempfile.mkdtemp(prefix="datatrove-index-")
    tokenizer = load_word_tokenizer("en")
    hash_func = create_hash_func(config.hash_config)
    hashes = set()
    with open(benchmark, encoding="utf-8") as f:
        for line in f:
            tokens = tokenizer.word_tokenize(simplify_text(json.loads(line)["text"], config.norm_config))
            hashes.update(hash_func(" ".join(gram)) for gram in ngrams(tokens, n))
    np.array(sorted(hashes), dtype=config.hash_config.np_descr).tofile(f"{index_dir}/benchmark.index.hashes")

    decont = NGramsDecontFilter(index_folder=index_dir, config=config)
    decont.load_index_hashes()
    start = time.perf_counter()
    documents = flagged = 0
    with open(reference, encoding="utf-8") as f:
        for line in f:
            documents += 1
            if decont.filter(Document(text=json.loads(line)["text"], id=str(documents))) is not True:
                flagged += 1
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"{seconds:.3f} {documents} {flagged} {peak}")


if __name__ == "__main__":
    main()
