/// The type of a JSON value, read from its first byte.
public enum JSONKind: Sendable, Equatable {
    case null, bool, number, string, array, object
}

/// Pull reading: a format reader walks the document member by member and builds only
/// the values it keeps, instead of a whole tree it mostly throws away (SQuAD's answer
/// offsets, duplicate answers, fields no sample uses).
///
/// Each `member`/`element` callback must consume exactly one value: with `readValue`,
/// `readString`, `skipValue`, `readObject` or `readArray`. Problems that leave the
/// structure readable are collected in `recordProblem`, as with `parseDocument`.
extension JSONParser {
    /// Skips whitespace before the first value; call once before reading a document.
    public mutating func beginDocument() {
        recordProblem = nil
        skipWhitespace()
    }

    /// Checks that nothing but whitespace follows the value, and throws the first problem
    /// that was recorded while reading.
    public mutating func finishDocument() throws {
        try expectEnd()
        if let problem = recordProblem { throw problem }
    }

    /// The kind of the next value, without consuming it; nil at the end of the input or
    /// before a byte that cannot start a value.
    public mutating func nextKind() -> JSONKind? {
        skipWhitespace()
        guard let first = peek() else { return nil }
        switch first {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "N"), UInt8(ascii: "I"): return .number
        default: return nil
        }
    }

    /// The next value, built in full.
    public mutating func readValue() throws -> JSONValue {
        skipWhitespace()
        return try parseValue()
    }

    /// The next value when it is a string; any other value is skipped and gives nil.
    public mutating func readString() throws -> String? {
        guard nextKind() == .string else {
            try skipValue()
            return nil
        }
        return try parseString()
    }

    /// The next value when it is a string, decoded as UTF-8 into `buffer[..<count]` without
    /// making a `String`: the count. Any other value is skipped and gives nil. `buffer` is
    /// reused from call to call and grows to the longest string. Invalid UTF-8 and lone
    /// surrogates are recorded as problems, as when a string is read.
    public mutating func readString(into buffer: inout [UInt8]) throws -> Int? {
        guard nextKind() == .string else {
            try skipValue()
            return nil
        }
        position += 1
        let start = position
        let (count, plainASCII) = try decodeStringBody(into: &buffer, stringStart: start)
        // Escapes decode to whole characters, so the decoded bytes are valid exactly when the
        // raw ones are, and surely so when those are ASCII.
        if !plainASCII, !buffer.withUnsafeBytes({ UTF8Validation.isValid(UnsafeRawBufferPointer(rebasing: $0[..<count])) }) {
            noteProblem("invalid UTF-8 in a string", at: start)
        }
        return count
    }

    /// Reads an object, calling `member` with each key; `member` consumes the value.
    /// Throws when the next value is not an object.
    public mutating func readObject(_ member: (inout JSONParser, String) throws -> Void) throws {
        guard nextKind() == .object else { throw error("expected an object") }
        try enterContainer()
        defer { depth -= 1 }
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            position += 1
            return
        }
        while true {
            let key = try parseMemberKey()
            try member(&self, key)
            guard try containerContinues(close: UInt8(ascii: "}"), in: "an object") else { return }
        }
    }

    /// Reads an array, calling `element` for each element; `element` consumes it.
    /// Throws when the next value is not an array.
    public mutating func readArray(_ element: (inout JSONParser) throws -> Void) throws {
        guard nextKind() == .array else { throw error("expected an array") }
        try enterContainer()
        defer { depth -= 1 }
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            position += 1
            return
        }
        while true {
            try element(&self)
            guard try containerContinues(close: UInt8(ascii: "]"), in: "an array") else { return }
        }
    }

    /// Passes over the next value without building it; its syntax is still checked and
    /// its strings' escapes and UTF-8 still checked (a problem is recorded as when it is read).
    public mutating func skipValue() throws {
        switch nextKind() {
        case .object?:
            try readObject { parser, _ in try parser.skipValue() }
        case .array?:
            try readArray { parser in try parser.skipValue() }
        case .string?:
            try skipString()
        case .number? where peek() != UInt8(ascii: "N") && peek() != UInt8(ascii: "I"):
            _ = try scanNumber()
        default:
            _ = try parseValue()
        }
    }

    private mutating func enterContainer() throws {
        position += 1
        depth += 1
        if depth > Self.maxDepth {
            depth -= 1
            throw error("nesting deeper than \(Self.maxDepth) levels")
        }
    }

    /// A string's extent, escapes and UTF-8 checked, without making the `String`.
    private mutating func skipString() throws {
        position += 1
        let start = position
        var allASCII = true
        while true {
            scanPlainBytes(allASCII: &allASCII)
            guard position < bytes.count else { throw JSONSyntaxError(offset: start - 1, message: "unterminated string") }
            let b = bytes[position]
            if b == UInt8(ascii: "\"") { break }
            if b == UInt8(ascii: "\\") {
                guard position + 1 < bytes.count else { throw error("unterminated escape") }
                switch bytes[position + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                     UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    position += 2
                case UInt8(ascii: "u"):
                    position += 2
                    _ = try parseHex4(end: bytes.count)
                default:
                    throw JSONSyntaxError(offset: position, message: "invalid escape '\\\(Character(UnicodeScalar(bytes[position + 1])))'")
                }
            }
        }
        // Escapes are ASCII, so the raw bytes are valid UTF-8 exactly when the text is.
        if !allASCII, !UTF8Validation.isValid(UnsafeRawBufferPointer(rebasing: bytes[start..<position])) {
            noteProblem("invalid UTF-8 in a string", at: start)
        }
        position += 1
    }
}
