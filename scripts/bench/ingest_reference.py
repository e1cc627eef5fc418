# make bench: the Python references of the ingest rows, timed the same way as longweave.
# Usage: ingest_reference.py gensim DUMP.bz2 | trafilatura REPEATS PAGE... | json FILE RUNS
import json, sys, time
kind = sys.argv[1]
def best(f, runs=3):
    times = []
    for _ in range(runs):
        start = time.perf_counter(); f(); times.append(time.perf_counter() - start)
    return min(times)
if kind == "gensim":
    from gensim.corpora.wikicorpus import WikiCorpus
    def run():
        corpus = WikiCorpus(sys.argv[2], dictionary={}, processes=1)
        for _ in corpus.get_texts(): pass
    print(best(run, 1))
elif kind == "trafilatura":
    import trafilatura
    pages = [open(p, encoding="utf-8").read() for p in sys.argv[3:]]
    repeat = int(sys.argv[2])
    texts = []
    def run():
        texts.clear()
        for _ in range(repeat):
            for page in pages: texts.append(trafilatura.extract(page) or "")
    seconds = best(run, 1)
    json.dump({"seconds": seconds, "texts": texts[:len(pages)]}, sys.stdout)
else:
    print(best(lambda: json.load(open(sys.argv[2], encoding="utf-8")), int(sys.argv[3])))
