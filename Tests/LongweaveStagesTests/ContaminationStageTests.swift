import Foundation
import PipelineTestSupport
import Testing
import LongweaveTestSupport
@testable import LongweaveCore
import LongweaveIO
@testable import LongweaveStages

/// The `contamination` stage in pipelines, on LongBench's 2WikiMultihopQA records against the
/// Wikipedia paragraphs they were built from.
@Suite struct ContaminationStageTests {
    func pipeline(_ stage: String, extraStages: String = "") -> String {
        """
        version: 1
        name: test/contamination
        seed: 1
        language: en
        inputs:
          - {id: 2wikimqa, path: "\(TestPaths.data("longbench/2wikimqa.jsonl"))", format: longbench}
        stages:
        \(extraStages)  - contamination:
              reference: ["\(TestPaths.data("wiki_paragraphs/2wikimultihopqa_corpus.json"))"]
              fields: [documents]
        \(stage)
        """
    }

    func run(_ yaml: String) throws -> (RunSummary, String) {
        let dir = TestPaths.temporaryDirectory()
        let summary = try runPipeline(try loadPipeline(yaml, in: dir), in: dir)
        return (summary, dir + "/build/test/contamination")
    }

    @Test func tagKeepsEverySampleWithItsScores() throws {
        let (summary, dir) = try run(pipeline("      action: tag"))
        let all = try records(dir + "/all")
        #expect(all.count == 13 && summary.rejects == 0)
        for record in all {
            let scores = try #require((record["meta"] as? [String: Any])?["contamination"] as? [String: Any])
            #expect((scores["token_extend"] as! Double) > 0)
            let span = try #require(scores["longest_span"] as? [String: Any])
            #expect((span["reference_doc"] as! String).contains("2wikimultihopqa_corpus.json#"))
        }
    }

    @Test func dropRejectsWithTheScoresAndSplitWritesTwoFolders() throws {
        let (dropped, dropDir) = try run(pipeline("      action: drop\n      threshold: {token_extend: 0.05}"))
        let rejects = try String(contentsOfFile: dropDir + "/rejects.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(rejects.count == dropped.rejects && rejects.count > 0 && rejects.count < 13)
        #expect(rejects.allSatisfy { $0.contains("contaminated: token_extend 0.") && $0.contains("> 0.05") })
        #expect(try records(dropDir + "/all").count + rejects.count == 13)

        let (split, splitDir) = try run(pipeline("      action: split\n      threshold: {token_extend: 0.05}"))
        #expect(Set(split.streams.map(\.name)) == ["clean", "contaminated"])
        #expect(try records(splitDir + "/contaminated").count == rejects.count)
        #expect(try records(splitDir + "/clean").count == 13 - rejects.count)
        #expect(try DatasetReader.verify(directory: splitDir).isEmpty)
    }

    @Test func badKeysAreValidationErrors() throws {
        for (stage, message) in [
            ("      action: drop", "action drop needs threshold"),
            ("      action: drop\n      threshold: {token_extend: high}", "threshold key 'token_extend': expected number 0...1, found 'high'"),
            ("      action: split\n      threshold: {longest_match: 0.1}\n  - length_buckets: {levels: [4k]}", "action split writes clean/ and contaminated/"),
        ] {
            #expect { _ = try loadPipeline(pipeline(stage)) } throws: { "\($0)".contains(message) }
        }
        let missing = pipeline("").replacingOccurrences(of: "2wikimultihopqa_corpus.json", with: "nowhere.json")
        #expect { _ = try loadPipeline(missing) } throws: { "\($0)".contains("reference: no file") }
    }
}
