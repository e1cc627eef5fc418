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

    /// Words that a `.` follows without ending the sentence ('Jr.', 'St.', 'Dr.', 'Feb.').
    static let abbreviations: [String] = [
        "Jr", "Sr", "St", "Mr", "Mrs", "Ms", "Dr", "Mt", "Ft", "Gen", "Col", "Lt", "Capt", "Sgt", "Prof", "Rev", "Hon",
        "Gov", "Sen", "Rep", "Pres", "vs", "Bros", "Ave", "approx", "ca", "cf", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul",
        "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "Vol", "vol", "pp", "Fig", "Op", "op",
    ]
    /// The abbreviations packed into integers (at most 8 bytes each), so that checking a word
    /// allocates nothing.
    static let packedAbbreviations: Set<UInt64> = Set(abbreviations.map { word in
        word.utf8.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    })

    /// Whether the `.` at `dot`, followed by a space, ends no sentence: after an initial
    /// ('K.'), an abbreviation ('Jr.', 'St.'), a dotted one ('U.S.', 'e.g.') or 'No.' before a number.
    static func isAbbreviation(_ bytes: UnsafeBufferPointer<UInt8>, dot: Int) -> Bool {
        func isLetter(_ b: UInt8) -> Bool { (0x61...0x7A).contains(b | 0x20) }
        var start = dot
        while start > 0, dot - start < 12, isLetter(bytes[start - 1]) || bytes[start - 1] == UInt8(ascii: ".") { start -= 1 }
        guard start < dot, isLetter(bytes[start]) else { return false }
        // The word must start the token: not 'x3.' or a word glued to other marks.
        if start > 0, bytes[start - 1] >= 0x80 || (0x30...0x39).contains(bytes[start - 1]) || isLetter(bytes[start - 1]) { return false }
        let length = dot - start
        if length == 1 { return (0x41...0x5A).contains(bytes[start]) }
        var packed: UInt64 = 0
        var hasDot = false
        var segment = 0
        var longSegment = false
        for i in start..<dot {
            if bytes[i] == UInt8(ascii: ".") {
                hasDot = true
                segment = 0
            } else {
                segment += 1
                if segment > 2 { longSegment = true }
            }
            if length <= 8 { packed = packed << 8 | UInt64(bytes[i]) }
        }
        if hasDot { return !longSegment }
        if length <= 8, packedAbbreviations.contains(packed) { return true }
        // 'No. 5', 'Nos. 3'.
        let no: UInt64 = 0x4E6F, noLower: UInt64 = 0x6E6F, nos: UInt64 = 0x4E6F73
        if length <= 3, packed == no || packed == noLower || packed == nos {
            return dot + 2 < bytes.count && (0x30...0x39).contains(bytes[dot + 2])
        }
        return false
    }

    /// Byte offsets just after each sentence end of `text`, the end of the text excluded.
    /// A `.`/`?`/`!` counts before a space or a line break, except a `.` of an initial or an
    /// abbreviation before a space (`isAbbreviation`); `。？！` count anywhere.
    public static func ends(in text: String) -> [Int] {
        var text = text
        return text.withUTF8 { bytes in
            var ends: [Int] = []
            var i = 1
            while i < bytes.count {
                let previous = bytes[i - 1]
                if previous == UInt8(ascii: ".") || previous == UInt8(ascii: "!") || previous == UInt8(ascii: "?") {
                    if bytes[i] == 0x0A || (bytes[i] == 0x20 && !(previous == UInt8(ascii: ".") && isAbbreviation(bytes, dot: i - 1))) {
                        ends.append(i)
                    }
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
