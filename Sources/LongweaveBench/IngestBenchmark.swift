import Foundation
import LongweaveCore
import LongweaveIO
import LongweaveMarkup
import LongweaveStages

/// Ingest: the Wikipedia dump to cleaned documents against `bzip2 -dc` and gensim's
/// WikiCorpus; HTML main text against trafilatura; the JSON QA formats against Python's
/// json.load (`scripts/bench/ingest_reference.py`).
enum IngestBenchmark: Benchmark {
    static let section = BenchSection.ingest

    static func run(_ bench: inout BenchRun) throws {
        let root = bench.root
        let scratch = bench.scratch
        let cores = bench.cores
        func pythonOutput(_ arguments: String) -> String? {
            commandOutput("\(bench.benchPython) \(bench.script("ingest_reference.py")) \(arguments)")
        }

        func ingestSpec(_ input: String) throws -> PipelineSpec {
            try "version: 1\nname: bench/ingest\nseed: 1\nlanguage: en\ninputs:\n  - \(input)\nstages: []\n"
                .write(toFile: scratch + "/ingest.yaml", atomically: true, encoding: .utf8)
            return try PipelineLoader.load(file: scratch + "/ingest.yaml", root: root, registry: .standard)
        }

        do {
            let dumpPath = root + "/raw/wiki_xml/enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
            let dumpSpec = try ingestSpec("{id: dump, path: \(dumpPath), format: mediawiki}")
            guard case .streaming(let cleanStage) = try CleanStage.make(StageSetup(config: ConfigMapping(CleanStage.descriptor.parameters.map { ($0.name, $0.defaultValue!) }), pipeline: dumpSpec)),
                  let cleanDocuments = cleanStage as? any DocumentPoolStage else { fatalError("clean is a streaming document stage") }
            var articles = 0
            let ingestDump = try best {
                let result = try MediaWikiFormat.read(dumpSpec.inputs[0], pipeline: dumpSpec)
                articles = cleanDocuments.process(documentInputs: [("dump", result.documents)], context: StageContext(name: "clean", seed: 1, threads: cores, registry: .standard)).kept[0].count
            }
            let bunzip = try best { try shell("bzip2 -dc '\(dumpPath)' > /dev/null") }
            let xmlBytes = try InputFile.readAll(dumpPath).count
            print("wikipedia dump: \(articles) articles, \(xmlBytes / 1_000_000) MB of XML in \(try FileSystem.size(dumpPath) / 1_000) kB of bzip2")
            bench.compare("mediawiki .bz2 -> clean documents", ours: ingestDump, reference: bunzip, referenceName: "bzip2 -dc > /dev/null", bytes: xmlBytes, target: .ratio(0.75))
            if let gensim = pythonOutput("gensim '\(dumpPath)'").flatMap({ Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) {
                bench.compare("mediawiki .bz2 -> clean documents", ours: ingestDump, reference: gensim, referenceName: "gensim WikiCorpus", bytes: xmlBytes, target: .ratio(10))
            } else {
                bench.skip("mediawiki .bz2 vs gensim WikiCorpus", because: "gensim is not installed (make bench installs it into .build/venv-bench)", target: .ratio(10))
            }

            let pageNames = try FileSystem.list(root + "/raw/wiki_html").filter { $0.hasSuffix(".html") }
            let pagePaths = pageNames.map { root + "/raw/wiki_html/" + $0 }
            let pages = try pagePaths.map { try FileSystem.readAll($0) }
            let repeats = 5
            var ourTexts: [String] = []
            let extract = try best {
                ourTexts.removeAll()
                for _ in 0..<repeats { for (page, path) in zip(pages, pagePaths) { ourTexts.append(HTMLMainText(try HTMLTree(bytes: page, path: path)).text) } }
            }
            let pageBytes = pages.reduce(0) { $0 + $1.count } * repeats
            if let output = pythonOutput("trafilatura \(repeats) " + pagePaths.map { "'\($0)'" }.joined(separator: " ")),
               let object = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any],
               let seconds = object["seconds"] as? Double, let theirs = object["texts"] as? [String] {
                bench.compare("html main text (4 pages x \(repeats))", ours: extract, reference: seconds, referenceName: "trafilatura.extract", bytes: pageBytes, target: .ratio(5))
                // Word overlap, both ways (words as multisets): trafilatura also keeps infoboxes,
                // reference lists, [edit] and [1] marks, which the main text leaves out.
                var shared = 0, oursTotal = 0, theirsTotal = 0
                for (ours, reference) in zip(ourTexts, theirs) {
                    var counts: [Substring: Int] = [:]
                    for word in ours.split(whereSeparator: \.isWhitespace) { counts[word, default: 0] += 1; oursTotal += 1 }
                    for word in reference.split(whereSeparator: \.isWhitespace) {
                        theirsTotal += 1
                        if let n = counts[word], n > 0 { counts[word] = n - 1; shared += 1 }
                    }
                }
                func percent(_ part: Int, _ whole: Int) -> String { String(format: "%.1f%%", 100 * Double(part) / Double(max(whole, 1))) }
                print("html word overlap with trafilatura: \(percent(shared, oursTotal)) of our \(oursTotal) words are in its text; \(percent(shared, theirsTotal)) of its \(theirsTotal) are in ours")
            } else {
                bench.skip("html main text vs trafilatura", because: "trafilatura is not installed (make bench installs it into .build/venv-bench)", target: .ratio(5))
            }
        }

        // The files are small (0.5 and 3.5 MB), so both sides take the best of 20 runs: the
        // steady state, not the first run's page faults. LW_BENCH_RUNS and LW_BENCH_FORMAT
        // (squad or cmrc2018) narrow the loop for profiling.
        let environment = ProcessInfo.processInfo.environment
        let runs = environment["LW_BENCH_RUNS"].flatMap(Int.init) ?? 20
        for (format, relative) in [("squad", "squad/squad_v2.0_dev_first5articles.json"), ("cmrc2018", "cmrc2018/cmrc2018_dev.json")]
        where environment["LW_BENCH_FORMAT"].map({ $0 == format }) ?? true {
            let path = root + "/raw/" + relative
            let spec = try ingestSpec("{id: qa, path: \(path), format: \(format)}")
            let reader = Registry.standard.formats[format]!
            let ours = try best(runs) { _ = try reader.read(spec.inputs[0], pipeline: spec) }
            let bytes = try FileSystem.size(path)
            if let seconds = pythonOutput("json '\(path)' \(runs)").flatMap({ Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) {
                bench.compare("\(format) JSON -> samples", ours: ours, reference: seconds, referenceName: "Python json.load", bytes: bytes, target: .throughput(150))
            }
        }
    }
}
