import Foundation
import PipelineTestSupport
import Testing
import LongweaveTestSupport
@testable import LongweaveCore
import LongweaveIO
@testable import LongweaveStages

@Suite struct HotpotQAFormatTests {
    @Test func readsEveryRealQuestionWithItsEvidence() throws {
        let path = TestPaths.data("hotpotqa/hotpot_dev_distractor_v1_100.json")
        let spec = try makeSpec(inputs: [("dev", path, "hotpotqa")])
        let result = try HotpotQAFormat.read(spec.inputs[0], pipeline: spec)
        #expect(result.samples.count == 103)
        #expect(result.rejects.isEmpty)
        let first = result.samples[0]
        #expect(first.id == "5a8b57f25542995d1e6f1371")
        #expect(first.question == "Were Scott Derrickson and Ed Wood of the same nationality?")
        #expect(first.answers == ["yes"])
        #expect(first.documents.count == 10)
        #expect(first.documents.filter(\.evidence).map(\.title).sorted() == ["Ed Wood", "Scott Derrickson"])
        #expect(first.documents.first { $0.title == "Ed Wood" }?.text.hasPrefix("Edward Davis Wood Jr. (October 10, 1924") == true)
        #expect(first.meta["type"]?.stringValue == "comparison")
        #expect(first.meta["source"]?["record"] == .number(0))

        // Every sample marks exactly the titles of its supporting facts, as Python reads the file.
        let reference = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [[String: Any]]
        for (sample, record) in zip(result.samples, reference) {
            let titles = Set((record["supporting_facts"] as! [[Any]]).map { $0[0] as! String })
            #expect(Set(sample.documents.filter(\.evidence).map(\.title)) == titles)
            #expect(sample.documents.count == (record["context"] as! [Any]).count)
        }
    }

    @Test func badRecordsBecomeRejectsAndTheRestIsKept() throws {
        // Real records, five of them damaged in the ways real files are.
        let source = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: TestPaths.data("hotpotqa/hotpot_dev_distractor_v1_100.json")))) as! [[String: Any]]
        var records = Array(source.prefix(8))
        records[1].removeValue(forKey: "answer")
        records[2]["context"] = 17
        records[3]["supporting_facts"] = [["No Such Title", 0]]
        records[4]["question"] = 42
        var lines: [Data] = try records.map { try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) }
        // Record 5: invalid UTF-8 inside its question.
        let question = Data("\"question\":\"".utf8)
        let range = try #require(lines[5].range(of: question))
        lines[5].insert(contentsOf: [0xC3, 0x28], at: range.upperBound)
        var file = Data("[\n".utf8)
        for (i, line) in lines.enumerated() {
            file.append(line)
            file.append(Data((i < lines.count - 1 ? ",\n" : "\n]\n").utf8))
        }
        let dir = TestPaths.temporaryDirectory()
        try file.write(to: URL(fileURLWithPath: dir + "/bad.json"))
        let spec = try makeSpec(inputs: [("bad", dir + "/bad.json", "hotpotqa")])
        let result = try HotpotQAFormat.read(spec.inputs[0], pipeline: spec)

        #expect(result.samples.map(\.id) == [0, 6, 7].map { records[$0]["_id"] as! String })
        #expect(try result.rejects.collected().map(\.record) == [1, 2, 3, 4, 5])
        #expect(try result.rejects.collected().map(\.line) == [3, 4, 5, 6, 7])
        #expect(try result.rejects.collected()[0].reason == "missing field: 'answer'")
        #expect(try result.rejects.collected()[1].reason.hasPrefix("wrong type: field 'context' is number"))
        #expect(try result.rejects.collected()[2].reason.hasPrefix("evidence missing: supporting fact title 'No Such Title'"))
        #expect(try result.rejects.collected()[3].reason == "wrong type: field 'question' is number, expected string")
        #expect(try result.rejects.collected()[4].reason.hasPrefix("malformed JSON: invalid UTF-8"))
        #expect(try result.rejects.collected()[0].id == records[1]["_id"] as? String)
    }

    @Test func aFileCutShortKeepsWhatCameBeforeAndSaysWhere() throws {
        let bytes = try FileSystem.readAll(TestPaths.data("hotpotqa/hotpot_dev_distractor_v1_100.json"))
        let dir = TestPaths.temporaryDirectory()
        try FileSystem.writeAtomically(Array(bytes.prefix(bytes.count / 2)), to: dir + "/cut.json")
        let spec = try makeSpec(inputs: [("cut", dir + "/cut.json", "hotpotqa")])
        let result = try HotpotQAFormat.read(spec.inputs[0], pipeline: spec)
        #expect(result.samples.count > 40 && result.samples.count < 60)
        #expect(result.rejects.count == 1)
        #expect(try result.rejects.collected()[0].record == result.samples.count)
        #expect(try result.rejects.collected()[0].reason.contains("the rest of the file cannot be read"))
    }
}

@Suite struct ParagraphsFormatTests {
    @Test func readsAListOfTitleAndText() throws {
        let spec = try makeSpec(inputs: [("wiki", TestPaths.data("wiki_paragraphs/2wikimultihopqa_corpus.json"), "paragraphs")])
        let result = try ParagraphsFormat.read(spec.inputs[0], pipeline: spec)
        #expect(result.documents.count == 6119)
        #expect(result.rejects.isEmpty)
        #expect(result.documents[0].title == "Teutberga")
        #expect(result.documents[0].text.hasPrefix("Teutberga( died 11 November 875)"))
    }

    @Test func readsAnObjectOfTitleToSentences() throws {
        let path = TestPaths.data("hotpotqa/hotpotqa_train_corpus.json")
        let spec = try makeSpec(inputs: [("train", path, "paragraphs")])
        let result = try ParagraphsFormat.read(spec.inputs[0], pipeline: spec)
        let reference = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: [String]]
        #expect(result.documents.count == reference.count)
        #expect(result.documents[0].title == "Demon Dice")
        #expect(result.documents[0].text == reference["Demon Dice"]!.joined())
    }
}

@Suite struct QAFormatTests {
    @Test func squadV2CountsAnswerableAndUnanswerable() throws {
        let path = TestPaths.data("squad/squad_v2.0_dev_first5articles.json")
        let spec = try makeSpec(inputs: [("squad", path, "squad")])
        let skipped = try SQuADFormat.read(spec.inputs[0], pipeline: spec)
        #expect(skipped.samples.count == 705)
        #expect(skipped.skipped == ["unanswerable": 702])
        #expect(skipped.rejects.isEmpty)
        let first = skipped.samples[0]
        #expect(first.answers == ["France"])
        #expect(first.documents.count == 1 && first.documents[0].evidence && first.documents[0].title == "Normans")
        #expect(first.documents[0].text.contains(first.answers[0]))

        var keep = spec.inputs[0]
        keep.options = ConfigMapping([("dataset", .string("squad")), ("unanswerable", .string("keep"))])
        let kept = try SQuADFormat.read(keep, pipeline: spec)
        #expect(kept.samples.count == 1407)
        #expect(kept.noted == ["unanswerable kept": 702])
        #expect(kept.samples.filter { $0.meta["unanswerable"] == .bool(true) }.allSatisfy { $0.answers.isEmpty })
    }

    @Test func squadSamplesMatchFoundation() throws {
        // Every question, in file order, with its deduplicated answer texts, paragraph and title.
        let path = TestPaths.data("squad/squad_v2.0_dev_first5articles.json")
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        var expected: [(id: String, question: String, answers: [String], title: String, context: String)] = []
        for article in root["data"] as! [[String: Any]] {
            for paragraph in article["paragraphs"] as! [[String: Any]] {
                for qa in paragraph["qas"] as! [[String: Any]] {
                    var answers: [String] = []
                    for answer in qa["answers"] as! [[String: Any]] where !answers.contains(answer["text"] as! String) {
                        answers.append(answer["text"] as! String)
                    }
                    expected.append((qa["id"] as! String, qa["question"] as! String, answers, article["title"] as! String, paragraph["context"] as! String))
                }
            }
        }
        var spec = try makeSpec(inputs: [("squad", path, "squad")])
        spec.inputs[0].options = ConfigMapping([("dataset", .string("squad")), ("unanswerable", .string("keep"))])
        let samples = try SQuADFormat.read(spec.inputs[0], pipeline: spec).samples
        #expect(samples.count == expected.count)
        for (sample, reference) in zip(samples, expected) {
            #expect(sample.id == reference.id && sample.question == reference.question && sample.answers == reference.answers)
            #expect(sample.documents == [Document(title: reference.title, text: reference.context, evidence: true)])
        }
    }

    @Test func squadRejectsSayWhatIsMissing() throws {
        // Title after the paragraphs; a paragraph without context; a question without an id,
        // one with a numeric id, an answerable one without answers; a good one at the end.
        let file = #"""
            {"data": [{"paragraphs": [
                {"qas": [{"id": "lost", "question": "q0", "answers": [{"text": "a"}]}]},
                {"qas": [
                    {"question": "q1", "answers": [{"text": "a"}]},
                    {"id": 7, "question": "q2", "answers": [{"text": "a"}]},
                    {"id": "empty", "question": "q3", "answers": [], "is_impossible": false},
                    {"id": "good", "question": "q4", "answers": [{"text": "x", "answer_start": 0}, {"text": "x", "answer_start": 0}]}
                 ], "context": "x marks the spot"}
              ], "title": "Late title"}]}
            """#
        let path = try writeTemporary(Array(file.utf8), "squad_bad.json")
        let spec = try makeSpec(inputs: [("squad", path, "squad")])
        let result = try SQuADFormat.read(spec.inputs[0], pipeline: spec)
        #expect(result.samples.map(\.id) == ["good"])
        #expect(result.samples[0].answers == ["x"] && result.samples[0].documents[0].title == "Late title")
        #expect(result.samples[0].meta["source"]?["record"] == .number(3))
        #expect(try result.rejects.collected().map(\.reason) == [
            "missing field: data[0].paragraphs[0].context",
            "missing field: 'id'",
            "wrong type: field 'id' is number, expected string",
            "missing field: an answerable question without answers[].text",
        ])
        #expect(try result.rejects.collected().map(\.id) == [nil, nil, nil, "empty"])

        let notSQuAD = try writeTemporary(Array(#"[{"data": []}]"#.utf8), "list.json")
        #expect(throws: IOError.self) { try SQuADFormat.read(try makeSpec(inputs: [("squad", notSQuAD, "squad")]).inputs[0], pipeline: spec) }
        let broken = try writeTemporary(Array("{\"data\": [{\"title\": \"t\",\n \"paragraphs\": [}]}".utf8), "broken.json")
        do {
            _ = try SQuADFormat.read(try makeSpec(inputs: [("squad", broken, "squad")]).inputs[0], pipeline: spec)
            Issue.record("a syntax error must stop the file")
        } catch let error as IOError {
            #expect(error.description.contains("broken.json") && error.description.contains("2:"))
        }
    }

    @Test func cmrcNativeAndSquadStyleAgree() throws {
        let native = try makeSpec(inputs: [("cmrc", TestPaths.data("cmrc2018/cmrc2018_dev.json"), "cmrc2018")], language: "zh")
        let a = try CMRC2018Format.read(native.inputs[0], pipeline: native)
        #expect(a.samples.count == 3219)
        #expect(Set(a.samples.compactMap { $0.meta["context_id"]?.stringValue }).count == 848)
        #expect(a.rejects.isEmpty)
        #expect(a.samples.allSatisfy { $0.language == "zh" && !$0.answers.isEmpty })
        let squadStyle = try makeSpec(inputs: [("cmrc", TestPaths.data("cmrc2018/cmrc2018_dev_squad_style.json"), "squad")], language: "zh")
        let b = try SQuADFormat.read(squadStyle.inputs[0], pipeline: squadStyle)
        #expect(b.samples.count == 3219)
        // The same queries by id (a handful of question texts differ in whitespace between the two releases).
        #expect(a.samples.map(\.id) == b.samples.map(\.id))
    }

    @Test func longBenchPassagesAndBadLines() throws {
        let spec = try makeSpec(inputs: [("lb", TestPaths.data("longbench/hotpotqa.jsonl"), "longbench")])
        let result = try LongBenchFormat.read(spec.inputs[0], pipeline: spec)
        #expect(result.samples.count == 13)
        let reference = try String(contentsOfFile: TestPaths.data("longbench/hotpotqa.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        for (sample, record) in zip(result.samples, reference) {
            let context = record["context"] as! String
            #expect(sample.documents.count == context.components(separatedBy: "Passage ").count - 1)
            #expect(sample.documents.allSatisfy { !$0.title.isEmpty && context.contains($0.text) })
        }
        #expect(result.samples[0].documents[0].title == "Nobody for Everybody")

        let dureader = try makeSpec(inputs: [("du", TestPaths.data("longbench/dureader.jsonl"), "longbench")], language: "zh")
        let du = try LongBenchFormat.read(dureader.inputs[0], pipeline: dureader)
        #expect(du.samples[0].documents.count == 20)
        #expect(du.samples[0].documents[0].title == "逆战体验服和测试服有区别吗_百度知道")
        let single = try makeSpec(inputs: [("mf", TestPaths.data("longbench/multifieldqa_zh.jsonl"), "longbench")], language: "zh")
        #expect(try LongBenchFormat.read(single.inputs[0], pipeline: single).samples.allSatisfy { $0.documents.count == 1 })

        // A broken line, a record without `input`, and invalid UTF-8: rejected, the rest kept.
        let dir = TestPaths.temporaryDirectory()
        var lines = reference.prefix(3).map { try! JSONSerialization.data(withJSONObject: $0) }
        lines.insert(Data("{\"_id\": \"x\", \"input\": ".utf8), at: 1)
        var noInput = reference[3]
        noInput.removeValue(forKey: "input")
        lines.append(try JSONSerialization.data(withJSONObject: noInput))
        lines.append(Data("{\"_id\":\"bad\",\"input\":\"".utf8) + Data([0xFF]) + Data("\",\"context\":\"c\",\"answers\":[]}".utf8))
        try Data(lines.joined(separator: Data("\n".utf8))).write(to: URL(fileURLWithPath: dir + "/lb.jsonl"))
        let bad = try makeSpec(inputs: [("bad", dir + "/lb.jsonl", "longbench")])
        let out = try LongBenchFormat.read(bad.inputs[0], pipeline: bad)
        #expect(out.samples.count == 3)
        #expect(try out.rejects.collected().map(\.line) == [2, 5, 6])
        #expect(try out.rejects.collected()[0].reason.hasPrefix("malformed JSON"))
        #expect(try out.rejects.collected()[1].reason == "missing field: 'input'")
        #expect(try out.rejects.collected()[2].reason.contains("invalid UTF-8"))
    }
}
