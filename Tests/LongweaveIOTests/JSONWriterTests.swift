import Foundation
import Testing
import LongweaveTestSupport
@testable import LongweaveIO

@Suite struct JSONWriterTests {
    /// Random strings rich in what JSON must escape, and in what it must leave alone.
    static func randomString(_ rng: inout some RandomNumberGenerator) -> String {
        let pool: [Unicode.Scalar] = [
            "a", "Z", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{00}", "\u{01}", "\u{1F}", "\u{7F}",
            "é", "ß", "中", "文", "\u{2028}", "\u{2029}", "\u{FFFD}", "😀", "𝄞", "\u{10FFFF}", "\u{E000}",
        ]
        let count = Int.random(in: 0...40, using: &rng)
        var scalars = String.UnicodeScalarView()
        for _ in 0..<count {
            if Bool.random(using: &rng) {
                scalars.append(pool.randomElement(using: &rng)!)
            } else {
                // Any scalar outside the surrogate range.
                var value = UInt32.random(in: 0...0x10FFFF, using: &rng)
                if (0xD800...0xDFFF).contains(value) { value -= 0x800 }
                // Foundation's decoder on Linux drops U+FEFF inside strings; it is checked against Python below.
                if value == 0xFEFF { value = 0xFEFE }
                scalars.append(Unicode.Scalar(value)!)
            }
        }
        return String(scalars)
    }

    @Test func escapedStringsDecodeBackWithFoundation() throws {
        var seeded = SplitMix(seed: 42)
        for _ in 0..<3000 {
            let original = Self.randomString(&seeded)
            var writer = JSONWriter()
            writer.beginArray()
            writer.string(original)
            writer.endArray()
            let decoded = try JSONSerialization.jsonObject(with: Data(writer.bytes)) as! [String]
            #expect(decoded == [original], "round trip of \(original.unicodeScalars.map { String($0.value, radix: 16) })")
            // UTF-8 is kept as is: only ASCII control characters, quotes and backslashes grow.
            let escapes = original.unicodeScalars.filter { $0.value < 0x20 || $0 == "\"" || $0 == "\\" }.count
            #expect(writer.bytes.count >= original.utf8.count + 4 + escapes)
            #expect(!writer.bytes.contains(0x0A))
        }
    }

    /// A string written in escaped parts is the same bytes as the whole string written at once.
    @Test func aStringInPartsIsTheWholeString() throws {
        var seeded = SplitMix(seed: 7)
        for _ in 0..<1000 {
            let parts = (0..<Int.random(in: 0...5, using: &seeded)).map { _ in Self.randomString(&seeded) }
            var whole = JSONWriter()
            whole.beginArray()
            whole.string(parts.joined())
            whole.int(1)
            whole.endArray()
            var pieces = JSONWriter()
            pieces.beginArray()
            pieces.beginString()
            for part in parts { pieces.bytes += JSONWriter.escaped(part) }
            pieces.endString()
            pieces.int(1)
            pieces.endArray()
            #expect(pieces.bytes == whole.bytes)
        }
    }

    @Test func byteOrderMarksAndLineSeparatorsSurviveInPython() throws {
        let original = "\u{FEFF}a\u{FEFF}\u{2028}b\u{2029}😀\u{0}"
        var writer = JSONWriter()
        writer.string(original)
        let python = try runProcess("/usr/bin/env", ["python3", "-c", "import json,sys; s=json.loads(sys.stdin.buffer.read().decode('utf-8')); print(' '.join('%x' % ord(c) for c in s))"],
                                    stdin: Data(writer.bytes))
        #expect(python.status == 0, "\(python.stderr)")
        #expect(String(decoding: python.stdout, as: UTF8.self) == original.unicodeScalars.map { String($0.value, radix: 16) }.joined(separator: " ") + "\n")
        let parsed = try writer.bytes.withUnsafeBytes { raw in
            var parser = JSONParser(bytes: raw)
            return try parser.parseDocument()
        }
        #expect(parsed == .string(original))
    }

    @Test func everySpecialByteAtEveryPositionOfAWord() throws {
        for special in ["\"", "\\", "\n", "\u{1F}", "\u{00}", "\u{7F}", "é"] {
            for position in 0..<20 {
                var text = String(repeating: "abcdefghij", count: 2)
                let index = text.index(text.startIndex, offsetBy: position)
                text.replaceSubrange(index...index, with: special)
                var writer = JSONWriter()
                writer.beginArray(); writer.string(text); writer.endArray()
                let decoded = try JSONSerialization.jsonObject(with: Data(writer.bytes)) as! [String]
                #expect(decoded == [text], "\(special) at \(position)")
            }
        }
        #expect(!JSONWriter.wordNeedsEscape(0x4142_4344_4546_4748))
        #expect(JSONWriter.wordNeedsEscape(0x4142_4344_4546_471F))
        #expect(JSONWriter.wordNeedsEscape(0x2242_4344_4546_4748))
        #expect(!JSONWriter.wordNeedsEscape(0xFFFE_C3A9_2020_7F80))
    }

    @Test func controlCharactersUseShortEscapesWhereJSONHasThem() {
        var writer = JSONWriter()
        writer.string("a\"b\\c\nd\re\tf\u{08}g\u{0C}h\u{00}i\u{1F}😀")
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #""a\"b\\c\nd\re\tf\bg\fh\u0000i\u001f😀""#)
    }

    @Test func objectsArraysNumbersAndCommas() throws {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("n"); writer.int(-1234567890123)
        writer.key("z"); writer.int(0)
        writer.key("max"); writer.int(Int.max)
        writer.key("min"); writer.int(Int.min)
        writer.key("d"); writer.double(0.1)
        writer.key("whole"); writer.double(3)
        writer.key("inf"); writer.double(.infinity)
        writer.key("list"); writer.beginArray(); writer.bool(true); writer.null(); writer.beginObject(); writer.endObject(); writer.endArray()
        writer.endObject()
        #expect(String(decoding: writer.bytes, as: UTF8.self)
            == #"{"n":-1234567890123,"z":0,"max":9223372036854775807,"min":-9223372036854775808,"d":0.1,"whole":3,"inf":null,"list":[true,null,{}]}"#)
        let object = try JSONSerialization.jsonObject(with: Data(writer.bytes)) as! [String: Any]
        #expect(object["max"] as? Int == Int.max)
    }

    @Test func resetKeepsNothingButCapacity() {
        var writer = JSONWriter()
        writer.beginArray(); writer.int(1); writer.endArray()
        writer.reset()
        writer.int(2)
        #expect(writer.bytes == Array("2".utf8))
    }

    @Test func prettyPrintedManifestParsesBack() throws {
        let value = JSONValue.object(JSONObject([
            ("a", .array([.number(1), .string("x\ny"), .object(JSONObject())])),
            ("b", .array([])), ("c", .null),
        ]))
        let bytes = value.prettyPrinted()
        let parsed = try bytes.withUnsafeBytes { raw in
            var parser = JSONParser(bytes: raw)
            return try parser.parseDocument()
        }
        #expect(parsed == value)
        #expect(String(decoding: bytes, as: UTF8.self).contains("\n  \"a\": [\n    1,"))
    }
}

/// A tiny seeded generator for test inputs.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
