import Foundation
import PipelineTestSupport
import Testing
import LongweaveTestSupport
@testable import LongweaveCore
import LongweaveIO
@testable import LongweaveStages

@Suite struct CleanStageTests {
    /// Runs `stages` over a HotpotQA-shaped file holding `records`, plus a documents-only input.
    func run(_ records: String, corpus: String, stages: String) throws -> (dir: String, summary: RunSummary) {
        let dir = TestPaths.temporaryDirectory()
        try records.write(toFile: dir + "/qa.json", atomically: true, encoding: .utf8)
        try corpus.write(toFile: dir + "/corpus.json", atomically: true, encoding: .utf8)
        let spec = try loadPipeline("""
            version: 1
            name: test/clean
            seed: 1
            language: en
            inputs:
              - {id: qa, path: qa.json, format: hotpotqa}
              - {id: corpus, path: corpus.json, format: paragraphs}
            stages:
              - clean: \(stages)

            """, in: dir)
        let summary = try runPipeline(spec, in: dir, threads: 2)
        return (dir + "/build/test/clean", summary)
    }

    func lines(_ path: String) throws -> [[String: Any]] {
        var out: [[String: Any]] = []
        try LineReader.forEachLine(in: path) { line, _ in
            out.append(try JSONSerialization.jsonObject(with: Data(line)) as! [String: Any])
        }
        return out
    }

    func shardRecords(_ dir: String, _ stream: String) throws -> [[String: Any]] {
        try FileSystem.list(dir + "/" + stream).filter { $0.hasSuffix(".jsonl.zst") }.flatMap { try lines(dir + "/" + stream + "/" + $0) }
    }

    func record(_ id: String, question: String = "Who?", paragraphs: [(String, String)], support: [String]) -> String {
        let context = paragraphs.map { "[\(json($0.0)), [\(json($0.1))]]" }.joined(separator: ", ")
        let facts = support.map { "[\(json($0)), 0]" }.joined(separator: ", ")
        return "{\"_id\": \(json(id)), \"question\": \(json(question)), \"answer\": \"Ann\", \"supporting_facts\": [\(facts)], \"context\": [\(context)]}"
    }

    func json(_ s: String) -> String { String(data: try! JSONSerialization.data(withJSONObject: [s]), encoding: .utf8)!.dropFirst().dropLast().description }

    @Test func removalsAreCountedAndRejectedSamplesSayWhy() throws {
        let evidence = "Ann wrote the book in 1900 and it sold well across the country."
        let records = "[" + [
            // Kept: a duplicate distractor (after whitespace and entity cleaning) and a short one go.
            record("keep", question: "Who  wrote\u{200B} it?", paragraphs: [("Book", evidence), ("Other", "A long enough distractor paragraph about nothing in particular here."),
                                              ("Copy", "A long enough distractor  paragraph about nothing in particular&#32;here."), ("Short", "Too short.")], support: ["Book"]),
            // Rejected: its only evidence is too short.
            record("short-evidence", paragraphs: [("Tiny", "Ann did."), ("Other", evidence)], support: ["Tiny"]),
            // Rejected: the question is empty once control characters go.
            record("empty-question", question: "\u{200B}\u{0007} ", paragraphs: [("Book", evidence)], support: ["Book"]),
        ].joined(separator: ",\n") + "]"
        let corpus = #"[{"title": "A", "text": "Corpus paragraph one has enough words to stay in."}, {"title": "B", "text": "Corpus  paragraph one has enough words to stay in."}, {"title": "C", "text": "Few."}]"#
        let (dir, _) = try run(records, corpus: corpus, stages: "{min_words: 5}")

        let samples = try shardRecords(dir, "all")
        #expect(samples.map { $0["id"] as! String } == ["keep"])
        #expect(samples[0]["question"] as? String == "Who wrote it?")
        let documents = samples[0]["documents"] as! [[String: Any]]
        #expect(documents.map { $0["title"] as! String } == ["Book", "Other"])

        let rejects = try lines(dir + "/rejects.jsonl")
        #expect(rejects.map { $0["id"] as? String } == ["short-evidence", "empty-question"])
        #expect(rejects.map { $0["reason"] as! String } == ["clean: an evidence document is fewer than 5 words", "clean: the question is empty"])
        #expect(rejects.allSatisfy { $0["stage"] as? String == "clean" && ($0["file"] as? String)?.hasSuffix("qa.json") == true })

        let stats = try lines(dir + "/stats.jsonl").first { $0["stage"] as? String == "clean" }!
        #expect(stats["documents_removed"] as? [String: Int] == ["duplicate": 2, "fewer than 5 words": 2])
        #expect(stats["in"] as? Int == 3 && stats["out"] as? Int == 1 && stats["rejected"] as? Int == 2)

        let corpusOut = try shardRecords(dir, "documents")
        #expect(corpusOut.map { $0["title"] as! String } == ["A"])
    }

    @Test func languageCheckDropsDocumentsAndRejectsQuestions() throws {
        let zh = "这是一个关于北京历史的段落，内容足够长。"
        let records = "[" + [
            record("zh", question: "北京是什么？", paragraphs: [("甲", zh), ("English", "An English paragraph that is not Chinese at all.")], support: ["甲"]),
            record("en-question", question: "What is Beijing?", paragraphs: [("甲", zh)], support: ["甲"]),
        ].joined(separator: ",\n") + "]"
        let (dir, summary) = try run(records, corpus: #"[{"title": "t", "text": "\#(zh)"}]"#, stages: "{language: zh}")
        #expect(summary.rejects == 1)
        let samples = try shardRecords(dir, "all")
        #expect(samples.count == 1)
        #expect((samples[0]["documents"] as! [[String: Any]]).count == 1)
        #expect(try lines(dir + "/rejects.jsonl")[0]["reason"] as? String == "clean: the question is not zh")
    }
}
