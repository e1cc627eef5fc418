import Foundation
import PipelineTestSupport
import Testing
import LongweaveTestSupport
@testable import LongweaveCore
import LongweaveIO
import LongweaveText
@testable import LongweaveStages

/// The checks every LV-Eval-style record must pass, on the real HotpotQA and 2WikiMultihopQA
/// records with KPR, confusing facts and exact levels.
@Suite struct LVEvalChecksTests {
    func run(stages: String, threads: Int = 2, name: String = "test/lveval") throws -> String {
        let dir = TestPaths.temporaryDirectory()
        let yaml = """
        version: 1
        name: \(name)
        seed: 20240301
        language: en
        \(hotpotWikiInputs)
        stages:
          - clean: {}
          - keyword_replacement: {auto: {from: [answers, question], max_per_sample: 3}}
          - confusing_facts: {generator: entity-swap, per_sample: 2}
        \(stages)
        output: {zstd_level: 3}
        """
        let spec = try loadPipeline(yaml, in: dir)
        _ = try runPipeline(spec, in: dir, threads: threads)
        return dir + "/build/" + name
    }

    @Test func everyRecordPassesLVEvalsChecks() throws {
        let samplesDir = try run(stages: "", name: "test/samples")
        let samples = Dictionary(uniqueKeysWithValues: try records(samplesDir + "/all").map { ($0["id"] as! String, $0) })
        #expect(samples.count == 116)
        let table = try String(contentsOfFile: samplesDir + "/kpr.tsv", encoding: .utf8)
        #expect(table.hasPrefix("_id\tfrom\tto\n") && table.split(separator: "\n").count > 100)

        let dir = try run(stages: "  - length_buckets: {unit: words, levels: [4k, 16k], distractors: [wiki]}")
        let all = try records(dir + "/4k") + records(dir + "/16k")
        // 2WikiMultihopQA records whose own passages (all evidence) pass 4k words are rejected, said why.
        let rejects = try String(contentsOfFile: dir + "/rejects.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(all.count + rejects.count == 2 * 116)
        #expect(rejects.allSatisfy { $0.contains("the evidence alone is") && $0.contains("past the level") })
        #expect(all.count > 200)
        var factsSeen = 0
        var extractive = 0, found = 0
        for record in all {
            let level = record["length_level"] as! String == "4k" ? 4000 : 16000
            let context = record["context"] as! String
            let length = (record["meta"] as! [String: Any])["context_length"] as! Int
            #expect(length == WordCount.count(context))
            #expect(length >= level && length <= level + level / 50, "length \(length) at level \(level)")
            let sample = try #require(samples[record["_id"] as! String])
            for document in sample["documents"] as! [[String: Any]] where document["evidence"] as! Bool {
                #expect(context.contains(document["text"] as! String))
            }
            let facts = record["confusing_facts"] as! [String]
            for fact in facts {
                #expect(context.components(separatedBy: fact).count == 2, "fact once: \(fact)")
            }
            factsSeen += facts.count
            let meta = record["meta"] as! [String: Any]
            #expect((meta["cfi"] as? [Any] ?? []).count == facts.count)
            #expect((meta["evidence_depths"] as! [Double]).allSatisfy { $0 >= 0 && $0 < 1 })
            // KPR: no original left anywhere, every replacement present.
            let pairs = (meta["kpr"] as? [[String: String]] ?? []).map { ($0["from"]!, $0["to"]!) }
            // Passage numbers are structure, not text: a number phrase may equal one.
            let body = context.split(separator: "\n").filter { !$0.hasPrefix("### Passage ") }.joined(separator: "\n")
            let text = ([body, record["input"] as! String] + (record["answers"] as! [String]) + facts).joined(separator: "\n")
            if !pairs.isEmpty {
                #expect(PhraseReplacer(pairs: pairs, wholeWords: true).occurrences(in: text) == 0, "originals left in \(record["_id"]!)")
                for (_, to) in pairs { #expect(text.contains(to)) }
            }
            let answers = record["answers"] as! [String]
            if !answers.contains(where: { ["yes", "no"].contains($0.lowercased()) }) {
                extractive += 1
                if answers.contains(where: { context.contains($0) }) { found += 1 }
            }
        }
        #expect(factsSeen > 300)
        // HotpotQA answers are spans of their paragraphs, a few rephrased.
        #expect(Double(found) >= 0.9 * Double(extractive))
    }

    @Test func nestedLevelsExtendTheSmallerOnesAndThreadsDoNotMatter() throws {
        let stage = "  - length_buckets: {unit: words, levels: [4k, 8k], distractors: [wiki], nested: true}"
        let one = try run(stages: stage, threads: 1)
        let two = try run(stages: stage, threads: 2)
        let manifestOne = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: one + "/manifest.json"))) as! [String: Any]
        let manifestTwo = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: two + "/manifest.json"))) as! [String: Any]
        #expect(NSDictionary(dictionary: manifestOne["shards"] as? [String: Any] ?? [:]) == NSDictionary(dictionary: manifestTwo["shards"] as? [String: Any] ?? [:]))
        for level in ["4k", "8k"] {
            for (a, b) in zip(try DatasetReader.shards(at: one + "/" + level), try DatasetReader.shards(at: two + "/" + level)) {
                #expect(try FileSystem.readAll(a) == FileSystem.readAll(b))
            }
        }
        // Contexts without their inserted facts, which land at different places per level.
        func withoutFacts(_ record: [String: Any]) -> String {
            (record["confusing_facts"] as! [String]).reduce(record["context"] as! String) { $0.replacingOccurrences(of: " " + $1, with: "") }
        }
        let small = Dictionary(uniqueKeysWithValues: try records(one + "/4k").map { ($0["_id"] as! String, withoutFacts($0)) })
        var compared = 0
        for record in try records(one + "/8k") {
            guard let smaller = small[record["_id"] as! String] else { continue }
            compared += 1
            func bodies(_ context: String) -> [String] {
                context.components(separatedBy: "### Passage ").dropFirst().map { body in
                    // Without the number line, and without the last sentence, which may be cut.
                    String(body.drop { $0 != "\n" }.dropFirst().prefix(80)).trimmingCharacters(in: .whitespacesAndNewlines)
                }
            }
            let large = bodies(withoutFacts(record))
            var position = 0
            for body in bodies(smaller) {
                guard let found = large[position...].firstIndex(where: { $0.hasPrefix(body) || body.hasPrefix($0) }) else {
                    Issue.record("a 4k passage is missing from the 8k context of \(record["_id"]!): \(body)")
                    break
                }
                position = found + 1
            }
        }
        #expect(compared > 100)
    }
}

@Suite struct KeywordTableAndFactFileTests {
    func spec(stages: String, in dir: String = TestPaths.temporaryDirectory()) throws -> PipelineSpec {
        try loadPipeline("""
        version: 1
        name: test/table
        seed: 3
        language: en
        inputs:
          - {id: dev, path: "\(TestPaths.data("hotpotqa/hotpot_dev_distractor_v1_100.json"))", format: hotpotqa}
        stages:
        \(stages)
        """, in: dir)
    }

    @Test func aTableAppliesEverywhereAndABadLineNamesItsLine() throws {
        let table = try writeTemporary(Array("# films\nEd Wood\tBarnaby Quill\nScott Derrickson\tMilo Ashgrove\n".utf8), "kpr.tsv")
        let pipeline = try spec(stages: "  - keyword_replacement: {table: \"\(table)\"}")
        guard case .streaming(let stage) = try KeywordReplacementStage.make(StageSetup(config: pipeline.stages[0].config, pipeline: pipeline)) else {
            Issue.record("keyword_replacement streams")
            return
        }
        var sample = try HotpotQAFormat.read(pipeline.inputs[0], pipeline: pipeline).samples[0]
        #expect(sample.question.contains("Scott Derrickson and Ed Wood"))
        var random = SeededRandom(seed: 3, stage: "keyword_replacement", key: sample.id)
        var counts = StageCounts()
        #expect(stage.process(&sample, random: &random, counts: &counts) == .keep)
        #expect(sample.question.contains("Milo Ashgrove and Barnaby Quill"))
        #expect(sample.documents.allSatisfy { !$0.text.contains("Ed Wood") && !$0.title.contains("Ed Wood") })
        #expect(sample.meta["kpr"]?.arrayValue?.count == 2)
        #expect(counts.counts["replacements in question"] == 2 && (counts.counts["replacements in documents"] ?? 0) > 2)

        let bad = try writeTemporary(Array("Ed Wood\tBarnaby Quill\nno tab here\n".utf8), "bad.tsv")
        // Validation builds the stage, so the bad line stops the pipeline before any work.
        #expect { _ = try spec(stages: "  - keyword_replacement: {table: \"\(bad)\"}") } throws: { error in
            "\(error)".contains("bad.tsv:2: expected 'original<TAB>replacement'")
        }
        // A YAML table is read as YAML: quotes are YAML's, and a value that is not text
        // (a list, a mapping, nothing) is an error naming its line, never skipped.
        let yaml = try writeTemporary(Array("\"Ed Wood\": 'Barnaby Quill'\nScott Derrickson: Milo Ashgrove\n".utf8), "kpr.yaml")
        guard case .streaming(let fromYAML) = try KeywordReplacementStage.make(StageSetup(config: try spec(stages: "  - keyword_replacement: {table: \"\(yaml)\"}").stages[0].config, pipeline: pipeline)) else { return }
        var again = try HotpotQAFormat.read(pipeline.inputs[0], pipeline: pipeline).samples[0]
        #expect(fromYAML.process(&again, random: &random, counts: &counts) == .keep)
        #expect(again.question.contains("Milo Ashgrove and Barnaby Quill"))
        for (body, line) in [("Ed Wood: [Barnaby, Quill]\n", 1), ("Ed Wood: Barnaby Quill\nScott Derrickson: {a: b}\n", 2), ("Ed Wood:\n", 1)] {
            let badYAML = try writeTemporary(Array(body.utf8), "bad.yaml")
            #expect { _ = try spec(stages: "  - keyword_replacement: {table: \"\(badYAML)\"}") } throws: { error in
                "\(error)".contains("bad.yaml:\(line): expected 'original: replacement', both text")
            }
        }
    }

    @Test func theAppliedTableIsPinnedByTheManifestAndVerified() throws {
        let dir = TestPaths.temporaryDirectory()
        let table = try writeTemporary(Array("Ed Wood\tBarnaby Quill\nScott Derrickson\tMilo Ashgrove\nNot In Any Sample\tX Y\n".utf8), "kpr.tsv")
        let output = dir + "/build/test/table"
        _ = try runPipeline(try spec(stages: "  - keyword_replacement: {table: \"\(table)\"}", in: dir), in: dir)
        let lines = try String(contentsOfFile: output + "/kpr.tsv", encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "_id\tfrom\tto" && lines.count > 2)
        #expect(!lines.contains { $0.contains("Not In Any Sample") })
        let manifest = try Manifest.read(output + "/manifest.json")
        #expect(manifest["kpr"]?["pairs"] == .number(Double(lines.count - 1)))
        #expect(try DatasetReader.verify(directory: output).isEmpty)
        try FileSystem.writeAtomically(Array("_id\tfrom\tto\n".utf8), to: output + "/kpr.tsv")
        #expect(try DatasetReader.verify(directory: output).map(\.path) == ["kpr.tsv"])
        // A rerun without pairs leaves no stale table behind.
        _ = try runPipeline(try spec(stages: "  - clean: {}", in: dir), in: dir)
        #expect(!FileSystem.exists(output + "/kpr.tsv"))
        #expect(try Manifest.read(output + "/manifest.json")["kpr"] == nil)
        #expect(try DatasetReader.verify(directory: output).isEmpty)
    }

    @Test func factsFromAFileAreCountedWhereMissing() throws {
        let facts = try writeTemporary(Array(#"{"_id": "5a8b57f25542995d1e6f1371", "facts": ["Ed Wood was born in Norway.", "b", "c"]}"#.utf8 + [0x0A]), "facts.jsonl")
        let pipeline = try spec(stages: "  - confusing_facts: {generator: file, path: \"\(facts)\", per_sample: 2}")
        guard case .pooled(let stage) = try ConfusingFactsStage.make(StageSetup(config: pipeline.stages[0].config, pipeline: pipeline)) else {
            Issue.record("confusing_facts is pooled")
            return
        }
        let samples = try HotpotQAFormat.read(pipeline.inputs[0], pipeline: pipeline).samples
        var counts: [String: Int] = [:]
        let (kept, removed) = try stage.process(pool: samples, seed: 3, stage: "confusing_facts", counts: &counts)
        #expect(kept.count == samples.count && removed.isEmpty)
        #expect(kept[0].confusingFacts == ["Ed Wood was born in Norway.", "b"])
        #expect(counts == ["facts": 2, "no fact: not in the file": samples.count - 1])
    }
}
