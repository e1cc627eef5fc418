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
            // Eight ASCII bytes at a time: count the non-space bytes that follow a space.
            if i + 8 <= n {
                let word = text.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                if word & highBits == 0 {
                    let spaces = asciiSpaceMask(word)
                    let previous = (spaces << 8) | (inWord ? 0 : 0x80)
                    words += (~spaces & highBits & previous).nonzeroBitCount
                    inWord = spaces & (0x80 << 56) == 0
                    i += 8
                    continue
                }
            }
            let b = text[i]
            let spaceLength = b < 0x80 ? (isASCIISpace(b) ? 1 : 0) : unicodeSpaceLength(text, at: i)
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

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// For eight ASCII bytes: 0x80 in each byte that is Python whitespace (0x09-0x0D, 0x1C-0x20).
    @inline(__always)
    static func asciiSpaceMask(_ word: UInt64) -> UInt64 {
        // For b < 0x80, b + (0x80 - k) sets the byte's high bit exactly when b >= k, with no carry out.
        @inline(__always) func atLeast(_ k: UInt64) -> UInt64 { (word &+ ones &* (0x80 - k)) & highBits }
        let controls = atLeast(0x09) & ~atLeast(0x0E)
        let separators = atLeast(0x1C) & ~atLeast(0x21)
        return controls | separators
    }

    public static func count(_ text: String) -> Int {
        var text = text
        return text.withUTF8 { count(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// `\t \n \v \f \r`, the separators `\x1c`-`\x1f`, and space.
    @inline(__always)
    public static func isASCIISpace(_ b: UInt8) -> Bool {
        (b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x20)
    }

    /// The byte length of the whitespace scalar at `i`, or 0 when it is not whitespace:
    /// U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
    @inline(__always)
    @usableFromInline
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

/// Character counts as Python's `len()` of a str: Unicode scalars, counted on UTF-8 bytes.
public enum CharCount {
    /// Scalars in valid UTF-8: every byte that is not a continuation byte starts one.
    public static func count(utf8 text: UnsafeRawBufferPointer) -> Int {
        var continuation = 0
        var i = 0
        let n = text.count
        while i + 8 <= n {
            let word = text.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            // A continuation byte is 10xxxxxx: high bit set and the next bit clear.
            let marks = word & ~(word << 1) & 0x8080_8080_8080_8080
            continuation += marks.nonzeroBitCount
            i += 8
        }
        while i < n {
            if text[i] & 0xC0 == 0x80 { continuation += 1 }
            i += 1
        }
        return n - continuation
    }

    public static func count(_ text: String) -> Int {
        var text = text
        return text.withUTF8 { count(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// The character offset (Python's str index) of each byte offset in `text`; the byte
    /// offsets must be ascending and at most `text.count`.
    public static func offsets(of byteOffsets: some Sequence<Int>, in text: UnsafeRawBufferPointer) -> [Int] {
        var offsets: [Int] = []
        var chars = 0
        var previous = 0
        for offset in byteOffsets {
            precondition(offset >= previous && offset <= text.count, "byte offsets must ascend within the text")
            chars += count(utf8: UnsafeRawBufferPointer(rebasing: text[previous..<offset]))
            offsets.append(chars)
            previous = offset
        }
        return offsets
    }
}

/// The words of UTF-8 text as Python's `str.split()` finds them, as byte ranges.
public enum Words {
    /// Calls `body(start, end)` for each word, in order.
    @inlinable
    public static func forEach(utf8 text: UnsafeRawBufferPointer, _ body: (Int, Int) -> Void) {
        var start = -1
        var i = 0
        let n = text.count
        while i < n {
            let b = text[i]
            let spaceLength = b < 0x80 ? (WordCount.isASCIISpace(b) ? 1 : 0) : WordCount.unicodeSpaceLength(text, at: i)
            if spaceLength > 0 {
                if start >= 0 { body(start, i); start = -1 }
                i += spaceLength
            } else {
                if start < 0 { start = i }
                i += 1
            }
        }
        if start >= 0 { body(start, n) }
    }

    /// Writes the start and end byte offsets (plus `offset`) of each word of `text` into
    /// `starts` and `ends` from index `first`, growing them when needed (never shrinking, so
    /// their storage is reused), and returns the count they then hold: the same words as
    /// `forEach`. Text is taken a megabyte at a time, cut after ASCII whitespace, so the arrays
    /// grow with the words found, not the bytes; a megabyte without ASCII whitespace is read
    /// word by word up to the next.
    public static func boundaries(utf8 text: UnsafeRawBufferPointer, starts: inout [Int], ends: inout [Int], from first: Int = 0, offset: Int = 0) -> Int {
        let piece = 1 << 20
        var count = first
        var pieceStart = 0
        while pieceStart < text.count {
            var pieceEnd = min(text.count, pieceStart + piece)
            if pieceEnd < text.count {
                var cut = pieceEnd
                while cut > pieceStart && !WordCount.isASCIISpace(text[cut - 1]) { cut -= 1 }
                guard cut > pieceStart else {
                    while pieceEnd < text.count && !WordCount.isASCIISpace(text[pieceEnd - 1]) { pieceEnd += 1 }
                    forEach(utf8: UnsafeRawBufferPointer(rebasing: text[pieceStart..<pieceEnd])) { [pieceStart] start, end in
                        if starts.count <= count {
                            starts += repeatElement(0, count: max(1, starts.count))
                            ends += repeatElement(0, count: starts.count - ends.count)
                        }
                        starts[count] = offset + pieceStart + start
                        ends[count] = offset + pieceStart + end
                        count += 1
                    }
                    pieceStart = pieceEnd
                    continue
                }
                pieceEnd = cut
            }
            // A word and the space after it take at least two bytes; the piece's loop may
            // write two entries past its last word.
            let room = count + (pieceEnd - pieceStart) / 2 + 3
            if starts.count < room {
                starts += repeatElement(0, count: max(room, 2 * starts.count) - starts.count)
                ends += repeatElement(0, count: starts.count - ends.count)
            }
            let found = starts.withUnsafeMutableBufferPointer { starts in
                ends.withUnsafeMutableBufferPointer { ends in
                    boundaries(utf8: UnsafeRawBufferPointer(rebasing: text[pieceStart..<pieceEnd]),
                               starts: starts.baseAddress! + count, ends: ends.baseAddress! + count, offset: offset + pieceStart)
                }
            }
            count += found
            pieceStart = pieceEnd
        }
        return count
    }

    /// Writes the start and end byte offsets (plus `offset`) of each word into `starts` and
    /// `ends`, which have room for `text.count / 2 + 3` entries, and returns the number of
    /// words. Eight ASCII bytes are classified at once, so a hot loop pays per word, not per byte.
    static func boundaries(utf8 text: UnsafeRawBufferPointer, starts: UnsafeMutablePointer<Int>, ends: UnsafeMutablePointer<Int>, offset: Int) -> Int {
        let highBits: UInt64 = 0x8080_8080_8080_8080
        let n = text.count
        var opened = 0, closed = 0
        var inWord = false
        var i = 0
        while i < n {
            if i + 8 <= n {
                let word = text.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                if word & highBits == 0 {
                    // 0x80 marks per byte: where a word starts (a non-space after a space)
                    // and where one ends (a space after a non-space). They alternate, so the
                    // k-th start and the k-th end belong to the same word.
                    let nonSpaces = ~WordCount.asciiSpaceMask(word) & highBits
                    let previous = (nonSpaces << 8) | (inWord ? 0x80 : 0)
                    let wordStarts = nonSpaces & ~previous
                    let wordEnds = ~nonSpaces & highBits & previous
                    // A word and its space take about six bytes, so eight bytes mostly hold
                    // at most two starts and two ends: two of each are written whatever the
                    // count (a slot past it is overwritten later), and only more take a loop.
                    // A loop per word mispredicts at every word.
                    let at = offset &+ i
                    @inline(__always) func record(_ marks: UInt64, into positions: UnsafeMutablePointer<Int>, from index: Int) -> Int {
                        positions[index] = at &+ marks.trailingZeroBitCount >> 3
                        var rest = marks & (marks &- 1)
                        positions[index &+ 1] = at &+ rest.trailingZeroBitCount >> 3
                        // Counted by comparisons: without a POPCNT target, a bit count is a
                        // dozen instructions.
                        var found = (marks != 0 ? 1 : 0) &+ (rest != 0 ? 1 : 0)
                        rest &= rest &- 1
                        while rest != 0 {
                            positions[index &+ found] = at &+ rest.trailingZeroBitCount >> 3
                            found &+= 1
                            rest &= rest &- 1
                        }
                        return found
                    }
                    opened &+= record(wordStarts, into: starts, from: opened)
                    closed &+= record(wordEnds, into: ends, from: closed)
                    inWord = nonSpaces & (0x80 << 56) != 0
                    i += 8
                    continue
                }
            }
            // One scalar at a time where the bytes are not all ASCII.
            let b = text[i]
            let spaceLength = b < 0x80 ? (WordCount.isASCIISpace(b) ? 1 : 0) : WordCount.unicodeSpaceLength(text, at: i)
            if spaceLength > 0 {
                if inWord {
                    ends[closed] = offset + i
                    closed += 1
                    inWord = false
                }
                i += spaceLength
            } else {
                if !inWord {
                    starts[opened] = offset + i
                    opened += 1
                    inWord = true
                }
                i += 1
            }
        }
        if inWord {
            ends[closed] = offset + n
            closed += 1
        }
        return opened
    }
}
