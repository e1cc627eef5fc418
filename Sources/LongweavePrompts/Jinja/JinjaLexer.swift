import Foundation

/// A problem with a chat template: where (a line of the template) and what, so that a
/// template with a feature longweave does not implement is refused, never rendered wrongly.
public struct ChatTemplateError: Error, Sendable, CustomStringConvertible {
    /// The template's line (1-based), 0 when the problem is not at one place.
    public var line: Int
    public var message: String

    public init(line: Int, _ message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "template line \(line): \(message)" : message }
}

/// One token inside a `{{ }}` or `{% %}` tag.
enum JinjaToken: Sendable, Equatable {
    case name(String)
    case string(String)
    case int(Int)
    case double(Double)
    case symbol(String)
}

/// The template cut into text and tags, with Jinja2's whitespace control applied the way
/// `transformers` sets it up for chat templates (`trim_blocks` and `lstrip_blocks` on):
/// `{%-`/`-%}` strip whitespace beside a tag, a block tag alone on its line takes the line's
/// indentation and its newline with it, and `{%+`/`+%}` turn that off.
enum JinjaLexer {
    enum Piece: Sendable, Equatable {
        case text(String)
        case output([JinjaToken], line: Int)
        case statement([JinjaToken], line: Int)
    }

    private enum Kind { case output, statement, comment }

    private struct Tag {
        var kind: Kind
        var body: [UInt8]
        var line: Int
        var stripBefore = false, keepBefore = false
        var stripAfter = false, keepAfter = false
    }

    private enum Raw {
        case text([UInt8])
        case tag(Tag)
    }

    static func lex(_ template: String) throws(ChatTemplateError) -> [Piece] {
        let bytes = Array(template.utf8)
        var raws: [Raw] = []
        var text: [UInt8] = []
        var line = 1
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            guard byte == UInt8(ascii: "{"), i + 1 < bytes.count,
                  let kind: Kind = switch bytes[i + 1] {
                      case UInt8(ascii: "{"): .output
                      case UInt8(ascii: "%"): .statement
                      case UInt8(ascii: "#"): .comment
                      default: nil
                  }
            else {
                if byte == 0x0A { line += 1 }
                text.append(byte)
                i += 1
                continue
            }
            raws.append(.text(text))
            text = []
            var tag = Tag(kind: kind, body: [], line: line)
            var start = i + 2
            if start < bytes.count, bytes[start] == UInt8(ascii: "-") { tag.stripBefore = true; start += 1 }
            else if start < bytes.count, bytes[start] == UInt8(ascii: "+"), kind != .output { tag.keepBefore = true; start += 1 }
            let close: [UInt8] = switch kind {
                case .output: Array("}}".utf8)
                case .statement: Array("%}".utf8)
                case .comment: Array("#}".utf8)
            }
            guard let end = findClose(close, in: bytes, from: start, skipStrings: kind != .comment) else {
                throw ChatTemplateError(line: line, "a tag opened here is never closed (expected '\(String(decoding: close, as: UTF8.self))')")
            }
            var bodyEnd = end
            if bodyEnd > start, bytes[bodyEnd - 1] == UInt8(ascii: "-") { tag.stripAfter = true; bodyEnd -= 1 }
            else if bodyEnd > start, bytes[bodyEnd - 1] == UInt8(ascii: "+"), kind != .output { tag.keepAfter = true; bodyEnd -= 1 }
            tag.body = Array(bytes[start..<bodyEnd])
            line += tag.body.count { $0 == 0x0A }
            raws.append(.tag(tag))
            i = end + 2
        }
        raws.append(.text(text))
        return try pieces(raws)
    }

    /// The end of a tag: `close` outside any quoted string.
    private static func findClose(_ close: [UInt8], in bytes: [UInt8], from start: Int, skipStrings: Bool) -> Int? {
        var i = start
        var quote: UInt8?
        while i + 1 < bytes.count {
            let byte = bytes[i]
            if let open = quote {
                if byte == UInt8(ascii: "\\") { i += 2; continue }
                if byte == open { quote = nil }
            } else if skipStrings && (byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"")) {
                quote = byte
            } else if byte == close[0] && bytes[i + 1] == close[1] {
                return i
            }
            i += 1
        }
        return nil
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C
    }

    /// Applies whitespace control to the texts between tags, then tokenizes the tags.
    private static func pieces(_ raws: [Raw]) throws(ChatTemplateError) -> [Piece] {
        // lstrip_blocks looks at the source: only spaces and tabs between a line's start (or
        // the template's) and the block tag, whatever the tag before it strips.
        var lineStartTags = Set<Int>()
        for k in raws.indices {
            guard case .tag(let tag) = raws[k], tag.kind != .output, !tag.stripBefore, !tag.keepBefore,
                  k > 0, case .text(let before) = raws[k - 1] else { continue }
            var cut = before.count
            while cut > 0, before[cut - 1] == 0x20 || before[cut - 1] == 0x09 { cut -= 1 }
            if cut == 0 ? k == 1 : before[cut - 1] == 0x0A { lineStartTags.insert(k) }
        }
        var raws = raws
        for k in raws.indices {
            guard case .tag(let tag) = raws[k] else { continue }
            let isBlock = tag.kind != .output
            if k > 0, case .text(var before) = raws[k - 1] {
                if tag.stripBefore {
                    while let last = before.last, isSpace(last) { before.removeLast() }
                } else if lineStartTags.contains(k) {
                    while let last = before.last, last == 0x20 || last == 0x09 { before.removeLast() }
                }
                raws[k - 1] = .text(before)
            }
            if k + 1 < raws.count, case .text(var after) = raws[k + 1] {
                if tag.stripAfter {
                    after = Array(after.drop(while: isSpace))
                } else if isBlock && !tag.keepAfter && after.first == 0x0A {
                    // trim_blocks: the first newline after a block tag.
                    after.removeFirst()
                }
                raws[k + 1] = .text(after)
            }
        }
        var pieces: [Piece] = []
        for raw in raws {
            switch raw {
            case .text(let bytes):
                if !bytes.isEmpty { pieces.append(.text(String(decoding: bytes, as: UTF8.self))) }
            case .tag(let tag):
                switch tag.kind {
                case .comment: break
                case .output: pieces.append(.output(try tokens(tag.body, line: tag.line), line: tag.line))
                case .statement: pieces.append(.statement(try tokens(tag.body, line: tag.line), line: tag.line))
                }
            }
        }
        return pieces
    }

    private static let symbols = ["**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=",
                                  "(", ")", "[", "]", "{", "}", ",", ".", ":", "|"]

    /// The tokens of a tag's body.
    static func tokens(_ body: [UInt8], line: Int) throws(ChatTemplateError) -> [JinjaToken] {
        var tokens: [JinjaToken] = []
        var i = 0
        var line = line
        func isNameByte(_ byte: UInt8) -> Bool {
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x5F
        }
        while i < body.count {
            let byte = body[i]
            if isSpace(byte) {
                if byte == 0x0A { line += 1 }
                i += 1
                continue
            }
            if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                var value: [UInt8] = []
                var j = i + 1
                while j < body.count && body[j] != byte {
                    if body[j] == UInt8(ascii: "\\"), j + 1 < body.count {
                        j += 1
                        switch body[j] {
                        case UInt8(ascii: "n"): value.append(0x0A)
                        case UInt8(ascii: "t"): value.append(0x09)
                        case UInt8(ascii: "r"): value.append(0x0D)
                        case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): value.append(body[j])
                        default:
                            throw ChatTemplateError(line: line, "the string escape '\\\(String(UnicodeScalar(body[j])))' is not implemented by longweave (implemented: \\n \\t \\r \\\\ \\' \\\")")
                        }
                    } else {
                        value.append(body[j])
                    }
                    j += 1
                }
                guard j < body.count else { throw ChatTemplateError(line: line, "a string is never closed") }
                tokens.append(.string(String(decoding: value, as: UTF8.self)))
                i = j + 1
                continue
            }
            if byte >= 0x30 && byte <= 0x39 {
                var j = i
                while j < body.count, (body[j] >= 0x30 && body[j] <= 0x39) || body[j] == UInt8(ascii: "_") { j += 1 }
                var isFloat = false
                if j + 1 < body.count, body[j] == UInt8(ascii: "."), body[j + 1] >= 0x30 && body[j + 1] <= 0x39 {
                    isFloat = true
                    j += 1
                    while j < body.count, body[j] >= 0x30 && body[j] <= 0x39 { j += 1 }
                }
                let text = String(decoding: body[i..<j], as: UTF8.self).replacingOccurrences(of: "_", with: "")
                if isFloat, let value = Double(text) { tokens.append(.double(value)) }
                else if let value = Int(text) { tokens.append(.int(value)) }
                else { throw ChatTemplateError(line: line, "the number '\(text)' is out of range") }
                i = j
                continue
            }
            if isNameByte(byte) {
                var j = i
                while j < body.count, isNameByte(body[j]) { j += 1 }
                tokens.append(.name(String(decoding: body[i..<j], as: UTF8.self)))
                i = j
                continue
            }
            guard let symbol = symbols.first(where: { body[i...].starts(with: $0.utf8) }) else {
                throw ChatTemplateError(line: line, "unexpected character '\(String(decoding: body[i..<min(i + 1, body.count)], as: UTF8.self))'")
            }
            tokens.append(.symbol(symbol))
            i += symbol.utf8.count
        }
        return tokens
    }
}
