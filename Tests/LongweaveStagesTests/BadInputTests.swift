import Foundation
import PipelineTestSupport
import Testing
import LongweaveTestSupport
@testable import LongweaveCore
import LongweaveIO
@testable import LongweaveStages

/// Inputs built to break readers: each gives a clear error or a reject, never a crash or a hang.
@Suite struct BadInputTests {
    func compress(_ tool: String, _ path: String) throws -> [UInt8] {
        let result = try runProcess("/usr/bin/env", [tool, "-c", path])
        #expect(result.status == 0)
        return Array(result.stdout)
    }

    @Test func truncatedCompressedInputsNameTheFile() throws {
        let cases: [(format: String, source: String, tool: String, suffix: String)] = [
            ("mediawiki", TestPaths.data(CorpusFormatsTests.dump), "", "xml.bz2"),
            ("dureader", TestPaths.data("dureader/search.train.json"), "gzip", "jsonl.gz"),
            ("squad", TestPaths.data("squad/squad_v2.0_dev_first5articles.json"), "zstd", "json.zst"),
        ]
        for item in cases {
            let whole = item.tool.isEmpty ? try FileSystem.readAll(item.source) : try compress(item.tool, item.source)
            let path = try writeTemporary(Array(whole[..<(whole.count / 2)]), "cut.\(item.suffix)")
            do {
                _ = try ingest(item.format, path)
                Issue.record("\(item.format): a truncated .\(item.suffix) was read without error")
            } catch let error as IOError {
                #expect(error.path == path, "\(error)")
                #expect(error.message.contains("truncated"), "\(error)")
            }
        }
    }

    func page(_ title: String, _ text: String) -> String {
        "<page><title>\(title)</title><ns>0</ns><id>1</id><revision><text xml:space=\"preserve\">\(text)</text></revision></page>\n"
    }

    @Test func invalidUTF8InXMLTextKeepsThePagesBeforeIt() throws {
        // libxml2 parses ahead in chunks: the good page comes well before the bad byte.
        let long = String(repeating: "Cats purr. ", count: 20_000)
        var bytes = Array("<mediawiki>\n".utf8) + Array(page("Good", "A fine article about [[cats]]. " + long).utf8)
        bytes += Array("<page><title>Bad</title><ns>0</ns><revision><text>caf".utf8) + [0xC3, 0x28] + Array("</text></revision></page>\n</mediawiki>\n".utf8)
        let result = try ingest("mediawiki", try writeTemporary(bytes, "bad.xml"))
        #expect(result.documents.map(\.title) == ["Good"])
        #expect(result.documents.first?.text.hasPrefix("A fine article about cats. Cats purr.") == true)
        #expect(result.rejects.count == 1)
        #expect(try result.rejects.collected()[0].reason.hasPrefix("malformed XML"))
    }

    @Test func invalidUTF8InAJSONStringIsAReject() throws {
        let line = Array(#"{"question_id": 1, "question": "ok"#.utf8) + [0xFF] + Array(#"", "documents": [], "answers": ["a"]}"#.utf8)
        let good = Array(#"{"question_id": 2, "question": "fine", "documents": [{"title": "t", "paragraphs": ["p"], "is_selected": true}], "answers": ["a"]}"#.utf8)
        let result = try ingest("dureader", try writeTemporary(line + [0x0A] + good, "bad.jsonl"), language: "zh")
        #expect(result.samples.map(\.id) == ["2"])
        #expect(try result.rejects.count == 1 && result.rejects.collected()[0].line == 1)
    }

    @Test func billionLaughsIsNotExpanded() throws {
        var xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE mediawiki [\n<!ENTITY lol \"lol\">\n"
        xml += "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
        for level in 2...9 { xml += "<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level - 1);", count: 10) + "\">\n" }
        xml += "]>\n<mediawiki>\n" + page("Bomb", "Before &lol9; after") + page("Calm", "Quiet text.") + "</mediawiki>\n"
        let result = try ingest("mediawiki", try writeTemporary(Array(xml.utf8), "bomb.xml"))
        // Whatever libxml2 decides about the page, nothing grows: the output stays tiny.
        let total = result.documents.reduce(0) { $0 + $1.text.utf8.count }
        #expect(total < 1000)
        #expect(result.documents.contains(Document(title: "Calm", text: "Quiet text.")) || !result.rejects.isEmpty)
    }

    @Test func externalEntitiesAreNeverLoaded() throws {
        let secret = try writeTemporary(Array("TOP-SECRET-CONTENT".utf8), "secret.txt")
        let xml = """
            <?xml version="1.0"?>
            <!DOCTYPE mediawiki [<!ENTITY leak SYSTEM "file://\(secret)">]>
            <mediawiki>
            \(page("Leak", "Start &leak; end"))</mediawiki>

            """
        let result = try ingest("mediawiki", try writeTemporary(Array(xml.utf8), "xxe.xml"))
        #expect(!result.documents.contains { $0.text.contains("TOP-SECRET") })
        #expect(try !result.rejects.collected().contains { $0.reason.contains("TOP-SECRET") })
    }

    @Test func aJSONFileOfAnotherFormatIsOneClearError() throws {
        let dir = TestPaths.temporaryDirectory()
        let spec = try loadPipeline("""
            version: 1
            name: test/mismatch
            seed: 1
            language: en
            inputs:
              - {id: wrong, path: "\(TestPaths.data("hotpotqa/hotpotqa_train_corpus.json"))", format: hotpotqa}
            stages: []

            """, in: dir)
        do {
            _ = try runPipeline(spec, in: dir, threads: 1)
            Issue.record("a paragraph list was read as HotpotQA")
        } catch let error as RunError {
            #expect(error.message.contains("hotpotqa_train_corpus.json: not a hotpotqa file: "), "\(error.message)")
            #expect(error.message.contains(" rejected, the first (record 1, line 2): wrong type"), "\(error.message)")
        }
    }

    @Test func aHundredMegabyteLineIsSkippedWithBoundedMemory() throws {
        let dir = TestPaths.temporaryDirectory()
        let path = dir + "/huge.jsonl"
        let file = try FileDescriptor(writingTo: path)
        try file.write(Array(#"{"question_id": 1, "question": "q", "answers": ["a"], "documents": [{"title": "t", "paragraphs": [""#.utf8))
        let block = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
        for _ in 0..<100 { try file.write(block) }
        try file.write(Array("\"]}]}\n".utf8))
        try file.write(Array(#"{"question_id": 2, "question": "q2", "answers": ["a"], "documents": [{"title": "t", "paragraphs": ["p"], "is_selected": true}]}"#.utf8))
        let result = try ingest("dureader", path, language: "zh")
        #expect(result.samples.map(\.id) == ["2"])
        #expect(result.rejects.count == 1)
        #expect(try result.rejects.collected()[0].line == 1 && result.rejects.collected()[0].reason.hasPrefix("line too long"))
    }
}
