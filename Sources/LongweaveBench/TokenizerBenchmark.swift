import Foundation
import LongweaveIO
import LongweaveText

/// Tokenizers, single thread, on the same real texts as records hold them (WikiText-2
/// articles and CMRC 2018 contexts): against tiktoken's encode_ordinary and Hugging Face
/// tokenizers (`scripts/bench/tokenizer_reference.py`, in the exactness check's virtual
/// environment); then word and character counts.
enum TokenizerBenchmark: Benchmark {
    static let section = BenchSection.tokenizers

    static func run(_ bench: inout BenchRun) throws {
        var texts = try bench.wikitextArticles()
        if case .array(let articles) = try JSONValue.parse(file: bench.root + "/raw/cmrc2018/cmrc2018_dev.json") {
            texts += articles.compactMap { $0["context_text"]?.stringValue }
        }
        let bytes = texts.reduce(0) { $0 + $1.utf8.count }
        var lines = JSONWriter()
        for text in texts { lines.string(text); lines.newline() }
        let corpusFile = bench.scratch + "/corpus.jsonl"
        try FileSystem.writeAtomically(lines.bytes, to: corpusFile)
        print("tokenizer texts: \(texts.count) WikiText-2 articles and CMRC 2018 contexts, \(bytes / 1_000_000) MB")
        let venv = bench.root + "/.build/venv-tokenizers/bin/python"
        let python = FileManager.default.isExecutableFile(atPath: venv) ? venv : "/usr/bin/env python3"

        for (kind, spec, target) in [
            ("cl100k", "tiktoken:raw/tokenizers/cl100k_base/cl100k_base.tiktoken", BenchTarget.ratio(1)),
            ("o200k", "tiktoken:raw/tokenizers/o200k_base/o200k_base.tiktoken.gz", .ratio(1)),
            ("hf", "hf:raw/tokenizers/qwen2/tokenizer.json", .ratio(2)),
        ] {
            let parsed = try TokenizerSpec(spec, root: bench.root)
            guard case .bpe(let tokenizer) = try parsed.load() else { continue }
            let ours = best { for text in texts { _ = tokenizer.encode(text) } }
            let name = kind == "hf" ? "tokenize, Qwen2 tokenizer.json" : "tokenize, \(kind)_base"
            let path = String(parsed.resolved.drop { $0 != ":" }.dropFirst())
            if let reference = commandOutput("\(python) \(bench.script("tokenizer_reference.py")) \(kind) \(path) \(corpusFile)")
                .flatMap({ Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) {
                bench.compare(name, ours: ours, reference: reference, referenceName: kind == "hf" ? "HF tokenizers encode" : "tiktoken encode_ordinary",
                              bytes: bytes, target: target)
            } else {
                bench.skip(name, because: String(format: "%8.1f MB/s; the reference library is not installed (make test installs it)", Double(bytes) / 1e6 / ours), target: target)
            }
        }
        let corpus = texts.joined(separator: "\n")
        for (name, unit) in [("count words", Tokenizer.words), ("count chars", Tokenizer.chars)] {
            var total = 0
            let seconds = best(5) { total &+= unit.count(corpus) }
            let rate = Double(bytes) / 1e6 / seconds
            bench.measure(name, rate, shown: String(format: "%8.1f MB/s, 1 thread", rate), target: .throughput(500))
        }
    }
}
