import Foundation
import PipelineTestSupport
import Testing
import LongweaveTestSupport
@testable import LongweaveCore
import LongweaveIO
import LongweaveText
@testable import LongweaveStages

/// The pipeline files of `pipelines/lveval/` themselves, run on the real data at small levels
/// (8k and 16k; a needle at 7 depths), each record checked the way the issue states LV-Eval's rules.
@Suite struct LVEvalPipelinesTests {
    struct Expectation: Sendable, CustomStringConvertible {
        var pipeline: String
        /// Share of records with an answer in the context, at least (extractive datasets).
        var answersInContext: Double = 0
        var keywordReplacement = false
        var facts = false
        var description: String { pipeline }
    }

    static let expectations: [Expectation] = [
        Expectation(pipeline: "loogle_SD_mixup"),
        Expectation(pipeline: "loogle_CR_mixup"),
        Expectation(pipeline: "loogle_MIR_mixup"),
        Expectation(pipeline: "multifieldqa_en_mixup", keywordReplacement: true, facts: true),
        Expectation(pipeline: "multifieldqa_zh_mixup", keywordReplacement: true, facts: true),
        Expectation(pipeline: "cmrc_mixup", answersInContext: 1, keywordReplacement: true),
        Expectation(pipeline: "dureader_mixup"),
        Expectation(pipeline: "factrecall_en", answersInContext: 1, keywordReplacement: true, facts: true),
        Expectation(pipeline: "factrecall_zh", answersInContext: 1, keywordReplacement: true, facts: true),
    ]

    /// A root whose `raw/` is the shared data and whose `pipelines/` is the project's.
    static func root() throws -> String {
        let root = TestPaths.temporaryDirectory()
        try FileManager.default.createSymbolicLink(atPath: root + "/raw", withDestinationPath: TestPaths.sharedData)
        try FileManager.default.createSymbolicLink(atPath: root + "/pipelines", withDestinationPath: TestPaths.packageRoot + "/pipelines")
        return root
    }

    /// The pipeline file at levels 8k and 16k, 7 depths; without its length_buckets stage when `samplesOnly`.
    static func yaml(_ pipeline: String, samplesOnly: Bool = false) throws -> String {
        var text = try String(contentsOfFile: TestPaths.packageRoot + "/pipelines/lveval/\(pipeline).yaml", encoding: .utf8)
        text = text.replacingOccurrences(of: "levels: [16k, 32k, 64k, 128k, 256k]", with: "levels: [8k, 16k]")
            .replacingOccurrences(of: "count: 200", with: "count: 7")
            .replacingOccurrences(of: "zstd_level: 10", with: "zstd_level: 1")
        if samplesOnly, let start = text.range(of: "  - length_buckets:"), let end = text.range(of: "output:") {
            text.removeSubrange(start.lowerBound..<end.lowerBound)
            text = text.replacingOccurrences(of: "name: lveval/", with: "name: samples/")
        }
        return text
    }

    static func run(_ yaml: String, in root: String, threads: Int = 2) throws -> RunSummary {
        try yaml.write(toFile: root + "/p.yaml", atomically: true, encoding: .utf8)
        let spec = try PipelineLoader.load(file: root + "/p.yaml", root: root, registry: .standard)
        return try Runner(spec: spec, registry: .standard, options: RunOptions(threads: threads, outputBase: root + "/build", progress: false), root: root).run()
    }

    /// Whether `phrase` occurs in `text` the way KPR matches it: whole words in English; in
    /// Chinese exactly, but never inside a run of ASCII letters or digits.
    static func occurs(_ phrase: String, in text: String, chinese: Bool) -> Bool {
        PhraseReplacer(pairs: [(phrase, "\u{1}")], wholeWords: !chinese).occurrences(in: text) > 0
    }

    @Test(arguments: expectations) func everyRecordKeepsLVEvalsRules(_ expected: Expectation) throws {
        let root = try Self.root()
        _ = try Self.run(try Self.yaml(expected.pipeline, samplesOnly: true), in: root)
        let samples = Dictionary(uniqueKeysWithValues: try records(root + "/build/samples/\(expected.pipeline)/all").map { ($0["id"] as! String, $0) })
        #expect(!samples.isEmpty)
        let summary = try Self.run(try Self.yaml(expected.pipeline), in: root)
        let dir = root + "/build/lveval/\(expected.pipeline)"
        let needle = expected.pipeline.hasPrefix("factrecall")
        let variants = needle ? 7 : 1
        #expect(summary.streams.reduce(0) { $0 + $1.records } + summary.rejects == 2 * samples.count * variants)

        var withAnswer = 0, total = 0, facts = 0, replaced = 0
        var depths: [Double] = []
        for (level, name) in [(8000, "8k"), (16000, "16k")] {
            for record in try records(dir + "/" + name) {
                total += 1
                let id = record["_id"] as! String
                let sample = try #require(samples[needle ? String(id.split(separator: ":")[0]) : id])
                let chinese = record["language"] as! String == "zh"
                let context = record["context"] as! String
                let length = (record["meta"] as! [String: Any])["context_length"] as! Int
                func count(_ text: String) -> Int { chinese ? CharCount.count(text) : WordCount.count(text) }
                #expect(length == count(context), "\(id)")
                #expect(record["length"] as! Int == length + count(record["input"] as! String)
                        + (record["answers"] as! [String]).reduce(0) { $0 + count($1) }, "\(id)")
                #expect(record["dataset"] as! String == expected.pipeline)
                #expect(length >= level && length <= level + level / 50, "\(id): length \(length) at level \(level)")
                #expect(record["length_level"] as! String == name)
                for document in sample["documents"] as! [[String: Any]] where document["evidence"] as! Bool {
                    #expect(context.contains(document["text"] as! String), "\(id): evidence not whole")
                }
                let recordFacts = record["confusing_facts"] as! [String]
                for fact in recordFacts {
                    #expect(context.components(separatedBy: fact).count == 2, "\(id): fact not once: \(fact)")
                }
                facts += recordFacts.count
                let meta = record["meta"] as! [String: Any]
                #expect((meta["cfi"] as? [Any] ?? []).count == recordFacts.count)
                if needle { depths.append(meta["needle_depth"] as! Double) }
                let evidenceDepths = meta["evidence_depths"] as! [Double]
                #expect(!evidenceDepths.isEmpty && evidenceDepths.allSatisfy { $0 >= 0 && $0 <= 1 })

                // KPR: no original anywhere in the output text, every replacement present.
                let pairs = (meta["kpr"] as? [[String: String]] ?? []).map { ($0["from"]!, $0["to"]!) }
                let body = context.split(separator: "\n").filter { !$0.hasPrefix("### ") }.joined(separator: "\n")
                let text = ([body, record["input"] as! String] + (record["answers"] as! [String]) + recordFacts).joined(separator: "\n")
                for (from, to) in pairs {
                    #expect(!Self.occurs(from, in: text, chinese: chinese), "\(id): '\(from)' left after KPR")
                    #expect(text.contains(to), "\(id): replacement '\(to)' missing")
                }
                replaced += pairs.isEmpty ? 0 : 1
                if (record["answers"] as! [String]).contains(where: { context.contains($0) }) { withAnswer += 1 }
            }
        }
        #expect(total > 0)
        #expect(Double(withAnswer) >= expected.answersInContext * Double(total), "answers in context: \(withAnswer) of \(total)")
        #expect((replaced > 0) == expected.keywordReplacement)
        #expect((facts > 0) == expected.facts)
        if needle {
            #expect(Set(depths) == Set((0..<7).map { Double($0) / 6 }))
        }
    }

    @Test func theNeedleSitsAtASentenceEndNearItsDepthAndThreadsDoNotMatter() throws {
        let root = try Self.root()
        _ = try Self.run(try Self.yaml("factrecall_en"), in: root, threads: 1)
        let one = try records(root + "/build/lveval/factrecall_en/8k")
        _ = try Self.run(try Self.yaml("factrecall_en"), in: root, threads: 2)
        let two = try records(root + "/build/lveval/factrecall_en/8k")
        #expect(NSArray(array: one) == NSArray(array: two))
        #expect(one.count == 7)
        for record in one {
            let context = Array((record["context"] as! String).unicodeScalars)
            let meta = record["meta"] as! [String: Any]
            let offset = meta["needle_offset"] as! Int
            let needle = "In May 1953, Corwin Ashdale and Tenzing Norgay became the first climbers"
            #expect(String(String.UnicodeScalarView(context[offset...].prefix(needle.unicodeScalars.count))) == needle)
            if offset > 0 {
                // After a sentence end (or a document end) and the one space the needle brings.
                #expect(context[offset - 1] == " ")
                #expect(".?!\n\"')".unicodeScalars.contains(context[offset - 2]), "needle at \(offset) follows '\(context[offset - 2])'")
            }
            // Within a sentence or so of where it was asked for.
            #expect(abs((meta["evidence_depths"] as! [Double])[0] - (meta["needle_depth"] as! Double)) < 0.05)
        }
    }

    @Test func needleAndFillKeysAreCheckedBeforeAnyWork() throws {
        let root = try Self.root()
        let base = try Self.yaml("factrecall_en")
        for (change, message) in [
            (("count: 7", "depths: [0, 1.5]"), "key 'depths': expected number 0...1, found 1.5"),
            (("haystack: [wikitext2, enwiki-slice]", "haystack: []"), "key 'haystack': expected non-empty list of input id, found an empty list"),
            (("haystack: [wikitext2, enwiki-slice]", "haystack: [needle]"), "haystack: input 'needle' (format jsonl) gives samples"),
            (("mode: needle", "mode: fill"), "key 'haystack' belongs to mode needle, not fill"),
        ] {
            let yaml = base.replacingOccurrences(of: change.0, with: change.1)
            #expect(yaml != base)
            #expect { _ = try Self.run(yaml, in: root) } throws: { "\($0)".contains(message) }
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/build/lveval/factrecall_en"))
    }
}

@Suite struct SelectStageTests {
    func pool() throws -> [Sample] {
        try ingest("loogle", TestPaths.data("loogle/longdep_qa.jsonl")).samples
    }

    func selection(_ keys: String) throws -> any PooledStage {
        let spec = try loadPipeline("""
            version: 1
            name: test/select
            seed: 5
            language: en
            inputs:
              - {id: in, path: "\(TestPaths.data("loogle/longdep_qa.jsonl"))", format: loogle}
            stages:
              - select: {\(keys)}
            """)
        guard case .pooled(let stage) = try SelectStage.make(StageSetup(config: spec.stages[0].config, pipeline: spec)) else {
            throw StageSetupError("select is pooled")
        }
        return stage
    }

    @Test func keepsListedValuesThenASeededSampleInPoolOrder() throws {
        let pool = try pool()
        let reasoning = pool.filter { $0.meta["loogle_type"]?.stringValue == "comprehension_and_reasoning" }
        #expect(reasoning.count == 15)
        let (kept, removed) = try selection("field: meta.loogle_type, values: [comprehension_and_reasoning]").process(pool: pool, seed: 5, stage: "select")
        #expect(kept.map(\.id) == reasoning.map(\.id))
        #expect(removed.count == pool.count - 15 && removed.allSatisfy { $0.verdict == .drop(reason: "meta.loogle_type not listed") })

        let sampler = try selection("sample: 10")
        let (drawn, notDrawn) = try sampler.process(pool: pool, seed: 5, stage: "select")
        #expect(drawn.count == 10 && notDrawn.count == pool.count - 10)
        // The draw depends on the ids, not on the pool's order; the kept order is the pool's.
        let (fromReversed, _) = try sampler.process(pool: pool.reversed(), seed: 5, stage: "select")
        #expect(Set(fromReversed.map(\.id)) == Set(drawn.map(\.id)))
        let positions = drawn.map { sample in pool.firstIndex { $0.id == sample.id }! }
        #expect(positions == positions.sorted())
        let (otherSeed, _) = try sampler.process(pool: pool, seed: 6, stage: "select")
        #expect(Set(otherSeed.map(\.id)) != Set(drawn.map(\.id)))
    }

    @Test func badKeysAreValidationErrors() throws {
        #expect { _ = try selection("field: title, values: [a]") } throws: { "\($0)".contains("field: expected id, dataset, language, question or meta.KEY, found 'title'") }
        #expect { _ = try selection("field: meta.loogle_type") } throws: { "\($0)".contains("needs at least one value") }
        #expect { _ = try selection("values: [a]") } throws: { "\($0)".contains("without a field") }
    }

    @Test func samplesReadAsDocumentsFeedOnlyTheDocumentPool() throws {
        let spec = try loadPipeline("""
            version: 1
            name: test/as-documents
            seed: 1
            language: zh
            inputs:
              - {id: cmrc, path: "\(TestPaths.data("cmrc2018/cmrc2018_dev.json"))", format: cmrc2018, as: documents}
            stages: []
            """, in: TestPaths.temporaryDirectory())
        let dir = TestPaths.temporaryDirectory()
        let summary = try runPipeline(spec, in: dir)
        // 3,219 questions share 848 contexts: each context once, no samples.
        #expect(summary.streams.first { $0.name == "all" }?.records ?? 0 == 0)
        #expect(summary.streams.first { $0.name == "documents" }?.records == 848)
        #expect {
            _ = try loadPipeline("""
                version: 1
                name: test/as-samples
                seed: 1
                language: en
                inputs:
                  - {id: wiki, path: "\(TestPaths.data("wiki_paragraphs/2wikimultihopqa_corpus.json"))", format: paragraphs, as: samples}
                stages: []
                """)
        } throws: { "\($0)".contains("format paragraphs gives documents only, it cannot be read as samples") }
    }
}
