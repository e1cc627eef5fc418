#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces many phrases in one left-to-right pass over UTF-8 bytes: at each position the
/// longest phrase that starts there wins, and the scan resumes after it, so a replacement
/// is never matched again. A byte trie finds the candidates; a first-byte table skips
/// positions where no phrase can start.
///
/// With `wholeWords` (English) a match must not sit inside a word: the characters on either
/// side are not letters, digits or marks of any script (Unicode's L, N and M categories), so
/// a dash, a curly quote or any other punctuation ends a word as a space does ('American' in
/// 'Mexican–American'). Case variants (`Paris`, `PARIS`) are added for each pair with the
/// replacement cased the same way. Without it (Chinese) matches are exact,
/// except that a match never splits a run of ASCII letters or digits (`97` is not replaced
/// inside `1997`, where the replacement could even recreate the original across the seam).
public struct PhraseReplacer: Sendable {
    /// The pairs as given, without the case variants.
    public let pairs: [(from: String, to: String)]
    public let wholeWords: Bool
    private var edges: [Int: Int32] = [:]  // node << 8 | byte -> child node
    private var replacementOfNode: [Int32: Int] = [:]  // terminal node -> index in `replacements`
    private var replacements: [[UInt8]] = []
    /// The phrases as added (case variants included), for `occursAnywhere`.
    private var phrases: [[UInt8]] = []
    private var pairOfReplacement: [Int] = []  // replacement -> index in `pairs`
    private var startsPhrase = [Bool](repeating: false, count: 256)
    /// One bit per pair of first two bytes that some phrase starts with (all second bytes for a
    /// one-byte phrase): most positions of a long text are passed over on it alone.
    private var startsPair = [UInt64](repeating: 0, count: 1024)
    /// ASCII bytes that a match must not separate from a neighbour of the same kind; a
    /// non-ASCII neighbour is decoded and classed by its Unicode category (whole words only).
    private let isWordByte: [Bool]
    private var nodeCount: Int32 = 1

    public init(pairs: [(from: String, to: String)], wholeWords: Bool) {
        self.pairs = pairs
        self.wholeWords = wholeWords
        isWordByte = (0..<256).map { b in
            (0x61...0x7A).contains(b | 0x20) || (0x30...0x39).contains(b)
        }
        for (index, (from, to)) in pairs.enumerated() where !from.isEmpty {
            add(from, to, pair: index)
            if wholeWords {
                add(from.uppercased(), to.uppercased(), pair: index)
                if let first = from.unicodeScalars.first, first.properties.isLowercase {
                    add(Self.capitalized(from), Self.capitalized(to), pair: index)
                }
            }
        }
    }

    public var isEmpty: Bool { replacements.isEmpty }

    static func capitalized(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst()
    }

    /// The first phrase added for a byte sequence keeps it.
    private mutating func add(_ from: String, _ to: String, pair: Int) {
        var node: Int32 = 0
        for byte in from.utf8 {
            let key = Int(node) << 8 | Int(byte)
            if let child = edges[key] {
                node = child
            } else {
                edges[key] = nodeCount
                node = nodeCount
                nodeCount += 1
            }
        }
        guard replacementOfNode[node] == nil else { return }
        replacementOfNode[node] = replacements.count
        replacements.append(Array(to.utf8))
        phrases.append(Array(from.utf8))
        pairOfReplacement.append(pair)
        let bytes = Array(from.utf8)
        startsPhrase[Int(bytes[0])] = true
        for second in bytes.count > 1 ? Int(bytes[1])...Int(bytes[1]) : 0...255 {
            let bit = Int(bytes[0]) << 8 | second
            startsPair[bit >> 6] |= 1 << UInt64(bit & 63)
        }
    }

    /// The text with every phrase replaced, and how many replacements were made.
    public func replace(_ text: String) -> (text: String, count: Int) {
        if replacements.isEmpty { return (text, 0) }
        var utf8 = Array(text.utf8)
        let count = replace(&utf8)
        return count == 0 ? (text, 0) : (String(decoding: utf8, as: UTF8.self), count)
    }

    /// Replaces in place; returns the number of replacements.
    public func replace(_ bytes: inout [UInt8]) -> Int {
        if replacements.isEmpty { return 0 }
        var output: [UInt8] = []
        var copied = 0
        var count = 0
        bytes.withUnsafeBufferPointer { input in
            forEachMatch(in: input) { start, end, replacement in
                if output.isEmpty { output.reserveCapacity(input.count + 64) }
                output.append(contentsOf: input[copied..<start])
                output.append(contentsOf: replacements[replacement])
                copied = end
                count += 1
            }
            if count > 0 { output.append(contentsOf: input[copied...]) }
        }
        if count > 0 { bytes = output }
        return count
    }

    /// How many times the phrases occur (as `replace` would find them).
    public func occurrences(in text: String) -> Int {
        var text = text
        return text.withUTF8 { occurrences(in: $0) }
    }

    /// How many times the phrases occur in UTF-8 bytes.
    public func occurrences(in utf8: UnsafeBufferPointer<UInt8>) -> Int {
        var count = 0
        forEachMatch(in: utf8) { _, _, _ in count += 1 }
        return count
    }

    /// Whether any phrase occurs in `utf8` where `replace` could match it (whole words, or not
    /// inside an ASCII letter or digit run): `occurrences(in:) > 0`, found with `memchr` and
    /// `memcmp` rather than a scan of every byte, for a matcher of one or a few phrases.
    public func occursAnywhere(in utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = utf8.baseAddress else { return false }
        let count = utf8.count
        for phrase in phrases {
            let found = phrase.withUnsafeBufferPointer { pattern -> Bool in
                guard let first = pattern.first, let patternBase = pattern.baseAddress else { return false }
                var offset = 0
                while offset + pattern.count <= count,
                      let hit = memchr(base + offset, Int32(first), count - offset - pattern.count + 1) {
                    let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    let end = at + pattern.count
                    if memcmp(base + at, patternBase, pattern.count) == 0,
                       !(at > 0 && joins(utf8, at: at)), !(end < count && joins(utf8, at: end)) {
                        return true
                    }
                    offset = at + 1
                }
                return false
            }
            if found { return true }
        }
        return false
    }

    /// The indices in `pairs` of the pairs that `replace` would apply to `text`, ascending
    /// (a pair found only inside a longer match is not among them). One pass for any number
    /// of pairs.
    public func pairsFound(in text: String) -> [Int] {
        var text = text
        return text.withUTF8 { pairsFound(in: $0) }
    }

    /// `pairsFound(in:)` on UTF-8 bytes.
    public func pairsFound(in utf8: UnsafeBufferPointer<UInt8>) -> [Int] {
        var found = Set<Int>()
        forEachMatch(in: utf8) { _, _, replacement in found.insert(pairOfReplacement[replacement]) }
        return found.sorted()
    }

    /// The one left-to-right scan: at each position the longest phrase starting there, the
    /// scan resuming after it. Calls `body(start, end, replacement index)` per match.
    private func forEachMatch(in input: UnsafeBufferPointer<UInt8>, _ body: (Int, Int, Int) -> Void) {
        if replacements.isEmpty { return }
        // The tables as raw buffers: the scan over a long text is a loop of unchecked loads.
        startsPhrase.withUnsafeBufferPointer { startsPhrase in
            startsPair.withUnsafeBufferPointer { startsPair in
                let count = input.count
                var i = 0
                while i < count {
                    let b = input[i]
                    if !startsPhrase[Int(b)] {
                        i += 1
                        continue
                    }
                    if i + 1 < count {
                        let bit = Int(b) << 8 | Int(input[i + 1])
                        if startsPair[bit >> 6] & (1 << UInt64(bit & 63)) == 0 {
                            i += 1
                            continue
                        }
                    }
                    if i > 0 && joins(input, at: i) {
                        i += 1
                        continue
                    }
                    var node: Int32 = 0
                    var match: (end: Int, replacement: Int)?
                    var j = i
                    while j < count, let child = edges[Int(node) << 8 | Int(input[j])] {
                        node = child
                        j += 1
                        if let r = replacementOfNode[node], !(j < count && joins(input, at: j)) {
                            match = (j, r)
                        }
                    }
                    guard let (end, r) = match else {
                        i += 1
                        continue
                    }
                    body(i, end, r)
                    i = end
                }
            }
        }
    }

    /// Whether the characters on either side of byte offset `i` (0 < i < count) belong to one
    /// word, so that a match may not start or end there.
    @inline(__always)
    private func joins(_ input: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        let before = input[i - 1], after = input[i]
        if before < 0x80 && after < 0x80 { return isWordByte[Int(before)] && isWordByte[Int(after)] }
        guard wholeWords else { return false }
        return isWordCharacter(endingAt: i, in: input) && isWordCharacter(startingAt: i, in: input)
    }

    /// Letters, digits and marks of any script continue a word.
    public static func isWordScalar(_ value: UInt32) -> Bool {
        guard let scalar = Unicode.Scalar(value) else { return false }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber, .nonspacingMark, .spacingMark, .enclosingMark:
            return true
        default:
            return false
        }
    }

    private func isWordCharacter(startingAt i: Int, in input: UnsafeBufferPointer<UInt8>) -> Bool {
        let lead = input[i]
        if lead < 0x80 { return isWordByte[Int(lead)] }
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        guard length > 1, i + length <= input.count else { return false }
        var value = UInt32(lead) & (0x7F >> UInt32(length))
        for k in 1..<length { value = value << 6 | UInt32(input[i + k] & 0x3F) }
        return Self.isWordScalar(value)
    }

    private func isWordCharacter(endingAt end: Int, in input: UnsafeBufferPointer<UInt8>) -> Bool {
        let last = input[end - 1]
        if last < 0x80 { return isWordByte[Int(last)] }
        // Back over continuation bytes (at most three) to the lead byte.
        var start = end - 1
        while start > 0, end - start < 4, input[start] & 0xC0 == 0x80 { start -= 1 }
        return isWordCharacter(startingAt: start, in: input)
    }
}
