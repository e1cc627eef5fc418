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

extension JSONValue {
    /// Parses one JSON Lines line; an error names the file and the line.
    public static func parse(line: UnsafeRawBufferPointer, path: String, number: Int) throws -> JSONValue {
        var parser = JSONParser(bytes: line)
        do {
            return try parser.parseDocument()
        } catch {
            throw IOError(path: path, "line \(number): \(error)")
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
    var scratch: [UInt8] = []
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
        // A leading zero stands alone (`0123` is not JSON; Python refuses it too).
        if peek() == UInt8(ascii: "0") {
            position += 1
            if isDigit(peek()) { throw error("invalid number: a leading zero") }
        }
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

}
