/// The text that ConTAM's TOKEN-MATCH and NGRAM-MATCH compare: Python's `text.lower()`
/// with every character of Unicode category P* deleted.
public enum MatchNormalizer {
    /// Whether ASCII byte `b` is punctuation (P*): `!"#%&'()*,-./:;?@[\]_{}`; `$ + < = > ^ ` | ~`
    /// are symbols (S*) and stay. The set as bits of bytes 0-63 and 64-127: literals, so no
    /// lazy initialisation in the loops that ask.
    @inlinable @inline(__always)
    public static func isASCIIPunctuation(_ b: UInt8) -> Bool {
        let low: UInt64 = 0x8C00_F7EE_0000_0000, high: UInt64 = 0x2800_0000_B800_0001
        return (b < 64 ? low >> UInt64(b) : high >> UInt64(b &- 64)) & 1 != 0
    }

    /// Normalises UTF-8 `text` into `output` (cleared first).
    public static func normalize(utf8 text: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        output.removeAll(keepingCapacity: true)
        var i = 0
        let n = text.count
        while i < n {
            let b = text[i]
            if b < 0x80 {
                if !isASCIIPunctuation(b) { output.append(b &- 0x41 < 26 ? b | 0x20 : b) }
                i += 1
                continue
            }
            let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
            let end = min(n, i + length)
            guard let scalar = decode(text, i, end) else {
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[i..<end]))
                i = end
                continue
            }
            let properties = scalar.properties
            if isPunctuation(properties.generalCategory) {
                i = end
                continue
            }
            if !properties.changesWhenLowercased {
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[i..<end]))
            } else if scalar.value == 0x03A3 {
                // Python lowers a final capital sigma to ς: after a cased letter, before none.
                output.append(contentsOf: (isFinalSigma(text, at: i, end: end) ? "ς" : "σ").utf8)
            } else {
                output.append(contentsOf: properties.lowercaseMapping.utf8)
            }
            i = end
        }
    }

    public static func normalize(_ text: String) -> String {
        var text = text
        var output: [UInt8] = []
        text.withUTF8 { normalize(utf8: UnsafeRawBufferPointer($0), into: &output) }
        return String(decoding: output, as: UTF8.self)
    }

    static func isPunctuation(_ category: Unicode.GeneralCategory) -> Bool {
        switch category {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: true
        default: false
        }
    }

    static func decode(_ text: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Unicode.Scalar? {
        var iterator = UnsafeRawBufferPointer(rebasing: text[start..<end]).makeIterator()
        var decoder = UTF8()
        if case .scalarValue(let scalar) = decoder.decode(&iterator) { return scalar }
        return nil
    }

    /// Python's Final_Sigma: a cased letter before (skipping case-ignorables), none after.
    static func isFinalSigma(_ text: UnsafeRawBufferPointer, at start: Int, end: Int) -> Bool {
        func scalar(endingAt e: Int) -> (Unicode.Scalar, Int)? {
            var s = e - 1
            while s > 0 && text[s] & 0xC0 == 0x80 { s -= 1 }
            guard s >= 0, let value = decode(text, s, e) else { return nil }
            return (value, s)
        }
        var position = start
        var before = false
        while position > 0, let (value, s) = scalar(endingAt: position) {
            if value.properties.isCaseIgnorable { position = s; continue }
            before = value.properties.isCased
            break
        }
        guard before else { return false }
        position = end
        while position < text.count {
            let b = text[position]
            let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
            guard let value = decode(text, position, min(text.count, position + length)) else { return true }
            if value.properties.isCaseIgnorable { position += length; continue }
            return !value.properties.isCased
        }
        return true
    }
}
