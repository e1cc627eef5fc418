/// A JSON syntax error at a byte offset; `location(in:)` turns it into line and column.
public struct JSONSyntaxError: Error, Sendable, Equatable {
    public var offset: Int
    public var message: String

    /// 1-based line and column (in bytes) of `offset` within `bytes`.
    public static func location(of offset: Int, in bytes: UnsafeRawBufferPointer) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = 0
        let end = min(offset, bytes.count)
        var i = 0
        while i < end {
            if bytes[i] == 0x0A {
                line += 1
                lineStart = i + 1
            }
            i += 1
        }
        return (line, end - lineStart + 1)
    }
}

extension JSONValue {
    /// Parses a whole JSON file; a syntax error names the file, line and column.
    public static func parse(file path: String) throws -> JSONValue {
        let bytes = try InputFile.readAll(path)
        return try bytes.withUnsafeBytes { raw in
            var parser = JSONParser(bytes: raw)
            do {
                return try parser.parseDocument()
            } catch let error as JSONSyntaxError {
                let (line, column) = JSONSyntaxError.location(of: error.offset, in: raw)
                throw IOError(path: path, "\(line):\(column): \(error.message)")
            }
        }
    }
}

/// A recursive-descent JSON parser over bytes (RFC 8259, as Python's `json` reads it).
///
/// Problems that leave the structure readable (invalid UTF-8 or a raw control character
/// inside a string, a lone surrogate escape) are recorded as `recordProblem` instead of
/// stopping, so that one bad record in a JSON array does not lose the others.
public struct JSONParser {
    public let bytes: UnsafeRawBufferPointer
    public internal(set) var position = 0
    /// The first problem found in the value being parsed that did not break the syntax.
    public internal(set) var recordProblem: JSONSyntaxError?
    var depth = 0
    /// Reused for strings with escapes, so that each does not allocate its own buffer.
    private var scratch: [UInt8] = []
    static let maxDepth = 512

    public init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Parses one value that must fill the whole input (whitespace aside).
    public mutating func parseDocument() throws -> JSONValue {
        recordProblem = nil
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if position < bytes.count { throw error("unexpected data after the JSON value") }
        if let problem = recordProblem { throw problem }
        return value
    }

    /// One element of a top-level container, with where it started.
    public struct Element {
        /// Byte offset of the element's first byte.
        public var offset: Int
        /// The object key when the top level is an object.
        public var key: String?
        /// The value, or the problem that makes this element unusable.
        public var value: Result<JSONValue, JSONSyntaxError>
    }

    /// Calls `body` for each element of a top-level array (or member of a top-level
    /// object) in order. A syntax error that breaks the structure is thrown; the
    /// elements before it have been delivered.
    public mutating func forEachTopLevelElement(_ body: (Element) throws -> Void) throws {
        skipWhitespace()
        guard position < bytes.count else { throw error("empty input, expected a JSON array or object") }
        let open = bytes[position]
        guard open == UInt8(ascii: "[") || open == UInt8(ascii: "{") else {
            throw error("expected a JSON array or object at the top level")
        }
        let isObject = open == UInt8(ascii: "{")
        let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
        position += 1
        skipWhitespace()
        if peek() == close {
            position += 1
            return try expectEnd()
        }
        while true {
            skipWhitespace()
            var key: String?
            if isObject {
                guard peek() == UInt8(ascii: "\"") else { throw error("expected a string key") }
                key = try parseString()
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
            }
            recordProblem = nil
            let start = position
            let value = try parseValue()
            if let problem = recordProblem {
                try body(Element(offset: start, key: key, value: .failure(problem)))
            } else {
                try body(Element(offset: start, key: key, value: .success(value)))
            }
            skipWhitespace()
            guard let next = peek() else { throw error("unexpected end of input inside the top-level container") }
            position += 1
            if next == close { return try expectEnd() }
            if next != UInt8(ascii: ",") {
                position -= 1
                throw error("expected ',' or '\(Character(UnicodeScalar(close)))'")
            }
        }
    }

    mutating func expectEnd() throws {
        skipWhitespace()
        if position < bytes.count { throw error("unexpected data after the JSON value") }
    }

    func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: position, message: message)
    }

    func peek() -> UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    mutating func expect(_ byte: UInt8) throws {
        guard peek() == byte else { throw error("expected '\(Character(UnicodeScalar(byte)))'") }
        position += 1
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    mutating func parseValue() throws -> JSONValue {
        guard let byte = peek() else { throw error("unexpected end of input, expected a value") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try parseLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "N"): try parseLiteral("NaN"); return .number(.nan)
        case UInt8(ascii: "I"): try parseLiteral("Infinity"); return .number(.infinity)
        default: throw error("unexpected character, expected a value")
        }
    }

    mutating func parseLiteral(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw error("unexpected end of input") }
        for i in 0..<count where bytes[position + i] != word.utf8Start[i] {
            throw error("invalid literal, expected \(word)")
        }
        position += count
    }

    /// Checks a number's syntax and moves past it; returns the value only for `-Infinity`,
    /// whose text `Double` does not read.
    mutating func scanNumber() throws -> Double? {
        if peek() == UInt8(ascii: "-") {
            position += 1
            if peek() == UInt8(ascii: "I") {
                try parseLiteral("Infinity")
                return -.infinity
            }
        }
        func isDigit(_ b: UInt8?) -> Bool { b.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
        guard isDigit(peek()) else { throw error("invalid number") }
        while isDigit(peek()) { position += 1 }
        if peek() == UInt8(ascii: ".") {
            position += 1
            guard isDigit(peek()) else { throw error("invalid number: expected a digit after '.'") }
            while isDigit(peek()) { position += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            position += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
            guard isDigit(peek()) else { throw error("invalid number: expected an exponent") }
            while isDigit(peek()) { position += 1 }
        }
        return nil
    }

    mutating func parseNumber() throws -> Double {
        let start = position
        if let infinity = try scanNumber() { return infinity }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let value = Double(text) else { throw JSONSyntaxError(offset: start, message: "invalid number") }
        return value
    }

    private mutating func parseArray() throws -> JSONValue {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth { throw error("nesting deeper than \(Self.maxDepth) levels") }
        position += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            position += 1
            return .array(items)
        }
        items.reserveCapacity(4)
        while true {
            skipWhitespace()
            items.append(try parseValue())
            guard try containerContinues(close: UInt8(ascii: "]"), in: "an array") else { return .array(items) }
        }
    }

    /// After a member or element: true after a ',', false after `close`.
    mutating func containerContinues(close: UInt8, in container: String) throws -> Bool {
        skipWhitespace()
        guard let next = peek() else { throw error("unexpected end of input inside \(container)") }
        if next == close {
            position += 1
            return false
        }
        guard next == UInt8(ascii: ",") else {
            throw error("expected ',' or '\(Character(UnicodeScalar(close)))' in \(container)")
        }
        position += 1
        return true
    }

    /// An object member's key and the ':' after it, whitespace around both skipped.
    mutating func parseMemberKey() throws -> String {
        skipWhitespace()
        guard peek() == UInt8(ascii: "\"") else { throw error("expected a string key in an object") }
        let key = try parseString()
        skipWhitespace()
        try expect(UInt8(ascii: ":"))
        return key
    }

    private mutating func parseObject() throws -> JSONValue {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth { throw error("nesting deeper than \(Self.maxDepth) levels") }
        position += 1
        // Room for a typical record's members at once, rather than growing one by one.
        var object = JSONObject(reservingCapacity: 8)
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            position += 1
            return .object(object)
        }
        while true {
            let key = try parseMemberKey()
            skipWhitespace()
            let value = try parseValue()
            // Python's json keeps the last of duplicate keys; so do we.
            object.set(key, value)
            guard try containerContinues(close: UInt8(ascii: "}"), in: "an object") else { return .object(object) }
        }
    }

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
