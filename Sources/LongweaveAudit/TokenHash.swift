import LongweaveText

/// 64-bit hashes of tokens, taken straight from their bytes: the scanner rolls them into
/// n-gram hashes and looks up ids only where an n-gram hash is the benchmark's. Equal bytes
/// give equal hashes however the token was read, so benchmark and reference agree.
enum TokenHash {
    /// The bytes of a token of at most 16 bytes as two little-endian words, zero past its end.
    /// Bytes from `start` to `readable` may be read; when 16 of them can, both words are
    /// loaded whole and masked, without a branch on the length.
    @inline(__always)
    static func words(_ text: UnsafeRawBufferPointer, start: Int, length: Int, readable: Int) -> (low: UInt64, high: UInt64) {
        if start + 16 <= readable {
            return (text.loadUnaligned(fromByteOffset: start, as: UInt64.self) & mask(length),
                    text.loadUnaligned(fromByteOffset: start + 8, as: UInt64.self) & mask(length &- 8))
        }
        var words: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &words) { words in
            for j in 0..<min(length, 16) { words[j] = text[start + j] }
        }
        return words
    }

    /// The low `bytes` (clamped to 0...8) bytes of a word: two shifts, so that 8 shifts by 64 in all.
    @inline(__always)
    static func mask(_ bytes: Int) -> UInt64 {
        let half = UInt64(truncatingIfNeeded: 4 * min(max(bytes, 0), 8))
        return ~((UInt64.max &<< half) &<< half)
    }

    /// The hash of a token of `length` <= 16 bytes given as `words`.
    @inline(__always)
    static func short(_ words: (low: UInt64, high: UInt64), length: Int) -> UInt64 {
        // Two independent products and a fold: the n-gram hash that rolls these values is
        // mixed again before it picks a slot.
        let x = (words.low &* 0x9E37_79B9_7F4A_7C15) ^ (words.high &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(truncatingIfNeeded: length)
        return x ^ (x >> 29)
    }

    /// The hash of any token.
    static func of(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        if bytes.count <= 16 {
            return short(words(bytes, start: 0, length: bytes.count, readable: bytes.count), length: bytes.count)
        }
        return TokenVocabulary.hash(bytes, readable: bytes.count) ^ 0x5851_F42D_4C95_7F2D
    }

    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// Whether both words of a token are ASCII.
    @inline(__always)
    static func isASCII(_ words: (low: UInt64, high: UInt64)) -> Bool { (words.low | words.high) & highBits == 0 }

    /// The 0x80 bit of each byte of `word` (all below 0x80) that lies in first...last:
    /// adding never carries into the next byte.
    @inline(__always)
    private static func bytes(_ word: UInt64, in first: UInt64, _ last: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        return (word &+ ones &* (0x80 - first)) & ~(word &+ ones &* (0x7F - last)) & highBits
    }

    /// The 0x80 bit of each nonzero byte of `word` (all below 0x80).
    @inline(__always)
    private static func nonzero(_ word: UInt64) -> UInt64 { (word &+ 0x7F7F_7F7F_7F7F_7F7F) & highBits }

    /// A token of at most 16 ASCII bytes (`isASCII`), given as two little-endian words that
    /// are zero past its `length`, normalised in registers as `MatchNormalizer` does
    /// (lowercased, punctuation dropped): the words of the result, zero past its `count`.
    /// Lets a hot loop normalise the common token without a buffer.
    @inline(__always)
    static func normalizedASCII(low: UInt64, high: UInt64, length: Int) -> (low: UInt64, high: UInt64, count: Int) {
        // With the 0x20 bit set, a capital is its small letter and no other byte becomes one;
        // setting that bit (0x80 >> 2) on letters lowercases them.
        let lowLetters = bytes(low | 0x2020_2020_2020_2020, in: 0x61, 0x7A), highLetters = bytes(high | 0x2020_2020_2020_2020, in: 0x61, 0x7A)
        let lowered = (low: low | lowLetters >> 2, high: high | highLetters >> 2)
        // Bytes other than letters and digits. The zero bytes past the token's end are left
        // out; a zero byte inside it is kept by normalising as letters and digits are.
        let lowOther = nonzero(low) & ~(lowLetters | bytes(low, in: 0x30, 0x39))
        let highOther = nonzero(high) & ~(highLetters | bytes(high, in: 0x30, 0x39))
        // The common other token is a word and one punctuation mark after it ("said,"
        // "end."): its last byte is the only other one. That mark is dropped by a mask, and
        // the choices are selections, not branches: which tokens have one is unpredictable.
        let last = length &- 1
        let shift = UInt64(truncatingIfNeeded: 8 &* (last & 7))
        let lastInHigh = last >= 8
        let lastBit = (0x80 as UInt64) << shift
        let onlyLast = ((lastInHigh ? lowOther : highOther) | ((lastInHigh ? highOther : lowOther) ^ lastBit)) == 0
        let mark = UInt8(truncatingIfNeeded: (lastInHigh ? high : low) >> shift)
        let trailing = onlyLast && MatchNormalizer.isASCIIPunctuation(mark)
        if !trailing && (lowOther | highOther) != 0 { return compacted(low: low, high: high, length: length) }
        let drop = trailing ? ~((0xFF as UInt64) << shift) : .max
        return (lastInHigh ? lowered.low : lowered.low & drop, lastInHigh ? lowered.high & drop : lowered.high, trailing ? last : length)
    }

    /// `normalizedASCII` for a token with punctuation or symbols, byte by byte; out of line,
    /// so that the common token's loop stays small.
    @inline(never)
    private static func compacted(low: UInt64, high: UInt64, length: Int) -> (low: UInt64, high: UInt64, count: Int) {
        var out: (low: UInt64, high: UInt64) = (0, 0)
        var count = 0
        for j in 0..<length {
            let b = UInt8(truncatingIfNeeded: (j < 8 ? low : high) >> UInt64(8 * (j & 7)))
            if MatchNormalizer.isASCIIPunctuation(b) { continue }
            let c = UInt64(b &- 0x41 < 26 ? b | 0x20 : b) << UInt64(8 * (count & 7))
            if count < 8 { out.low |= c } else { out.high |= c }
            count += 1
        }
        return (out.low, out.high, count)
    }
}

/// Hashes a document's tokens, raw and normalised. The common token (ASCII, at most 16
/// bytes) is done in registers; the others go the general normaliser, and those of them
/// up to 16 bytes are remembered, since a corpus repeats its few accented words and dashes.
struct TokenHasher {
    private struct Remembered {
        var low: UInt64 = 0
        var high: UInt64 = 0
        /// -1 for an empty entry: no token has that length.
        var length = -1
        var normalized: UInt64 = 0
        var kept = false
    }

    /// Direct-mapped by the token's raw hash and matched on its bytes, so a hit is exact.
    private var remembered: [Remembered]
    /// The general normaliser's output.
    private var scratch: [UInt8] = []

    init() { remembered = Array(repeating: Remembered(), count: 1 << 10) }

    /// Holds a scanner's place while its hasher is swapped out: allocates nothing.
    private init(empty: Void) { remembered = [] }
    static var placeholder: TokenHasher { TokenHasher(empty: ()) }

    /// The hash of the token at `start..<end` of `text`, and of the token normalised, which
    /// is `kept` unless normalising leaves nothing.
    @inline(__always)
    mutating func hashes(_ text: UnsafeRawBufferPointer, start: Int, end: Int) -> (raw: UInt64, normalized: UInt64, kept: Bool) {
        let length = end &- start
        if length <= 8 && start &+ 8 <= text.count {
            // Most tokens: one word, and every step below on the second one (zero) folds away.
            let low = text.loadUnaligned(fromByteOffset: start, as: UInt64.self) & TokenHash.mask(length)
            return hashes(of: (low, 0), length: length, text, start: start, end: end)
        }
        guard length <= 16 else { return general(text, start: start, end: end) }
        return hashes(of: TokenHash.words(text, start: start, length: length, readable: text.count), length: length, text, start: start, end: end)
    }

    /// `hashes` of a token of at most 16 bytes, given as its words.
    @inline(__always)
    private mutating func hashes(of raw: (low: UInt64, high: UInt64), length: Int,
                                 _ text: UnsafeRawBufferPointer, start: Int, end: Int) -> (raw: UInt64, normalized: UInt64, kept: Bool) {
        let rawHash = TokenHash.short(raw, length: length)
        guard TokenHash.isASCII(raw) else { return remembering(raw, length: length, hash: rawHash, text, start: start, end: end) }
        let normalized = TokenHash.normalizedASCII(low: raw.low, high: raw.high, length: length)
        // Hashed even when unchanged (then it is the raw hash): cheaper than a branch.
        return (rawHash, TokenHash.short((normalized.low, normalized.high), length: normalized.count), normalized.count > 0)
    }

    /// A non-ASCII token of at most 16 bytes: from memory when it was met lately.
    @inline(never)
    private mutating func remembering(_ raw: (low: UInt64, high: UInt64), length: Int, hash: UInt64,
                                      _ text: UnsafeRawBufferPointer, start: Int, end: Int) -> (raw: UInt64, normalized: UInt64, kept: Bool) {
        let slot = Int(truncatingIfNeeded: hash >> 54)
        let entry = remembered[slot]
        if entry.length == length && entry.low == raw.low && entry.high == raw.high { return (hash, entry.normalized, entry.kept) }
        let found = general(text, start: start, end: end)
        remembered[slot] = Remembered(low: raw.low, high: raw.high, length: length, normalized: found.normalized, kept: found.kept)
        return found
    }

    /// Any token, by `MatchNormalizer` itself.
    @inline(never)
    private mutating func general(_ text: UnsafeRawBufferPointer, start: Int, end: Int) -> (raw: UInt64, normalized: UInt64, kept: Bool) {
        let token = UnsafeRawBufferPointer(rebasing: text[start..<end])
        MatchNormalizer.normalize(utf8: token, into: &scratch)
        return (TokenHash.of(token), scratch.withUnsafeBytes { TokenHash.of($0) }, !scratch.isEmpty)
    }
}
