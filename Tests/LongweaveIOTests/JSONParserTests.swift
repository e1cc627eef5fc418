import Foundation
import Testing
import LongweaveTestSupport
@testable import LongweaveIO

@Suite struct JSONParserTests {
    func parse(_ text: String) throws -> JSONValue {
        try Array(text.utf8).withUnsafeBytes { raw in
            var parser = JSONParser(bytes: raw)
            return try parser.parseDocument()
        }
    }

    func elements(_ bytes: [UInt8]) throws -> [Result<JSONValue, JSONSyntaxError>] {
        var out: [Result<JSONValue, JSONSyntaxError>] = []
        try bytes.withUnsafeBytes { raw in
            var parser = JSONParser(bytes: raw)
            try parser.forEachTopLevelElement { out.append($0.value) }
        }
        return out
    }

    @Test func valuesEscapesAndSurrogatePairs() throws {
        let value = try parse(#"{"a": [1, -2.5e3, true, false, null], "s": "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00", "a": 7}"#)
        #expect(value["a"] == .number(7))  // the last duplicate wins, as in Python
        #expect(value["s"]?.stringValue == "x\"\\/\u{08}\u{0C}\n\r\té😀")
        #expect(try parse("[1, -2.5e3]") == .array([.number(1), .number(-2500)]))
    }

    @Test func syntaxErrorsSayWhere() throws {
        let text = "[\n  {\"a\": 1},\n  {\"a\" 2}\n]"
        let bytes = Array(text.utf8)
        do {
            _ = try elements(bytes)
            Issue.record("expected an error")
        } catch let error as JSONSyntaxError {
            let (line, column) = bytes.withUnsafeBytes { JSONSyntaxError.location(of: error.offset, in: $0) }
            #expect(line == 3)
            #expect(column == 8)
            #expect(error.message.contains("':'"))
        }
        #expect(throws: JSONSyntaxError.self) { try parse("[1,]") }
        #expect(throws: JSONSyntaxError.self) { try parse("\"unterminated") }
        #expect(throws: JSONSyntaxError.self) { try parse("[1] 2") }
        #expect(throws: JSONSyntaxError.self) { try parse(String(repeating: "[", count: 600) + String(repeating: "]", count: 600)) }
    }

    @Test func aBadRecordInAnArrayLeavesTheOthers() throws {
        // Record 1 holds invalid UTF-8, record 2 a raw tab, record 3 a lone surrogate.
        var bytes = Array(#"[{"a":"ok"},{"a":""#.utf8) + [0xFF, 0xFE] + Array(#""},{"a":"x"#.utf8) + [0x09] + Array(#"y"},{"a":"\ud800"},{"a":"fine"}]"#.utf8)
        let results = try elements(bytes)
        #expect(results.count == 5)
        #expect(try results[0].get()["a"]?.stringValue == "ok")
        for (index, reason) in [(1, "invalid UTF-8"), (2, "control character"), (3, "lone surrogate")] {
            guard case .failure(let problem) = results[index] else {
                Issue.record("record \(index) should fail")
                continue
            }
            #expect(problem.message.contains(reason))
        }
        #expect(try results[4].get()["a"]?.stringValue == "fine")
        bytes.removeLast(3)
        #expect(throws: JSONSyntaxError.self) { try elements(bytes) }
    }

    @Test func realHotpotQAFileMatchesFoundation() throws {
        let path = TestPaths.data("hotpotqa/hotpot_dev_distractor_v1_100.json")
        let bytes = try FileSystem.readAll(path)
        let ours = try bytes.withUnsafeBytes { raw in
            var parser = JSONParser(bytes: raw)
            return try parser.parseDocument()
        }
        let theirs = try JSONSerialization.jsonObject(with: Data(bytes)) as! [[String: Any]]
        let records = try #require(ours.arrayValue)
        #expect(records.count == theirs.count)
        #expect(records.count == 103)
        for (mine, reference) in zip(records, theirs) {
            #expect(mine["_id"]?.stringValue == reference["_id"] as? String)
            #expect(mine["question"]?.stringValue == reference["question"] as? String)
            let context = try #require(mine["context"]?.arrayValue)
            #expect(context.count == (reference["context"] as! [Any]).count)
        }
    }
}
