"""make bench: datatrove's n-gram decontamination on the same benchmark and reference as
`longweave audit`, for the throughput comparison. Builds datatrove's index of the benchmark's
n-grams (NGramsDecontIndexer.compute_hashes, as its run() would, without lighteval), then
runs NGramsDecontFilter over every reference document. Prints: seconds, documents, flagged,
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
from datatrove.pipeline.decont.n_grams import NGramsDecontConfig, NGramsDecontFilter, NGramsDecontIndexer


def main():
    benchmark, reference, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    config = NGramsDecontConfig(n_grams=n, find_query_ngrams=True, find_overlap_ngrams=False)
    index_dir = tempfile.mkdtemp(prefix="datatrove-index-")
    indexer = NGramsDecontIndexer(output_folder=index_dir, config=config)
    hashes = set()
    with open(benchmark, encoding="utf-8") as f:
        for line in f:
            hashes.update(indexer.compute_hashes(json.loads(line)["text"]))
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
