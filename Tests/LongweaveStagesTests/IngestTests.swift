import Foundation
import Testing
import LongweaveTestSupport
@testable import LongweaveCore
import LongweaveIO
@testable import LongweaveStages

/// A pipeline spec around one input, for calling formats directly.
func makeSpec(inputs: [(id: String, path: String, format: String)], language: String = "en") throws -> PipelineSpec {
    let dir = TestPaths.temporaryDirectory()
    var yaml = "version: 1\nname: test/ingest\nseed: 1\nlanguage: \(language)\ninputs:\n"
    for input in inputs { yaml += "  - {id: \(input.id), path: \"\(input.path)\", format: \(input.format)}\n" }
    yaml += "stages: []\n"
    try yaml.write(toFile: dir + "/p.yaml", atomically: true, encoding: .utf8)
    return try PipelineLoader.load(file: dir + "/p.yaml", root: dir, registry: .standard)
}

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
        records[2]["context"] = "[['a', ['b']]]"
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
        #expect(result.rejects.map(\.record) == [1, 2, 3, 4, 5])
        #expect(result.rejects.map(\.line) == [3, 4, 5, 6, 7])
        #expect(result.rejects[0].reason == "missing field: 'answer'")
        #expect(result.rejects[1].reason.hasPrefix("wrong type: field 'context' is string"))
        #expect(result.rejects[2].reason.hasPrefix("evidence missing: supporting fact title 'No Such Title'"))
        #expect(result.rejects[3].reason == "wrong type: field 'question' is number, expected string")
        #expect(result.rejects[4].reason.hasPrefix("malformed JSON: invalid UTF-8"))
        #expect(result.rejects[0].id == records[1]["_id"] as? String)
    }

    @Test func aFileCutShortKeepsWhatCameBeforeAndSaysWhere() throws {
        let bytes = try FileSystem.readAll(TestPaths.data("hotpotqa/hotpot_dev_distractor_v1_100.json"))
        let dir = TestPaths.temporaryDirectory()
        try FileSystem.writeAtomically(Array(bytes.prefix(bytes.count / 2)), to: dir + "/cut.json")
        let spec = try makeSpec(inputs: [("cut", dir + "/cut.json", "hotpotqa")])
        let result = try HotpotQAFormat.read(spec.inputs[0], pipeline: spec)
        #expect(result.samples.count > 40 && result.samples.count < 60)
        #expect(result.rejects.count == 1)
        #expect(result.rejects[0].record == result.samples.count)
        #expect(result.rejects[0].reason.contains("the rest of the file cannot be read"))
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
