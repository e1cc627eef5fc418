/// Reads Python literals (what `repr` of dicts, lists and strings prints, as `ast.literal_eval`
/// accepts) into JSON values: datasets such as LooGLE store `qa_pairs` this way.
///
/// Supported: dicts, lists, tuples (as arrays), strings in `'`, `"` and triple quotes with
/// the `r`/`u` prefixes and Python's escapes, adjacent-string concatenation, ints, floats,
/// `True`, `False`, `None`. Dict keys that are not strings are written as their text.
public struct PythonLiteralParser {
    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0
    private static let maxDepth = 512

    public init(_ text: String) {
        bytes = Array(text.utf8)
    }

    /// Parses the whole text as one literal; throws with the byte offset of the first problem.
    public mutating func parse() throws(PythonLiteralError) -> JSONValue {
        let value = try parseValue()
        skipSpace()
        if index < bytes.count { throw fail("unexpected text after the literal") }
        return value
    }

    private func fail(_ message: String) -> PythonLiteralError {
        PythonLiteralError(message: message, offset: index)
    }

    private mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            case UInt8(ascii: "\\") where index + 1 < bytes.count && bytes[index + 1] == 0x0A: index += 2
            default: return
            }
        }
    }

    private mutating func parseValue() throws(PythonLiteralError) -> JSONValue {
        skipSpace()
        guard index < bytes.count else { throw fail("unexpected end, expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseDict()
        case UInt8(ascii: "["): return .array(try parseSequence(close: UInt8(ascii: "]")))
        case UInt8(ascii: "("): return .array(try parseSequence(close: UInt8(ascii: ")")))
        case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try parseStrings())
        case UInt8(ascii: "r"), UInt8(ascii: "R"), UInt8(ascii: "u"), UInt8(ascii: "U"):
            if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "'") || bytes[index + 1] == UInt8(ascii: "\"") {
                return .string(try parseStrings())
            }
            return try parseName()
        case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseNumber()
        default:
            return try parseName()
        }
    }

    private mutating func enter() throws(PythonLiteralError) {
        depth += 1
        if depth > Self.maxDepth { throw fail("nested deeper than \(Self.maxDepth) levels") }
    }

    private mutating func parseSequence(close: UInt8) throws(PythonLiteralError) -> [JSONValue] {
        try enter()
        defer { depth -= 1 }
        index += 1
        var items: [JSONValue] = []
        while true {
            skipSpace()
            guard index < bytes.count else { throw fail("unexpected end inside a list") }
            if bytes[index] == close { index += 1; return items }
            items.append(try parseValue())
            skipSpace()
            guard index < bytes.count else { throw fail("unexpected end inside a list") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] != close { throw fail("expected ',' or '\(Character(Unicode.Scalar(close)))'") }
        }
    }

    private mutating func parseDict() throws(PythonLiteralError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        index += 1
        var object = JSONObject()
        while true {
            skipSpace()
            guard index < bytes.count else { throw fail("unexpected end inside a dict") }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(object) }
            let key: String
            switch try parseValue() {
            case .string(let s): key = s
            case .number(let n): key = n == n.rounded() && abs(n) < 1e15 ? String(Int(n)) : String(n)
            case .bool(let b): key = b ? "True" : "False"
            case .null: key = "None"
            default: throw fail("a dict key must be a string, number, bool or None")
            }
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':' after a dict key") }
            index += 1
            object.set(key, try parseValue())
            skipSpace()
            guard index < bytes.count else { throw fail("unexpected end inside a dict") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] != UInt8(ascii: "}") { throw fail("expected ',' or '}'") }
        }
    }

    private mutating func parseName() throws(PythonLiteralError) -> JSONValue {
        let start = index
        while index < bytes.count, bytes[index] == UInt8(ascii: "_") || (bytes[index] | 0x20) >= UInt8(ascii: "a") && (bytes[index] | 0x20) <= UInt8(ascii: "z") {
            index += 1
        }
        switch String(decoding: bytes[start..<index], as: UTF8.self) {
        case "True": return .bool(true)
        case "False": return .bool(false)
        case "None": return .null
        case "": throw fail("unexpected character, expected a value")
        case let name:
            index = start
            throw fail("'\(name)' is not a literal (expected True, False, None, a number, string, list or dict)")
        }
    }

    private mutating func parseNumber() throws(PythonLiteralError) -> JSONValue {
        let start = index
        while index < bytes.count {
            let b = bytes[index]
            let numeric = (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: ".") || b == UInt8(ascii: "_")
                || b == UInt8(ascii: "e") || b == UInt8(ascii: "E")
                || ((b == UInt8(ascii: "-") || b == UInt8(ascii: "+")) && (index == start || bytes[index - 1] | 0x20 == UInt8(ascii: "e")))
            guard numeric else { break }
            index += 1
        }
        let text = String(decoding: bytes[start..<index].filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)
        guard let value = Double(text) else {
            index = start
            throw fail("'\(text)' is not a number")
        }
        return .number(value)
    }

    /// One string literal, or several adjacent ones joined as Python joins them.
    private mutating func parseStrings() throws(PythonLiteralError) -> String {
        var bytesOut: [UInt8] = []
        repeat {
            try parseString(into: &bytesOut)
            skipSpace()
        } while index < bytes.count && startsString()
        guard let text = String(validating: bytesOut, as: UTF8.self) else {
            throw fail("the string is not valid UTF-8")
        }
        return text
    }

    private func startsString() -> Bool {
        let b = bytes[index]
        if b == UInt8(ascii: "'") || b == UInt8(ascii: "\"") { return true }
        let prefix = b | 0x20
        return (prefix == UInt8(ascii: "r") || prefix == UInt8(ascii: "u")) && index + 1 < bytes.count
            && (bytes[index + 1] == UInt8(ascii: "'") || bytes[index + 1] == UInt8(ascii: "\""))
    }

    private mutating func parseString(into out: inout [UInt8]) throws(PythonLiteralError) {
        var raw = false
        if bytes[index] | 0x20 == UInt8(ascii: "r") { raw = true; index += 1 }
        else if bytes[index] | 0x20 == UInt8(ascii: "u") { index += 1 }
        let quote = bytes[index]
        let triple = index + 2 < bytes.count && bytes[index + 1] == quote && bytes[index + 2] == quote
        index += triple ? 3 : 1
        while true {
            guard index < bytes.count else { throw fail("unterminated string") }
            let b = bytes[index]
            if b == quote {
                if !triple { index += 1; return }
                if index + 2 < bytes.count && bytes[index + 1] == quote && bytes[index + 2] == quote { index += 3; return }
                out.append(b)
                index += 1
            } else if b == 0x0A && !triple {
                throw fail("newline inside a single-quoted string")
            } else if b == UInt8(ascii: "\\") {
                guard index + 1 < bytes.count else { throw fail("unterminated string") }
                if raw {
                    out.append(b)
                    out.append(bytes[index + 1])
                    index += 2
                } else {
                    try parseEscape(into: &out)
                }
            } else {
                out.append(b)
                index += 1
            }
        }
    }

    private mutating func parseEscape(into out: inout [UInt8]) throws(PythonLiteralError) {
        let e = bytes[index + 1]
        index += 2
        switch e {
        case 0x0A: break
        case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): out.append(e)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "a"): out.append(0x07)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "v"): out.append(0x0B)
        case UInt8(ascii: "x"): try appendScalar(hexDigits: 2, into: &out)
        case UInt8(ascii: "u"): try appendScalar(hexDigits: 4, into: &out)
        case UInt8(ascii: "U"): try appendScalar(hexDigits: 8, into: &out)
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            var value = UInt32(e - UInt8(ascii: "0"))
            var count = 1
            while count < 3, index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "7") {
                value = value * 8 + UInt32(bytes[index] - UInt8(ascii: "0"))
                index += 1
                count += 1
            }
            appendUTF8(Unicode.Scalar(value)!, into: &out)
        default:
            // Python keeps an unknown escape as written.
            out.append(UInt8(ascii: "\\"))
            out.append(e)
        }
    }

    private mutating func appendScalar(hexDigits: Int, into out: inout [UInt8]) throws(PythonLiteralError) {
        guard index + hexDigits <= bytes.count,
              let value = UInt32(String(decoding: bytes[index..<(index + hexDigits)], as: UTF8.self), radix: 16)
        else { throw fail("bad \\x, \\u or \\U escape: expected \(hexDigits) hex digits") }
        // A lone surrogate cannot be UTF-8; Python would keep it, JSON output cannot.
        guard let scalar = Unicode.Scalar(value) else { throw fail("escape \\u\(String(value, radix: 16)) is not a Unicode scalar") }
        index += hexDigits
        appendUTF8(scalar, into: &out)
    }

    private func appendUTF8(_ scalar: Unicode.Scalar, into out: inout [UInt8]) {
        out.append(contentsOf: UTF8.encode(scalar)!)
    }
}

/// Why a Python literal could not be read, and where.
public struct PythonLiteralError: Error, CustomStringConvertible {
    public var message: String
    /// 0-based byte offset into the literal.
    public var offset: Int
    public var description: String { "\(message) at byte \(offset + 1) of the literal" }
}
