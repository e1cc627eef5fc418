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

    @Test func escapedChineseMatchesFoundation() throws {
        // CMRC 2018 writes every Chinese character as a \u escape; contexts run past a thousand of them.
        let path = TestPaths.data("cmrc2018/cmrc2018_dev.json")
        let bytes = try FileSystem.readAll(path)
        let ours = try #require(try bytes.withUnsafeBytes { raw in
            var parser = JSONParser(bytes: raw)
            return try parser.parseDocument()
        }.arrayValue)
        let theirs = try JSONSerialization.jsonObject(with: Data(bytes)) as! [[String: Any]]
        #expect(ours.count == theirs.count)
        for (mine, reference) in zip(ours, theirs) {
            #expect(mine["context_text"]?.stringValue == reference["context_text"] as? String)
        }
        #expect(ours.contains { ($0["context_text"]?.stringValue?.utf8.count ?? 0) > 2048 })
    }

    @Test func specialBytesAtEveryOffsetOfTheWordScan() throws {
        // The plain-byte scan reads eight bytes at a time: put each special byte at each
        // position around a word boundary and check the outcome against the byte-by-byte rules.
        for length in 0..<20 {
            for offset in 0...length {
                let prefix = String(repeating: "a", count: offset), suffix = String(repeating: "b", count: length - offset)
                #expect(try parse("\"\(prefix)\\n\(suffix)\"") == .string(prefix + "\n" + suffix))
                #expect(try parse("\"\(prefix)é\(suffix)\"") == .string(prefix + "é" + suffix))
                #expect(try parse("\"\(prefix)\\u4e2d\(suffix)\"") == .string(prefix + "中" + suffix))
                for bad: [UInt8] in [[0x01], [0xFF]] {
                    let bytes = Array("\"\(prefix)".utf8) + bad + Array("\(suffix)\"".utf8)
                    #expect(throws: JSONSyntaxError.self) {
                        try bytes.withUnsafeBytes { raw in
                            var parser = JSONParser(bytes: raw)
                            _ = try parser.parseDocument()
                        }
                    }
                }
            }
        }
        // Escapes past the first scratch buffer (256 bytes), which doubles to fit.
        let long = String(repeating: "\\u00e9x\\n", count: 400)
        #expect(try parse("\"\(long)\"") == .string(String(repeating: "éx\n", count: 400)))
        // After an escape, plain runs are copied whole: runs longer than the buffer, and a
        // run that fills it exactly, continue after it grows.
        for run in [1, 7, 251, 252, 253, 256, 1000, 5000] {
            let plain = String(repeating: "abcdé", count: run / 5) + String(repeating: "z", count: run % 5)
            #expect(try parse("\"\\n\(plain)\\t\(plain)\"") == .string("\n" + plain + "\t" + plain))
        }
        let controlAfterEscape = Array("\"\\n\(String(repeating: "a", count: 300))".utf8) + [0x01] + Array("b\"".utf8)
        #expect(throws: JSONSyntaxError.self) {
            try controlAfterEscape.withUnsafeBytes { raw in
                var parser = JSONParser(bytes: raw)
                _ = try parser.parseDocument()
            }
        }
    }
}

@Suite struct JSONCursorTests {
    let document = #"{"skip": {"deep": [1, 2.5e3, -0.5, "s\"q", null, true, {"x": []}]}, "keep": ["a", {"t": "b", "n": 3}], "last": "\u00e9"}"#

    @Test func readsWhatItAsksForAndSkipsTheRest() throws {
        var kept: [String] = []
        var last: JSONValue?
        try Array(document.utf8).withUnsafeBytes { raw in
            var parser = JSONParser(bytes: raw)
            parser.beginDocument()
            try parser.readObject { parser, key in
                switch key {
                case "keep":
                    try parser.readArray { parser in
                        if parser.nextKind() == .string {
                            kept.append(try parser.readString()!)
                        } else {
                            try parser.readObject { parser, key in
                                if key == "t" { kept.append(try parser.readString()!) } else { #expect(try parser.readString() == nil) }
                            }
                        }
                    }
                case "last": last = try parser.readValue()
                default: try parser.skipValue()
                }
            }
            try parser.finishDocument()
        }
        #expect(kept == ["a", "b"])
        #expect(last == .string("é"))
    }

    @Test func skippedValuesAreStillChecked() throws {
        func skip(_ bytes: [UInt8]) throws {
            try bytes.withUnsafeBytes { raw in
                var parser = JSONParser(bytes: raw)
                parser.beginDocument()
                try parser.skipValue()
                try parser.finishDocument()
            }
        }
        try skip(Array(document.utf8))
        // Invalid UTF-8 inside a skipped string is reported when the document finishes.
        #expect(throws: JSONSyntaxError.self) { try skip(Array(#"{"a": ["x"#.utf8) + [0xC3, 0x28] + Array(#""]}"#.utf8)) }
        for bad in [#"["\q"]"#, #"["\u12"]"#, #"{"a" 1}"#, #"[1, 2"#, #"[01x]"#, #"{"a": [}"#] {
            #expect(throws: JSONSyntaxError.self, "\(bad)") { try skip(Array(bad.utf8)) }
        }
        try Array("[1]".utf8).withUnsafeBytes { raw in
            var parser = JSONParser(bytes: raw)
            #expect(throws: JSONSyntaxError.self) { try parser.readObject { _, _ in } }
        }
    }

    /// A string read as bytes is the string `parseString` reads, escapes and all, in a buffer
    /// that grows for a long one; another kind of value is skipped and gives nil; invalid
    /// UTF-8 is a problem when the document finishes.
    @Test func stringsReadAsBytesAreTheStrings() throws {
        let long = String(repeating: #"ab\"c\u00e9 "#, count: 100)
        let text = #"{"s": "x\"\\\/\n\u00e9\ud83d\ude00 plain", "n": 5, "long": ""# + long + #""}"#
        var buffer: [UInt8] = []
        var read: [String: String?] = [:]
        try Array(text.utf8).withUnsafeBytes { raw in
            var parser = JSONParser(bytes: raw)
            parser.beginDocument()
            try parser.readObject { parser, key in
                let count = try parser.readString(into: &buffer)
                read.updateValue(count.map { String(decoding: buffer[..<$0], as: UTF8.self) }, forKey: key)
            }
            try parser.finishDocument()
        }
        #expect(read["s"] == "x\"\\/\né😀 plain")
        #expect(read["n"] == .some(nil))
        let parsed = try Array(text.utf8).withUnsafeBytes { raw in
            var parser = JSONParser(bytes: raw)
            return try parser.parseDocument()["long"]?.stringValue
        }
        #expect(read["long"] == .some(parsed))
        // Longer than the buffer's first 256 bytes, so the buffer grew while decoding it.
        #expect((parsed?.utf8.count ?? 0) > 256 && buffer.count >= parsed!.utf8.count)
        let invalid = Array(#"{"s": "a"#.utf8) + [0xE2, 0x28, 0xA1] + Array(#""}"#.utf8)
        #expect(throws: JSONSyntaxError.self) {
            try invalid.withUnsafeBytes { raw in
                var parser = JSONParser(bytes: raw)
                parser.beginDocument()
                try parser.readObject { parser, _ in _ = try parser.readString(into: &buffer) }
                try parser.finishDocument()
            }
        }
    }
}
