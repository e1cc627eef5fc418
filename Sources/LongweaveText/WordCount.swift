/// Word counting exactly as Python's `str.split()` with no argument: runs of Unicode
/// whitespace (as CPython's `str.isspace` defines it) separate words.
public enum WordCount {
    /// The number of words in UTF-8 `text`.
    public static func count(utf8 text: UnsafeRawBufferPointer) -> Int {
        var words = 0
        var inWord = false
        var i = 0
        let n = text.count
        while i < n {
            let b = text[i]
            let spaceLength: Int
            if b < 0x80 {
                spaceLength = isASCIISpace(b) ? 1 : 0
                if spaceLength == 0 {
                    if !inWord { words += 1; inWord = true }
                    i += 1
                    continue
                }
            } else {
                spaceLength = unicodeSpaceLength(text, at: i)
            }
            if spaceLength > 0 {
                inWord = false
                i += spaceLength
            } else {
                if !inWord { words += 1; inWord = true }
                i += 1
                // Skip continuation bytes of this scalar.
                while i < n && text[i] & 0xC0 == 0x80 { i += 1 }
            }
        }
        return words
    }

    public static func count(_ text: String) -> Int {
        var text = text
        return text.withUTF8 { count(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// `\t \n \v \f \r`, the separators `\x1c`-`\x1f`, and space.
    @inline(__always)
    static func isASCIISpace(_ b: UInt8) -> Bool {
        (b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x20)
    }

    /// The byte length of the whitespace scalar at `i`, or 0 when it is not whitespace:
    /// U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
    @inline(__always)
    static func unicodeSpaceLength(_ t: UnsafeRawBufferPointer, at i: Int) -> Int {
        let b = t[i]
        let n = t.count
        if b == 0xC2, i + 1 < n {
            return (t[i + 1] == 0x85 || t[i + 1] == 0xA0) ? 2 : 0
        }
        guard i + 2 < n else { return 0 }
        let b1 = t[i + 1], b2 = t[i + 2]
        switch b {
        case 0xE1: return (b1 == 0x9A && b2 == 0x80) ? 3 : 0
        case 0xE2:
            if b1 == 0x80 { return (b2 <= 0x8A && b2 >= 0x80) || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF ? 3 : 0 }
            return (b1 == 0x81 && b2 == 0x9F) ? 3 : 0
        case 0xE3: return (b1 == 0x80 && b2 == 0x80) ? 3 : 0
        default: return 0
        }
    }
}
