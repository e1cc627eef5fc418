import Foundation
import Testing
import LongweaveTestSupport
@testable import LongweaveText

@Suite struct WordCountTests {
    @Test func pythonWhitespaceSeparatesWords() {
        #expect(WordCount.count("") == 0)
        #expect(WordCount.count("   ") == 0)
        #expect(WordCount.count(" a  b\tc\nd\u{0B}e\u{0C}f\rg ") == 7)
        // Python's str.split() also splits on \x1c-\x1f, NEL, NBSP, the Unicode spaces, LS, PS, ideographic space.
        for space in ["\u{1C}", "\u{1D}", "\u{1E}", "\u{1F}", "\u{85}", "\u{A0}", "\u{1680}", "\u{2000}", "\u{200A}",
                      "\u{2028}", "\u{2029}", "\u{202F}", "\u{205F}", "\u{3000}"] {
            #expect(WordCount.count("a" + space + "b") == 2, "U+\(String(space.unicodeScalars.first!.value, radix: 16))")
        }
        // ... but not on zero-width space, BOM or U+180E.
        for joiner in ["\u{200B}", "\u{FEFF}", "\u{180E}", "\u{200C}"] {
            #expect(WordCount.count("a" + joiner + "b") == 1)
        }
        #expect(WordCount.count("中文 文本") == 2)
    }

    /// Counts every line of the real WikiText-2 test split and compares with Python.
    @Test func matchesPythonOnWikiText() throws {
        let path = TestPaths.data("wikitext2/wiki.test.raw")
        let python = try runProcess("/usr/bin/env", ["python3", "-c", "import sys\nfor line in open(sys.argv[1], encoding='utf-8', newline=''): print(len(line.split()))", path])
        #expect(python.status == 0, "\(python.stderr)")
        let expected = String(decoding: python.stdout, as: UTF8.self).split(separator: "\n").map { Int($0)! }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        // Split on the byte 0x0A as Python does with newline='' (Swift's "\n" Character would not match "\r\n").
        var lines = Array(text.utf8).split(separator: 0x0A, omittingEmptySubsequences: false).map { String(decoding: $0 + [0x0A], as: UTF8.self) }
        if text.utf8.last == 0x0A { lines.removeLast() }
        #expect(lines.count == expected.count)
        for (line, count) in zip(lines, expected) {
            #expect(WordCount.count(String(line)) == count)
        }
        #expect(WordCount.count(text) == expected.reduce(0, +))
    }

    /// The word-at-a-time boundaries equal the byte-at-a-time words, on real English and
    /// Chinese text (cut into 1 MiB pieces), on text with no space to cut at, and on random
    /// mixes of every kind of space, ASCII and multi-byte scalars.
    @Test func boundariesMatchForEach() throws {
        func check(_ bytes: [UInt8], _ label: String) {
            var expected: [Range<Int>] = []
            bytes.withUnsafeBytes { Words.forEach(utf8: $0) { expected.append($0..<$1) } }
            var starts: [Int] = [], ends: [Int] = []
            let count = bytes.withUnsafeBytes { Words.boundaries(utf8: $0, starts: &starts, ends: &ends) }
            let found = (0..<count).map { starts[$0]..<ends[$0] }
            #expect(found == expected, "\(label)")
        }
        let english = try #require(FileManager.default.contents(atPath: TestPaths.data("wikitext2/wiki.test.raw")))
        check(Array(english), "WikiText-2 test")
        let chinese = try #require(FileManager.default.contents(atPath: TestPaths.data("cmrc2018/cmrc2018_dev.json")))
        check(Array(chinese), "CMRC 2018 dev")
        check(Array(english) + Array(repeating: UInt8(ascii: "x"), count: 3 << 20) + Array(english), "a 3 MiB word between two texts")
        let pieces: [[UInt8]] = [" ", "\t", "\n", "\r\n", "\u{1C}", "\u{85}", "\u{A0}", "\u{2003}", "\u{3000}", "\u{200B}",
                                 "a", "Word", "longerword.", "é", "中", "😀", "\u{0}"].map { Array($0.utf8) }
        var random = SystemRandomNumberGenerator()
        for round in 0..<2000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...40, using: &random) { bytes += pieces.randomElement(using: &random)! }
            check(bytes, "random case \(round): \(bytes)")
        }
    }
}
