import Foundation

/// Cleans one piece of text: HTML entities decoded, Unicode normalised, line endings made
/// `\n`, control and zero-width characters removed, whitespace runs collapsed inside a
/// paragraph while paragraph breaks (`\n`, or `\n\n` where there was a blank line) stay.
public struct TextCleaner: Sendable {
    public enum Normalization: String, Sendable {
        case nfc, nfkc, none
    }

    public var normalization: Normalization
    public var decodeEntities: Bool
    public var collapseWhitespace: Bool

    public init(normalization: Normalization = .nfc, decodeEntities: Bool = true, collapseWhitespace: Bool = true) {
        self.normalization = normalization
        self.decodeEntities = decodeEntities
        self.collapseWhitespace = collapseWhitespace
    }

    public func clean(_ text: String) -> String {
        var text = text
        if decodeEntities { text = HTMLEntities.decode(text) }
        // ASCII is already in every normal form; most real text is already NFC.
        if normalization != .none && !text.utf8.allSatisfy({ $0 < 0x80 }) && !(normalization == .nfc && Self.isNFCByQuickCheck(text)) {
            text = normalizedByLine(text)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        text.utf8.withContiguousStorageIfAvailable { input in
            cleanBytes(UnsafeRawBufferPointer(input), into: &bytes)
        } ?? cleanBytes(Array(text.utf8), into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Scalar ranges whose every member is NFC_QC=Yes with combining class 0: a string made
    /// only of them is already in NFC (nothing decomposes, nothing composes with its left
    /// neighbour). Greek, Hiragana and letterlike symbols hold exceptions and are left out.
    static let quickNFCRanges: [ClosedRange<UInt32>] = [
        0x0000...0x02FF, 0x0400...0x0482, 0x2010...0x20CF, 0x2190...0x2328, 0x232B...0x2BFF,
        0x3000...0x3029, 0x3030...0x303F, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7A3, 0xFF01...0xFF5E,
    ]

    /// A line break blocks composition, so lines normalise one by one: only those that may
    /// change go through Foundation.
    private func normalizedByLine(_ text: String) -> String {
        var text = text
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        text.withUTF8 { bytes in
            var start = 0
            while start <= bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != 0x0A { end += 1 }
                let line = UnsafeBufferPointer(rebasing: bytes[start..<end])
                if line.allSatisfy({ $0 < 0x80 }) || (normalization == .nfc && Self.isNFCByQuickCheck(utf8: line)) {
                    out.append(contentsOf: line)
                } else {
                    let string = String(decoding: line, as: UTF8.self)
                    let normalized = normalization == .nfc ? string.precomposedStringWithCanonicalMapping : string.precomposedStringWithCompatibilityMapping
                    out.append(contentsOf: normalized.utf8)
                }
                if end < bytes.count { out.append(0x0A) }
                start = end + 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// True when every scalar of `text` lies in `quickNFCRanges`; false means "not known".
    public static func isNFCByQuickCheck(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isNFCByQuickCheck(utf8: $0) }
    }

    /// The same, on valid UTF-8 bytes.
    static func isNFCByQuickCheck(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var last = 0  // index into quickNFCRanges of the last hit: scripts come in runs.
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x80 { i += 1; continue }
            // Decoded by hand: the bytes are valid UTF-8 (they come from a String).
            let v: UInt32
            if b < 0xE0 {
                v = UInt32(b & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F)
                i += 2
            } else if b < 0xF0 {
                v = UInt32(b & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F)
                i += 3
            } else {
                v = UInt32(b & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6 | UInt32(bytes[i + 3] & 0x3F)
                i += 4
            }
            if v < 0x300 || quickNFCRanges[last].contains(v) { continue }
            guard let hit = quickNFCRanges.firstIndex(where: { $0.contains(v) }) else { return false }
            last = hit
        }
        return true
    }

    private func cleanBytes(_ input: [UInt8], into out: inout [UInt8]) {
        input.withUnsafeBytes { cleanBytes($0, into: &out) }
    }

    /// What a character does to the layout.
    enum Kind {
        case content(length: Int)
        case space(length: Int)
        case newline(length: Int)
        case removed(length: Int)
    }

    /// Classifies the character at `i`; multi-byte cases are matched on their UTF-8 bytes.
    static func kind(_ input: UnsafeRawBufferPointer, _ i: Int) -> Kind {
        let b = input[i]
        switch b {
        case 0x21...0x7E: return .content(length: 1)
        case 0x0A: return .newline(length: 1)
        case 0x0D: return .newline(length: i + 1 < input.count && input[i + 1] == 0x0A ? 2 : 1)
        case 0x20, 0x09: return .space(length: 1)
        case 0x0B, 0x0C: return .newline(length: 1)
        case 0x00...0x1F, 0x7F: return .removed(length: 1)
        case 0xC2 where i + 1 < input.count:
            let c = input[i + 1]
            if c == 0xA0 { return .space(length: 2) }                 // no-break space
            if c == 0xAD || (c >= 0x80 && c <= 0x9F) { return .removed(length: 2) } // soft hyphen, C1 controls
            if c == 0x85 { return .newline(length: 2) }
            return .content(length: 2)
        case 0xE2 where i + 2 < input.count:
            let c = input[i + 1], d = input[i + 2]
            if c == 0x80 {
                if d <= 0x8A || d == 0xAF { return .space(length: 3) }   // en quad ... hair space, narrow no-break space
                if d >= 0x8B && d <= 0x8F { return .removed(length: 3) } // zero-width space/joiners, LRM, RLM
                if d == 0xA8 || d == 0xA9 { return .newline(length: 3) } // line and paragraph separators
                if d >= 0xAA && d <= 0xAE { return .removed(length: 3) } // bidi embeddings
            } else if c == 0x81 {
                if d == 0x9F { return .space(length: 3) }                // medium mathematical space
                if d == 0xA0 || (d >= 0xA6 && d <= 0xA9) { return .removed(length: 3) } // word joiner, bidi isolates
            }
            return .content(length: 3)
        case 0xE3 where i + 2 < input.count && input[i + 1] == 0x80 && input[i + 2] == 0x80:
            return .space(length: 3) // ideographic space
        case 0xEF where i + 2 < input.count && input[i + 1] == 0xBB && input[i + 2] == 0xBF:
            return .removed(length: 3) // byte-order mark / zero-width no-break space
        case 0x80...0xBF: return .content(length: 1)
        case 0xC0...0xDF: return .content(length: 2)
        case 0xE0...0xEF: return .content(length: 3)
        default: return .content(length: 4)
        }
    }

    private func cleanBytes(_ input: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        var pendingSpace = false
        var newlines = 0
        var i = 0
        while i < input.count {
            let kind = Self.kind(input, i)
            switch kind {
            case .content(let length):
                // A run of printable ASCII is copied at once.
                var end = min(i + length, input.count)
                if length == 1 && input[i] < 0x80 {
                    while end < input.count && input[end] >= 0x21 && input[end] <= 0x7E { end += 1 }
                }
                if collapseWhitespace {
                    if !out.isEmpty {
                        if newlines > 0 {
                            out.append(0x0A)
                            if newlines > 1 { out.append(0x0A) }
                        } else if pendingSpace {
                            out.append(0x20)
                        }
                    }
                    newlines = 0
                    pendingSpace = false
                }
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[i..<end]))
                i = end
            case .space(let length):
                if collapseWhitespace { pendingSpace = true } else { for k in i..<min(i + length, input.count) { out.append(input[k]) } }
                i += length
            case .newline(let length):
                if collapseWhitespace { newlines += 1; pendingSpace = false } else { out.append(0x0A) }
                i += length
            case .removed(let length):
                i += length
            }
        }
    }

    /// The share of letters in `text` that are Han characters, and that are Latin letters.
    public static func scriptShares(_ text: String) -> (han: Double, latin: Double) {
        var han = 0, latin = 0, other = 0
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if (v >= 0x4E00 && v <= 0x9FFF) || (v >= 0x3400 && v <= 0x4DBF) || (v >= 0xF900 && v <= 0xFAFF) || (v >= 0x20000 && v <= 0x2FFFF) {
                han += 1
            } else if (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || (v >= 0xC0 && v <= 0x24F && v != 0xD7 && v != 0xF7) {
                latin += 1
            } else if v >= 0x80 && scalar.properties.isAlphabetic {
                other += 1
            }
        }
        let total = Double(han + latin + other)
        guard total > 0 else { return (0, 0) }
        return (Double(han) / total, Double(latin) / total)
    }
}
