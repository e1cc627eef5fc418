/// Where sentences end in UTF-8 text: after `.`, `?` or `!` followed by whitespace, or after
/// `。`, `？`, `！`. One rule for every stage that cuts at sentence ends (LooGLE passages,
/// trimmed distractors, fact insertion points, evidence sentences).
public enum Sentences {
    /// Whether the bytes just before `i` are a sentence mark.
    @inlinable
    public static func endWithMark<Bytes: RandomAccessCollection>(_ bytes: Bytes, before i: Int) -> Bool
    where Bytes.Element == UInt8, Bytes.Index == Int {
        guard i > bytes.startIndex else { return false }
        let b = bytes[i - 1]
        if b == UInt8(ascii: ".") || b == UInt8(ascii: "!") || b == UInt8(ascii: "?") { return true }
        // 。！？ end in these bytes in UTF-8.
        guard i - 3 >= bytes.startIndex else { return false }
        let tail = (bytes[i - 3], bytes[i - 2], bytes[i - 1])
        return tail == (0xE3, 0x80, 0x82) || tail == (0xEF, 0xBC, 0x81) || tail == (0xEF, 0xBC, 0x9F)
    }

    /// Byte offsets just after each sentence end of `text`, the end of the text excluded.
    /// A `.`/`?`/`!` counts before a space or a line break; `。？！` count anywhere.
    public static func ends(in text: String) -> [Int] {
        var text = text
        return text.withUTF8 { bytes in
            var ends: [Int] = []
            var i = 1
            while i < bytes.count {
                let previous = bytes[i - 1]
                if previous == UInt8(ascii: ".") || previous == UInt8(ascii: "!") || previous == UInt8(ascii: "?") {
                    if bytes[i] == 0x20 || bytes[i] == 0x0A { ends.append(i) }
                } else if previous >= 0x80, endWithMark(bytes, before: i) {
                    ends.append(i)
                }
                i += 1
            }
            return ends
        }
    }

    /// The sentences of `text`, also cut at line breaks, trimmed; empty ones left out.
    public static func split(_ text: String) -> [Substring] {
        var sentences: [Substring] = []
        var start = text.startIndex
        let cuts = ends(in: text).map { text.utf8.index(text.utf8.startIndex, offsetBy: $0) } + [text.endIndex]
        for end in cuts {
            for line in text[start..<end].split(separator: "\n", omittingEmptySubsequences: true) {
                let sentence = line.trimmingWhitespace()
                if !sentence.isEmpty { sentences.append(sentence) }
            }
            start = end
        }
        return sentences
    }
}
