import Foundation
import LongweaveAudit
import LongweaveCore
import LongweaveIO
import LongweaveStages

/// The contamination audit: HotpotQA dev (questions, answers, paragraphs) against a reference
/// of at least 1 GB made by shuffling real corpora (Wikipedia paragraphs, the HotpotQA train
/// corpus, WikiText-2), words, n = 8; as slices on this machine; then against datatrove's
/// n-gram decontamination filter on a slice (`scripts/bench/datatrove_decont.py`).
enum AuditBenchmark: Benchmark {
    static let section = BenchSection.audit

    static func run(_ bench: inout BenchRun) throws {
        let root = bench.root
        let scratch = bench.scratch
        let binDirectory = bench.binDirectory
        let cores = bench.cores
        let megabytes = Int(ProcessInfo.processInfo.environment["LW_BENCH_AUDIT_MB"] ?? "") ?? 1000
        var documents: [String] = []
        if case .array(let paragraphs) = try JSONValue.parse(file: root + "/raw/wiki_paragraphs/2wikimultihopqa_corpus.json") {
            documents += paragraphs.compactMap { $0["text"]?.stringValue }
        }
        if case .object(let corpus) = try JSONValue.parse(file: root + "/raw/hotpotqa/hotpotqa_train_corpus.json") {
            documents += corpus.values.compactMap { $0.arrayValue?.compactMap(\.stringValue).joined() }
        }
        documents += try bench.wikitextArticles()
        let reference = scratch + "/reference.jsonl"
        FileManager.default.createFile(atPath: reference, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: reference))
        var random = SeededRandom(seed: 8, stage: "bench", key: "reference")
        var written = 0
        var json = JSONWriter(capacity: 1 << 22)
        while written < megabytes * 1_000_000 {
            random.shuffle(&documents)
            for document in documents {
                json.beginObject(); json.key("text"); json.string(document); json.endObject(); json.newline()
            }
            handle.write(Data(json.bytes))
            written += json.bytes.count
            json.reset()
        }
        try handle.close()

        let auditArguments = ["audit", "--benchmark", root + "/raw/hotpotqa/hotpot_dev_distractor_v1_100.json", "--format", "hotpotqa",
                              "--fields", "question,answers,documents", "--n", "8"]
        let benchmarkArguments = auditArguments + ["--threads", String(cores), "--out", scratch + "/audit"]
        // The best of three runs, each printed: on a shared VM other tenants only ever add time,
        // and the same run's CPU time varies by a quarter from one minute to the next.
        var runs: [(seconds: Double, output: String)] = []
        for _ in 0..<3 { runs.append(try timed(binDirectory + "/longweave", benchmarkArguments + ["--reference", reference])) }
        let whole = runs.min { $0.seconds < $1.seconds }!
        let peak = peakMemory(whole.output) ?? .infinity
        let mb = Double(written) / 1e6
        let perCore = mb / whole.seconds / Double(cores)
        bench.measure("audit, \(Int(mb)) MB reference, per core", perCore,
                      shown: String(format: "%8.1f MB/s on %d threads = %.1f MB/s per core, peak %.0f MiB", mb / whole.seconds, cores, perCore, peak),
                      target: .throughput(100))
        print("  best of 3 runs: " + runs.map { String(format: "%.1f", mb / $0.seconds / Double(cores)) }.joined(separator: ", ") + " MB/s per core")

        // The same audit as an array of slices on this machine (all running at once, sharing the
        // cores), then audit-merge: throughput with 1, 2 and 4 slices, and the merge's share.
        var sliceRates: [String] = []
        var mergeShare = 0.0
        for count in [1, 2, 4] {
            let out = scratch + "/audit-slices-\(count)"
            let threads = String(max(1, cores / count))
            let arguments = auditArguments + ["--reference", reference, "--threads", threads, "--out", out]
            let start = DispatchTime.now().uptimeNanoseconds
            try timedTogether(binDirectory + "/longweave", (0..<count).map { arguments + ["--shard-index", String($0), "--shard-count", String(count)] })
            let slices = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let merge = count > 1 ? try timed(binDirectory + "/longweave", ["audit-merge", out]).seconds : 0
            sliceRates.append(String(format: "%d: %.1f", count, mb / (slices + merge)))
            if count == 4 { mergeShare = merge / (slices + merge) }
        }
        bench.measure("audit in slices, merge's share", mergeShare * 100,
                      shown: "MB/s with " + sliceRates.joined(separator: ", ") + String(format: " slices; merge %.2f%% of the 4-slice run", mergeShare * 100),
                      target: .share(percent: 2))

        // datatrove on a slice (its spaCy tokenizer makes the whole file take too long), the same
        // benchmark texts, the same n; longweave on the same slice.
        let benchVenv = root + "/.build/venv-bench/bin/python"
        guard FileManager.default.isExecutableFile(atPath: benchVenv), (try? timed(benchVenv, ["-c", "import datatrove, spacy"])) != nil else {
            bench.skip("audit vs datatrove", because: "datatrove is not installed (make bench installs it into .build/venv-bench)", target: .ratio(20))
            return
        }
        let slice = scratch + "/reference-slice.jsonl"
        let sliceBytes = Int(ProcessInfo.processInfo.environment["LW_BENCH_DATATROVE_MB"] ?? "") ?? 20
        var sliceData: [UInt8] = []
        try LineReader.forEachLine(in: reference) { line, _ in
            guard sliceData.count < sliceBytes * 1_000_000 else { return }
            sliceData += Array(line) + [0x0A]
        }
        try FileSystem.writeAtomically(sliceData, to: slice)
        let spec = try PipelineLoader.load(text: """
            version: 1
            name: bench/audit
            seed: 0
            inputs:
              - {id: dev, path: raw/hotpotqa/hotpot_dev_distractor_v1_100.json, format: hotpotqa}
            stages: []
            """, file: "(bench)", root: root, registry: .standard)
        var benchmarkTexts = JSONWriter()
        for sample in try HotpotQAFormat.read(spec.inputs[0], pipeline: spec).samples {
            benchmarkTexts.beginObject(); benchmarkTexts.key("text")
            benchmarkTexts.string(AuditSamples.text(of: sample, fields: [.question, .answers, .documents]))
            benchmarkTexts.endObject(); benchmarkTexts.newline()
        }
        try FileSystem.writeAtomically(benchmarkTexts.bytes, to: scratch + "/benchmark-texts.jsonl")
        let ours = try timed(binDirectory + "/longweave", benchmarkArguments + ["--reference", slice, "--threads", "1"])
        let oursPeak = peakMemory(ours.output).map { String(format: "%.0f MiB", $0) } ?? "unknown"
        let theirs = try timed(benchVenv, [bench.script("datatrove_decont.py"), scratch + "/benchmark-texts.jsonl", slice, "8"])
        let fields = theirs.output.split(separator: " ")
        guard fields.count == 4, let seconds = Double(fields[0]) else { throw IOError(path: "datatrove_decont.py", "unexpected output: \(theirs.output)") }
        bench.compare("audit vs datatrove (\(sliceData.count / 1_000_000) MB, 1 thread)", ours: ours.seconds, reference: seconds,
                      referenceName: "datatrove NGramsDecont", bytes: sliceData.count, target: .ratio(20))
        print("  peak memory: longweave \(oursPeak), datatrove \(fields[3].trimmingCharacters(in: .whitespacesAndNewlines)) MiB; datatrove flagged \(fields[2]) of \(fields[1]) documents")
    }
}
