import Foundation
import PipelineTestSupport
import Testing
import LongweaveTestSupport
@testable import LongweaveCore
import LongweaveIO
import LongweaveText
@testable import LongweaveStages

/// The validity check on LV-Eval-style records: each check fails on the record it is about,
/// a failing record is rejected with its reason and counted in the manifest, and `verify`
/// runs the same check on a built folder.
@Suite struct LVEvalValidityTests {
    func record(input: String = "Who founded Velmor Records?", context: String = "### Passage 1\nVelmor Records was founded by Ann Tamsil.",
                answers: [String] = ["Ann Tamsil"], facts: [String] = [], pairs: [(String, String)] = [("Sun Records", "Velmor Records")],
                extractive: Bool = true) -> LVEvalValidity.Record {
        LVEvalValidity.Record(input: input, context: Array(context.utf8), answers: answers, facts: facts, pairs: pairs.map { (from: $0.0, to: $0.1) },
                              extractive: extractive, chinese: false)
    }

    @Test func eachCheckFailsOnTheRecordItIsAbout() {
        #expect(LVEvalValidity.problem(record()) == nil)
        // The question names a made-up phrase that the context does not hold.
        #expect(LVEvalValidity.problem(record(context: "### Passage 1\nSomething else, by Ann Tamsil."))?
            .hasPrefix(LVEvalValidity.Check.madeUpPhraseAbsent.rawValue) == true)
        #expect(LVEvalValidity.problem(record(answers: ["Bo Quill"]))?.hasPrefix(LVEvalValidity.Check.answerAbsent.rawValue) == true)
        #expect(LVEvalValidity.problem(record(answers: ["Bo Quill"], extractive: false)) == nil)
        // An original left in the text; a passage number is no original.
        #expect(LVEvalValidity.problem(record(context: "### Passage 1\nVelmor Records (once Sun Records) was founded by Ann Tamsil."))?
            .hasPrefix(LVEvalValidity.Check.originalLeft.rawValue) == true)
        #expect(LVEvalValidity.problem(record(context: "### Passage 1\nVelmor Records was founded by Ann Tamsil.", pairs: [("1", "7"), ("Sun Records", "Velmor Records")])) == nil)
        // Originals inside another word are not left: Sun in Sunday.
        #expect(LVEvalValidity.problem(record(context: "### Passage 1\nOn Sunday Velmor Records was founded by Ann Tamsil.", pairs: [("Sun", "Rel"), ("Sun Records", "Velmor Records")])) == nil)
        let fact = "Velmor Records was founded by Bo Quill."
        #expect(LVEvalValidity.problem(record(facts: [fact]))?.hasPrefix(LVEvalValidity.Check.factNotOnce.rawValue) == true)
        #expect(LVEvalValidity.problem(record(context: "### Passage 1\nVelmor Records was founded by Ann Tamsil. " + fact, facts: [fact])) == nil)
        let telling = "Velmor Records hired ANN TAMSIL in 1990."
        #expect(LVEvalValidity.problem(record(context: "### Passage 1\nVelmor Records was founded by Ann Tamsil. " + telling, facts: [telling]))?
            .hasPrefix(LVEvalValidity.Check.factHoldsAnswer.rawValue) == true)
    }

    @Test func aFailingRecordIsRejectedCountedAndVerifyFindsATamperedOne() throws {
        let dir = TestPaths.temporaryDirectory()
        // The first HotpotQA sample's answer is 'yes'; a fact saying it must not reach a record.
        let facts = try writeTemporary(Array(#"{"_id": "5a8b57f25542995d1e6f1371", "facts": ["Ed Wood said yes to every film offered to him."]}"#.utf8 + [0x0A]), "facts.jsonl")
        let spec = try loadPipeline("""
        version: 1
        name: test/validity
        seed: 5
        language: en
        inputs:
          - {id: dev, path: "\(TestPaths.data("hotpotqa/hotpot_dev_distractor_v1_100.json"))", format: hotpotqa}
          - {id: wiki, path: "\(TestPaths.data("wiki_paragraphs/2wikimultihopqa_corpus.json"))", format: paragraphs}
        stages:
          - confusing_facts: {generator: file, path: "\(facts)", per_sample: 2}
          - answer_keywords: {}
          - length_buckets: {unit: words, levels: [2k], distractors: [wiki]}
        output: {zstd_level: 3}
        """, in: dir)
        let summary = try runPipeline(spec, in: dir)
        let output = dir + "/build/test/validity"
        #expect(summary.rejects == 1)
        let rejects = try String(contentsOfFile: output + "/rejects.jsonl", encoding: .utf8)
        #expect(rejects.contains("5a8b57f25542995d1e6f1371") && rejects.contains(LVEvalValidity.Check.factHoldsAnswer.rawValue))
        let manifest = try Manifest.read(output + "/manifest.json")
        #expect(manifest["rejects"]?["by_reason"]?["2k: " + LVEvalValidity.Check.factHoldsAnswer.rawValue] == .number(1))
        #expect(try LVEvalValidity.verify(directory: output).isEmpty)

        // Every written record: the split's name, the source in meta, keywords, a valid record.
        let all = try records(output + "/2k")
        #expect(all.count == 102)
        for record in all {
            #expect(record["dataset"] as? String == "validity")
            #expect((record["meta"] as! [String: Any])["source_dataset"] as? String == "hotpotqa")
            #expect(!(record["answer_keywords"] as! String).isEmpty)
        }

        // A record changed after the run: verify's check names its shard, line and id.
        let shard = try DatasetReader.shards(at: output + "/2k")[0]
        var lines = String(decoding: try runProcess("/usr/bin/env", ["zstd", "-dc", shard]).stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        var first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        first["answers"] = ["Not In The Context At All"]
        lines[0] = String(decoding: try JSONSerialization.data(withJSONObject: first), as: UTF8.self)
        let tampered = dir + "/tampered"
        try FileManager.default.createDirectory(atPath: tampered + "/2k", withIntermediateDirectories: true)
        try (lines.joined(separator: "\n") + "\n").write(toFile: tampered + "/2k/part-00000.jsonl", atomically: true, encoding: .utf8)
        #expect(try runProcess("/usr/bin/env", ["zstd", "-q", "--rm", tampered + "/2k/part-00000.jsonl"]).status == 0)
        let findings = try LVEvalValidity.verify(directory: tampered + "/2k")
        #expect(findings.count == 1)
        #expect(findings.first?.description.contains(":1: ") == true && findings.first?.description.contains(LVEvalValidity.Check.answerAbsent.rawValue) == true)
    }

    @Test func handWrittenKeywordsWinAndABadLineNamesItsLine() throws {
        let good = try writeTemporary(Array(#"{"_id": "a", "answer_keywords": "Ed Wood"}"#.utf8 + [0x0A, 0x0A] + Array(#"{"id": "b", "answer_keywords": "Paris"}"#.utf8)), "keywords.jsonl")
        #expect(try AnswerKeywordsStage.readKeywords(good, shownAs: "keywords.jsonl") == ["a": "Ed Wood", "b": "Paris"])
        let maker = AnswerKeywordsMaker(given: ["a": "Ed Wood"], chinese: false)
        var sample = Sample(id: "a", dataset: "t", language: "en", question: "Who?", answers: ["Edward Wood"], documents: [])
        sample.meta.set("kpr", .array([.object(JSONObject([("from", .string("Ed Wood")), ("to", .string("Silcor Pelyar"))]))]))
        var random = SeededRandom(seed: 1, stage: "answer_keywords", key: "a")
        #expect(maker.process(&sample, random: &random) == .keep)
        // The sample's replacements apply to the hand-written keywords too.
        #expect(sample.answerKeywords == "Silcor Pelyar")
        for (text, message) in [(#"{"_id": "a", "answer_keywords": ""}"#, "bad.jsonl:1: expected {\"_id\""),
                                ("not json", "bad.jsonl:1: expected {\"_id\""),
                                (#"{"_id": "a", "answer_keywords": "x"}"# + "\n" + #"{"_id": "a", "answer_keywords": "y"}"#, "bad.jsonl:2: id 'a' is given twice")] {
            let bad = try writeTemporary(Array(text.utf8), "bad.jsonl")
            #expect { _ = try AnswerKeywordsStage.readKeywords(bad, shownAs: "bad.jsonl") } throws: { ($0 as? StageSetupError)?.message.contains(message) == true }
        }
    }

    @Test func keywordsAreTheAnswersContentWords() {
        #expect(AnswerKeywordsMaker.englishKeywords("The Chicago Bears and his team, of course.") == "Chicago Bears team course")
        #expect(AnswerKeywordsMaker.englishKeywords("yes") == "yes")
        #expect(AnswerKeywordsMaker.chineseKeywords("93134.56元。") == "93134.56元")
        #expect(AnswerKeywordsMaker.chineseKeywords("温度10°C至35°C，湿度20%至80%。") == "温度10°C至35°C 湿度20%至80%")
        #expect(AnswerKeywordsMaker.statement(answering: "赵长山是否同意按照劳务合同内容履行？", with: "是的。") == "是的，赵长山同意按照劳务合同内容履行。")
        #expect(AnswerKeywordsMaker.statement(answering: "赵长山是否同意？", with: "不是。") == "不，赵长山不同意。")
        #expect(AnswerKeywordsMaker.statement(answering: "赵长山在哪里？", with: "是的。") == nil)
    }
}
