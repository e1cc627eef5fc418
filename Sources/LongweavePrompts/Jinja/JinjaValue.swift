/// A value while a chat template renders: what Python gives a Jinja2 template, as far as
/// chat templates use it. Dictionaries keep their keys in order, as Python's do.
enum JinjaValue: Sendable, Equatable {
    case undefined
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([JinjaValue])
    case dict([(String, JinjaValue)])
    /// A `namespace(...)` object, by its slot in the renderer (its attributes can be set).
    case namespace(Int)
    /// A `loop` object of a for loop: position and neighbours.
    case loop(LoopState)
    /// A global function (`namespace`, `raise_exception`, `range`).
    case function(String)
    /// A method looked up on a value, waiting for its call: `message.content.startswith`.
    indirect case method(JinjaValue, String)

    struct LoopState: Sendable, Equatable {
        var index0: Int
        var items: [JinjaValue]
    }

    static func == (a: JinjaValue, b: JinjaValue) -> Bool {
        switch (a, b) {
        case (.undefined, .undefined), (.none, .none): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.list(x), .list(y)): return x == y
        case let (.dict(x), .dict(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.namespace(x), .namespace(y)): return x == y
        case let (.loop(x), .loop(y)): return x == y
        case let (.function(x), .function(y)): return x == y
        case let (.method(x, m), .method(y, n)): return x == y && m == n
        default:
            // Python compares numbers by value: True == 1, 1 == 1.0.
            if let x = a.number, let y = b.number { return x == y }
            return false
        }
    }

    /// The value as a number, for arithmetic and comparison (Python's bool is an int).
    var number: Double? {
        switch self {
        case .int(let value): Double(value)
        case .double(let value): value
        case .bool(let value): value ? 1 : 0
        default: nil
        }
    }

    /// Python's truth value.
    var isTruthy: Bool {
        switch self {
        case .undefined, .none: false
        case .bool(let value): value
        case .int(let value): value != 0
        case .double(let value): value != 0
        case .string(let value): !value.isEmpty
        case .list(let value): !value.isEmpty
        case .dict(let value): !value.isEmpty
        case .namespace, .loop, .function, .method: true
        }
    }

    /// The type name as Python would say it, for messages.
    var typeName: String {
        switch self {
        case .undefined: "undefined"
        case .none: "NoneType"
        case .bool: "bool"
        case .int: "int"
        case .double: "float"
        case .string: "str"
        case .list: "list"
        case .dict: "dict"
        case .namespace: "Namespace"
        case .loop: "LoopContext"
        case .function, .method: "function"
        }
    }

    /// What `{{ value }}` writes: Python's `str()`, and nothing for an undefined value.
    var rendered: String {
        switch self {
        case .undefined: ""
        case .string(let value): value
        default: pythonRepr
        }
    }

    /// Python's `repr()`: strings quoted, as a list or dict prints them.
    var pythonRepr: String {
        switch self {
        case .undefined: return ""
        case .none: return "None"
        case .bool(let value): return value ? "True" : "False"
        case .int(let value): return String(value)
        case .double(let value):
            if value.isNaN { return "nan" }
            if value.isInfinite { return value > 0 ? "inf" : "-inf" }
            return value == value.rounded() && abs(value) < 1e16 ? String(Int(value)) + ".0" : "\(value)"
        case .string(let value): return Self.quoted(value)
        case .list(let items): return "[" + items.map(\.pythonRepr).joined(separator: ", ") + "]"
        case .dict(let pairs): return "{" + pairs.map { Self.quoted($0.0) + ": " + $0.1.pythonRepr }.joined(separator: ", ") + "}"
        case .namespace: return "<Namespace>"
        case .loop: return "<LoopContext>"
        case .function(let name): return "<function \(name)>"
        case .method(_, let name): return "<method \(name)>"
        }
    }

    /// Python's quoting of a string: single quotes unless the string holds one and no double.
    static func quoted(_ text: String) -> String {
        let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where Character(scalar) == quote: out += "\\" + String(quote)
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + String(quote)
    }

    /// The dictionary's value for `key`.
    func lookup(_ key: String) -> JinjaValue? {
        guard case .dict(let pairs) = self else { return nil }
        return pairs.first { $0.0 == key }?.1
    }
}

