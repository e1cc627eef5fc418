import Foundation
import PipelineTestSupport
import Testing
import LongweaveTestSupport
@testable import LongweaveCore
import LongweaveIO
import LongweaveText
@testable import LongweaveStages

@Suite struct LengthBucketsTests {
    /// Runs the fill stage on the real HotpotQA dev slice plus Wikipedia paragraphs.
    func runFill(unit: String = "words", levels: String = "[2k, 5k]", language: String = "en", threads: Int = 2) throws -> (dir: String, summary: RunSummary) {
        let dir = TestPaths.temporaryDirectory()
        let yaml = """
        version: 1
        name: test/fill
        seed: 11
        language: \(language)
        inputs:
          - {id: dev, path: "\(TestPaths.data("hotpotqa/hotpot_dev_distractor_v1_100.json"))", format: hotpotqa}
          - {id: wiki, path: "\(TestPaths.data("wiki_paragraphs/2wikimultihopqa_corpus.json"))", format: paragraphs}
        stages:
          - length_buckets: {unit: \(unit), levels: \(levels), distractors: [wiki]}
        output: {zstd_level: 3}
        """
        let spec = try loadPipeline(yaml, in: dir)
        let summary = try runPipeline(spec, in: dir, threads: threads)
        return (dir + "/build/test/fill", summary)
    }

    @Test func contextsReachEachLevelWithEvidenceAndDistinctDistractors() throws {
        let (dir, summary) = try runFill()
        #expect(summary.streams.map(\.name) == ["2k", "5k"])
        #expect(summary.rejects == 0)
        let samples = try HotpotQAFormat.read(try makeSpec(inputs: [("dev", TestPaths.data("hotpotqa/hotpot_dev_distractor_v1_100.json"), "hotpotqa")]).inputs[0],
                                              pipeline: try makeSpec(inputs: [("dev", TestPaths.data("hotpotqa/hotpot_dev_distractor_v1_100.json"), "hotpotqa")])).samples
        let byID = Dictionary(uniqueKeysWithValues: samples.map { ($0.id, $0) })
        let all = try records(dir)
        #expect(all.count == 2 * 103)
        for record in all {
            let level = record["length_level"] as! String == "2k" ? 2000 : 5000
            let context = record["context"] as! String
            // LV-Eval's length is input + context + answers; the context alone reaches the level.
            let length = (record["meta"] as! [String: Any])["context_length"] as! Int
            #expect(length == WordCount.count(context))
            #expect(record["length"] as! Int == length + WordCount.count(record["input"] as! String)
                    + (record["answers"] as! [String]).reduce(0) { $0 + WordCount.count($1) })
            #expect(length >= level)
            let sample = try #require(byID[record["_id"] as! String])
            #expect(record["input"] as? String == sample.question)
            #expect(record["answers"] as? [String] == sample.answers)
            let passages = context.components(separatedBy: "\n\n### Passage ")
            #expect(context.hasPrefix("### Passage 1\n"))
            let texts = passages.map { $0.split(separator: "\n", maxSplits: 1).last.map(String.init) ?? "" }
            // Evidence is in, the sample's own distractors are not (unless, as in one real
            // record, a distractor paragraph repeats an evidence paragraph word for word), nothing twice.
            let evidenceTexts = Set(sample.documents.filter(\.evidence).map(\.text))
            for document in sample.documents {
                #expect(texts.contains(document.text) == evidenceTexts.contains(document.text), "\(sample.id) \(document.title)")
            }
            #expect(Set(texts).count == texts.count)
            let meta = record["meta"] as! [String: Any]
            let evidence = meta["evidence_passages"] as! [Int]
            #expect(evidence.count == sample.documents.filter(\.evidence).count)
            for index in evidence { #expect(sample.documents.contains { $0.evidence && $0.text == texts[index - 1] }) }
            // Overshoot is at most the last passage added.
            #expect(length - level < 3 + texts.map { WordCount.count($0) }.max()!)
        }
    }

    @Test func charactersAreCountedExactlyForChineseHeaders() throws {
        let (dir, _) = try runFill(unit: "chars", levels: "[3500]", language: "zh")
        let all = try records(dir)
        #expect(all.count == 103)
        for record in all {
            let context = record["context"] as! String
            let length = (record["meta"] as! [String: Any])["context_length"] as! Int
            #expect(length == context.unicodeScalars.count)
            #expect(length >= 3500)
            #expect(context.hasPrefix("### 文章 1\n"))
            #expect(record["length_level"] as? String == "3500")
        }
    }

    @Test func tokenLevelsAreMeasuredOnTheWholeContext() throws {
        let spec = "tiktoken:" + TestPaths.data("tokenizers/cl100k_base/cl100k_base.tiktoken")
        let (dir, summary) = try runFill(unit: "\"\(spec)\"", levels: "[3k]")
        #expect(summary.rejects == 0)
        let tokenizer = try Tokenizer.load(spec)
        let all = try records(dir)
        #expect(all.count == 103)
        for record in all {
            let context = record["context"] as! String
            let length = (record["meta"] as! [String: Any])["context_length"] as! Int
            #expect(length == tokenizer.count(context))
            #expect(record["length"] as! Int == length + tokenizer.count(record["input"] as! String)
                    + (record["answers"] as! [String]).reduce(0) { $0 + tokenizer.count($1) })
            #expect(length >= 3000)
            #expect((record["meta"] as! [String: Any])["unit"] as? String == spec)
        }
    }

    @Test func aPoolTooSmallForTheLevelRejectsEachRecordAndSaysWhy() throws {
        let (dir, summary) = try runFill(levels: "[1k, 2000k]")
        #expect(summary.streams.map(\.records) == [103, 0])
        #expect(summary.rejects == 103)
        let rejects = try String(contentsOfFile: dir + "/rejects.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(rejects.count == 103)
        #expect(rejects.allSatisfy { $0.contains("2000k: distractor pool exhausted") && $0.contains(#""stage":"length_buckets""#) })
        let manifest = try Manifest.read(dir + "/manifest.json")
        #expect(manifest["rejects"]?["by_reason"]?["2000k: distractor pool exhausted"] == .number(103))
    }

    @Test func threadCountDoesNotChangeABit() throws {
        let (one, _) = try runFill(levels: "[1k, 3k, 2k]", threads: 1)
        let (two, _) = try runFill(levels: "[1k, 3k, 2k]", threads: 2)
        for level in ["1k", "2k", "3k"] {
            #expect(try FileSystem.readAll(one + "/\(level)/part-00000.jsonl.zst") == FileSystem.readAll(two + "/\(level)/part-00000.jsonl.zst"))
        }
    }
}
