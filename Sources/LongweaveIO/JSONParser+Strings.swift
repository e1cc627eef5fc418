/// Strings: the hot path of every reader (escapes, UTF-8 checks, plain-ASCII runs).
extension JSONParser {
    mutating func noteProblem(_ message: String, at offset: Int) {
        if recordProblem == nil { recordProblem = JSONSyntaxError(offset: offset, message: message) }
    }

    mutating func parseString() throws -> String {
        position += 1  // opening quote
        let start = position
        // Fast path: no escapes.
        var allASCII = true
        scanPlainBytes(allASCII: &allASCII)
        guard position < bytes.count else { throw JSONSyntaxError(offset: start - 1, message: "unterminated string") }
        if bytes[position] == UInt8(ascii: "\"") {
            let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
            position += 1
            return makeString(raw, ascii: allASCII, offset: start)
        }
        // Slow path: decode from the start into the reused scratch buffer, doubling it when
        // a long string does not fit.
        position = start
        var buffer = scratch
        scratch = []
        defer { scratch = buffer }
        let written = try decodeStringBody(into: &buffer, stringStart: start).count
        return buffer.withUnsafeBytes { makeString(UnsafeRawBufferPointer(rebasing: $0[..<written]), ascii: false, offset: start) }
    }

    /// Decodes the string body at `position` (escapes included) into `buffer[..<count]`
    /// through the closing quote, doubling `buffer` when a long string does not fit: the
    /// count, and whether the body's unescaped bytes were all ASCII (then the decoded bytes
    /// are valid UTF-8: escapes decode to whole characters).
    mutating func decodeStringBody(into buffer: inout [UInt8], stringStart: Int) throws -> (count: Int, plainASCII: Bool) {
        if buffer.count < 256 { buffer = [UInt8](repeating: 0, count: 256) }
        var written = 0
        var plainASCII = true
        while try !buffer.withUnsafeMutableBufferPointer({
            try decodeEscapes(into: $0, written: &written, plainASCII: &plainASCII, stringStart: stringStart)
        }) {
            buffer.append(contentsOf: repeatElement(0, count: buffer.count))
        }
        return (written, plainASCII)
    }

    /// Advances `position` to the next quote or backslash (or the end), eight bytes at a
    /// time while none of them is a quote, a backslash or a control character.
    @inline(__always)
    mutating func scanPlainBytes(allASCII: inout Bool) {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var high: UInt64 = 0
        if let base = bytes.baseAddress {
            while position + 8 <= bytes.count {
                let word = base.loadUnaligned(fromByteOffset: position, as: UInt64.self)
                // A byte is zero in `x` exactly when the word has the sought byte there.
                let quote = word ^ (ones &* 0x22), backslash = word ^ (ones &* 0x5C)
                let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word)
                if special & highs != 0 { break }
                high |= word
                position += 8
            }
        }
        if high & highs != 0 { allASCII = false }
        while position < bytes.count {
            let b = bytes[position]
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { break }
            if b < 0x20 { noteProblem("raw control character in a string", at: position) }
            if b >= 0x80 { allASCII = false }
            position += 1
        }
    }

    /// Decodes the string body at `position` (escapes included) into `output` from
    /// `written` on, through the closing quote. Returns false when `output` is full first.
    /// `stringStart` (the first byte after the opening quote) places errors. `plainASCII`
    /// becomes false when an unescaped byte is not ASCII.
    private mutating func decodeEscapes(into output: UnsafeMutableBufferPointer<UInt8>, written: inout Int, plainASCII: inout Bool,
                                        stringStart: Int) throws -> Bool {
        let end = bytes.count
        while written + 4 <= output.count {
            guard position < end else { throw JSONSyntaxError(offset: stringStart - 1, message: "unterminated string") }
            let b = bytes[position]
            if b == UInt8(ascii: "\"") {
                position += 1
                return true
            }
            guard b == UInt8(ascii: "\\") else {
                // A run of plain bytes is found eight at a time and copied at once, as much
                // of it as fits (the caller grows `output` and calls again for the rest).
                let runStart = position
                scanPlainBytes(allASCII: &plainASCII)
                let copied = min(position - runStart, output.count - written)
                if copied < position - runStart { position = runStart + copied }
                UnsafeMutableRawPointer(output.baseAddress! + written).copyMemory(from: bytes.baseAddress! + runStart, byteCount: copied)
                written += copied
                continue
            }
            guard position + 1 < end else { throw error("unterminated escape") }
            let e = bytes[position + 1]
            position += 2
            let simple: UInt8
            switch e {
            case UInt8(ascii: "\""): simple = 0x22
            case UInt8(ascii: "\\"): simple = 0x5C
            case UInt8(ascii: "/"): simple = 0x2F
            case UInt8(ascii: "b"): simple = 0x08
            case UInt8(ascii: "f"): simple = 0x0C
            case UInt8(ascii: "n"): simple = 0x0A
            case UInt8(ascii: "r"): simple = 0x0D
            case UInt8(ascii: "t"): simple = 0x09
            case UInt8(ascii: "u"):
                let escapeStart = position - 2
                var scalar = try parseHex4(end: end)
                if (0xD800...0xDBFF).contains(scalar) {
                    if position + 1 < end, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") {
                        let save = position
                        position += 2
                        let low = try parseHex4(end: end)
                        if (0xDC00...0xDFFF).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            position = save
                            noteProblem("lone surrogate in a \\u escape", at: escapeStart)
                            scalar = 0xFFFD
                        }
                    } else {
                        noteProblem("lone surrogate in a \\u escape", at: escapeStart)
                        scalar = 0xFFFD
                    }
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    noteProblem("lone surrogate in a \\u escape", at: escapeStart)
                    scalar = 0xFFFD
                }
                written += Self.encodeUTF8(scalar, into: output, at: written)
                continue
            default:
                throw JSONSyntaxError(offset: position - 2, message: "invalid escape '\\\(Character(UnicodeScalar(e)))'")
            }
            output[written] = simple
            written += 1
        }
        return false
    }

    /// Writes `scalar` (never a surrogate) as UTF-8; returns the number of bytes.
    @inline(__always)
    private static func encodeUTF8(_ scalar: UInt32, into output: UnsafeMutableBufferPointer<UInt8>, at i: Int) -> Int {
        switch scalar {
        case ..<0x80:
            output[i] = UInt8(scalar)
            return 1
        case ..<0x800:
            output[i] = UInt8(0xC0 | scalar >> 6)
            output[i + 1] = UInt8(0x80 | scalar & 0x3F)
            return 2
        case ..<0x10000:
            output[i] = UInt8(0xE0 | scalar >> 12)
            output[i + 1] = UInt8(0x80 | scalar >> 6 & 0x3F)
            output[i + 2] = UInt8(0x80 | scalar & 0x3F)
            return 3
        default:
            output[i] = UInt8(0xF0 | scalar >> 18)
            output[i + 1] = UInt8(0x80 | scalar >> 12 & 0x3F)
            output[i + 2] = UInt8(0x80 | scalar >> 6 & 0x3F)
            output[i + 3] = UInt8(0x80 | scalar & 0x3F)
            return 4
        }
    }

    @inline(__always)
    static func isHexDigit(_ c: UInt8) -> Bool {
        c &- 0x30 < 10 || (c | 0x20) &- 0x61 < 6
    }

    /// A hex digit's value without a table: the low nibble, plus 9 for letters (0x4_, 0x6_).
    @inline(__always)
    private static func hexDigitValue(_ c: UInt8) -> UInt32 {
        UInt32(c & 0x0F) &+ 9 &* UInt32(c >> 6)
    }

    private mutating func makeString(_ raw: UnsafeRawBufferPointer, ascii: Bool, offset: Int) -> String {
        if ascii { return String(decoding: raw, as: UTF8.self) }
        if let valid = String(validating: raw, as: UTF8.self) { return valid }
        noteProblem("invalid UTF-8 in a string", at: offset)
        return String(decoding: raw, as: UTF8.self)
    }

    /// Four hex digits after `\u`, which must end before `end` (the string's closing quote).
    @inline(__always)
    mutating func parseHex4(end: Int) throws -> UInt32 {
        guard position + 4 <= end else { throw error("unterminated \\u escape") }
        let a = bytes[position], b = bytes[position + 1], c = bytes[position + 2], d = bytes[position + 3]
        guard Self.isHexDigit(a) && Self.isHexDigit(b) && Self.isHexDigit(c) && Self.isHexDigit(d) else {
            throw error("invalid hex digit in a \\u escape")
        }
        position += 4
        return Self.hexDigitValue(a) << 12 | Self.hexDigitValue(b) << 8 | Self.hexDigitValue(c) << 4 | Self.hexDigitValue(d)
    }
}
