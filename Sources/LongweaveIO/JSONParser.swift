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
    public private(set) var position = 0
    /// The first problem found in the value being parsed that did not break the syntax.
    public private(set) var recordProblem: JSONSyntaxError?
    private var depth = 0
    private static let maxDepth = 512
    /// Reused for strings with escapes, so that each does not allocate its own buffer.
    private var scratch: [UInt8] = []

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

    private mutating func expectEnd() throws {
        skipWhitespace()
        if position < bytes.count { throw error("unexpected data after the JSON value") }
    }

    private func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: position, message: message)
    }

    private func peek() -> UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    private mutating func expect(_ byte: UInt8) throws {
        guard peek() == byte else { throw error("expected '\(Character(UnicodeScalar(byte)))'") }
        position += 1
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    private mutating func parseValue() throws -> JSONValue {
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

    private mutating func parseLiteral(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw error("unexpected end of input") }
        for i in 0..<count where bytes[position + i] != word.utf8Start[i] {
            throw error("invalid literal, expected \(word)")
        }
        position += count
    }

    private mutating func parseNumber() throws -> Double {
        let start = position
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
            skipWhitespace()
            guard let next = peek() else { throw error("unexpected end of input inside an array") }
            position += 1
            if next == UInt8(ascii: "]") { return .array(items) }
            guard next == UInt8(ascii: ",") else {
                position -= 1
                throw error("expected ',' or ']' in an array")
            }
        }
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
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw error("expected a string key in an object") }
            let key = try parseString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            let value = try parseValue()
            // Python's json keeps the last of duplicate keys; so do we.
            object.set(key, value)
            skipWhitespace()
            guard let next = peek() else { throw error("unexpected end of input inside an object") }
            position += 1
            if next == UInt8(ascii: "}") { return .object(object) }
            guard next == UInt8(ascii: ",") else {
                position -= 1
                throw error("expected ',' or '}' in an object")
            }
        }
    }

    private mutating func noteProblem(_ message: String, at offset: Int) {
        if recordProblem == nil { recordProblem = JSONSyntaxError(offset: offset, message: message) }
    }

    private mutating func parseString() throws -> String {
        position += 1  // opening quote
        let start = position
        // Fast path: no escapes.
        var allASCII = true
        while position < bytes.count {
            let b = bytes[position]
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { break }
            if b < 0x20 { noteProblem("raw control character in a string", at: position) }
            if b >= 0x80 { allASCII = false }
            position += 1
        }
        guard position < bytes.count else { throw JSONSyntaxError(offset: start - 1, message: "unterminated string") }
        if bytes[position] == UInt8(ascii: "\"") {
            let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
            position += 1
            return makeString(raw, ascii: allASCII, offset: start)
        }
        // Slow path: decode escapes into a scratch buffer.
        var utf8 = scratch
        scratch = []
        defer {
            utf8.removeAll(keepingCapacity: true)
            scratch = utf8
        }
        utf8.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<position]))
        while true {
            guard position < bytes.count else { throw JSONSyntaxError(offset: start - 1, message: "unterminated string") }
            let b = bytes[position]
            if b == UInt8(ascii: "\"") {
                position += 1
                break
            }
            if b == UInt8(ascii: "\\") {
                position += 1
                guard let e = peek() else { throw error("unterminated escape") }
                position += 1
                switch e {
                case UInt8(ascii: "\""): utf8.append(0x22)
                case UInt8(ascii: "\\"): utf8.append(0x5C)
                case UInt8(ascii: "/"): utf8.append(0x2F)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    let escapeStart = position - 2
                    var scalar = try parseHex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        if position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") {
                            let save = position
                            position += 2
                            let low = try parseHex4()
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
                    for unit in UTF8.encode(Unicode.Scalar(scalar)!)! { utf8.append(unit) }
                default:
                    throw JSONSyntaxError(offset: position - 2, message: "invalid escape '\\\(Character(UnicodeScalar(e)))'")
                }
                continue
            }
            if b < 0x20 { noteProblem("raw control character in a string", at: position) }
            utf8.append(b)
            position += 1
        }
        return utf8.withUnsafeBytes { makeString($0, ascii: false, offset: start) }
    }

    /// Each byte's hex value, 0xFF for a byte that is not a hex digit.
    private static let hexDigits: [UInt8] = (0..<256).map { b in
        switch UInt8(b) {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt8(b) - 0x30
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt8(b) - 0x61 + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt8(b) - 0x41 + 10
        default: 0xFF
        }
    }

    private mutating func makeString(_ raw: UnsafeRawBufferPointer, ascii: Bool, offset: Int) -> String {
        if ascii { return String(decoding: raw, as: UTF8.self) }
        if let valid = String(validating: raw, as: UTF8.self) { return valid }
        noteProblem("invalid UTF-8 in a string", at: offset)
        return String(decoding: raw, as: UTF8.self)
    }

    private mutating func parseHex4() throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw error("unterminated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let digit = Self.hexDigits[Int(bytes[position])]
            if digit == 0xFF { throw error("invalid hex digit in a \\u escape") }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }
}
