import LongweaveIO
import Yams

/// The type of a key in a pipeline file.
public indirect enum ParameterType: Sendable {
    case integer(min: Int, max: Int)
    /// A finite decimal number within bounds (inclusive): `0.02`, `1e-3`.
    case number(min: Double, max: Double)
    case string
    case boolean
    /// One of a fixed set of words.
    case choice([String])
    /// A length in the split's unit: `16k` (16,000), `128k`, or a plain number.
    case length
    /// A byte size: `256MiB`, `1GiB`, `500MB`, `4096`.
    case byteSize
    /// The `id` of an input of the same pipeline file.
    case inputReference
    case list(ParameterType, nonEmpty: Bool)
    case mapping([ParameterSpec])
    /// A word of a fixed set, or a mapping of keys (`fit: all`, `fit: {model: qwen2}`).
    case choiceOrMapping([String], [ParameterSpec])

    /// How `list-stages` and error messages name the type.
    public var description: String {
        switch self {
        case let .integer(min, max):
            if max == Int.max { return min == Int.min ? "integer" : "integer >= \(min)" }
            return "integer \(min)...\(max)"
        case let .number(min, max): return "number \(ConfigValue.number(min).display)...\(ConfigValue.number(max).display)"
        case .string: return "string"
        case .boolean: return "true or false"
        case .choice(let words): return "one of " + words.joined(separator: "|")
        case .length: return "length (16k, 128k, 1000)"
        case .byteSize: return "size (256MiB, 1GiB, 4096)"
        case .inputReference: return "input id"
        case let .list(element, nonEmpty): return (nonEmpty ? "non-empty list of " : "list of ") + element.description
        case .mapping(let keys): return "mapping {" + keys.map(\.name).joined(separator: ", ") + "}"
        case let .choiceOrMapping(words, keys):
            return words.joined(separator: "|") + " or mapping {" + keys.map(\.name).joined(separator: ", ") + "}"
        }
    }
}

/// One key that a stage, format or section accepts.
public struct ParameterSpec: Sendable {
    public var name: String
    public var type: ParameterType
    /// The value used when the key is absent; nil makes the key required unless `optional`.
    public var defaultValue: ConfigValue?
    /// An absent optional key is left out of the validated mapping.
    public var optional: Bool
    /// One line for `list-stages`.
    public var doc: String

    public init(_ name: String, _ type: ParameterType, default defaultValue: ConfigValue? = nil, optional: Bool = false, doc: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.optional = optional
        self.doc = doc
    }
}

/// A validated value from a pipeline file, with defaults filled in.
public enum ConfigValue: Sendable, Equatable {
    case int(Int)
    case number(Double)
    case string(String)
    case bool(Bool)
    case list([ConfigValue])
    case mapping(ConfigMapping)

    /// The value of a `number` key (or an integer), else nil.
    public var numberValue: Double? {
        switch self {
        case .number(let d): d
        case .int(let i): Double(i)
        default: nil
        }
    }

    public var json: JSONValue {
        switch self {
        case .int(let i): .number(Double(i))
        case .number(let d): .number(d)
        case .string(let s): .string(s)
        case .bool(let b): .bool(b)
        case .list(let items): .array(items.map(\.json))
        case .mapping(let m): .object(JSONObject(m.entries.map { ($0.0, $0.1.json) }))
        }
    }

    /// A short rendering for `list-stages` defaults.
    public var display: String {
        switch self {
        case .int(let i): String(i)
        case .number(let d): d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
        case .string(let s): s
        case .bool(let b): String(b)
        case .list(let items): "[" + items.map(\.display).joined(separator: ", ") + "]"
        case .mapping(let m): "{" + m.entries.map { "\($0.0): \($0.1.display)" }.joined(separator: ", ") + "}"
        }
    }
}

/// Validated keys in the order of their specs, every key present (defaults filled).
public struct ConfigMapping: Sendable, Equatable {
    public var entries: [(String, ConfigValue)]

    public init(_ entries: [(String, ConfigValue)]) {
        self.entries = entries
    }

    public subscript(key: String) -> ConfigValue? {
        entries.first { $0.0 == key }?.1
    }

    public func int(_ key: String) -> Int {
        guard case .int(let value) = self[key] else { preconditionFailure("validated key \(key) is not an integer") }
        return value
    }

    public func number(_ key: String) -> Double {
        guard case .number(let value) = self[key] else { preconditionFailure("validated key \(key) is not a number") }
        return value
    }

    public func string(_ key: String) -> String {
        guard case .string(let value) = self[key] else { preconditionFailure("validated key \(key) is not a string") }
        return value
    }

    public func bool(_ key: String) -> Bool {
        guard case .bool(let value) = self[key] else { preconditionFailure("validated key \(key) is not a boolean") }
        return value
    }

    public func list(_ key: String) -> [ConfigValue] {
        guard case .list(let value) = self[key] else { preconditionFailure("validated key \(key) is not a list") }
        return value
    }

    public func mapping(_ key: String) -> ConfigMapping {
        guard case .mapping(let value) = self[key] else { preconditionFailure("validated key \(key) is not a mapping") }
        return value
    }

    public static func == (lhs: ConfigMapping, rhs: ConfigMapping) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }
}

/// Parses the value syntaxes of pipeline files.
public enum ValueSyntax {
    /// `16k` → 16000, `128k` → 128000, `1000` → 1000; nil when malformed or not positive.
    public static func length(_ text: String) -> Int? {
        var digits = Substring(text)
        var multiplier = 1
        if digits.hasSuffix("k") {
            digits = digits.dropLast()
            multiplier = 1000
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
              let value = Int(digits), value > 0
        else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }

    /// The way levels are written in folder names: `16k` for multiples of 1000, else the number.
    public static func levelName(_ value: Int) -> String {
        value % 1000 == 0 ? "\(value / 1000)k" : String(value)
    }

    /// `256MiB` → 268435456, `500MB` → 500000000, `4096` → 4096; nil when malformed.
    public static func byteSize(_ text: String) -> Int? {
        let units: [(String, Int)] = [
            ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
            ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000), ("B", 1),
        ]
        var number = Substring(text.trimmingSpaces())
        var multiplier = 1
        for (suffix, value) in units where number.hasSuffix(suffix) {
            number = number.dropLast(suffix.count)
            multiplier = value
            break
        }
        number = Substring(String(number).trimmingSpaces())
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(number) else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}

/// Checks YAML nodes against parameter specs, collecting every problem.
public struct ConfigValidator {
    public let file: String
    /// Ids of the pipeline's inputs, for `inputReference` keys.
    public let inputIDs: [String]
    public private(set) var diagnostics: [Diagnostic] = []

    public init(file: String, inputIDs: [String]) {
        self.file = file
        self.inputIDs = inputIDs
    }

    public mutating func report(_ node: Node?, _ message: String, suggestion: String? = nil) {
        let mark = node?.mark
        diagnostics.append(Diagnostic(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0,
                                      message: message, suggestion: suggestion))
    }

    /// Validates a mapping node against `specs`; `context` names it in messages
    /// (`stage 'length_buckets'`). Returns nil when anything is wrong.
    public mutating func mapping(_ node: Node?, specs: [ParameterSpec], context: String, at parent: Node?) -> ConfigMapping? {
        var given: [(String, Node, Node)] = []  // name, key node, value node
        if let node {
            guard case .mapping(let mapping) = node else {
                if case .scalar(let s) = node, s.string.isEmpty || s.string == "~" || s.string == "null" {
                    return fill(given: [], specs: specs, context: context, at: node)
                }
                report(node, "\(context): expected a mapping of keys, found \(describe(node))")
                return nil
            }
            for (keyNode, valueNode) in mapping {
                guard let key = keyNode.string else {
                    report(keyNode, "\(context): expected a key name")
                    continue
                }
                if given.contains(where: { $0.0 == key }) {
                    report(keyNode, "\(context): key '\(key)' is given twice")
                    continue
                }
                given.append((key, keyNode, valueNode))
            }
        }
        return fill(given: given, specs: specs, context: context, at: node ?? parent)
    }

    private mutating func fill(given: [(String, Node, Node)], specs: [ParameterSpec], context: String, at node: Node?) -> ConfigMapping? {
        let before = diagnostics.count
        for (key, keyNode, _) in given where !specs.contains(where: { $0.name == key }) {
            let names = specs.map(\.name)
            report(keyNode, "\(context): unknown key '\(key)', expected one of: \(names.joined(separator: ", "))",
                   suggestion: Suggestion.closest(to: key, in: names))
        }
        var entries: [(String, ConfigValue)] = []
        for spec in specs {
            if let (_, _, valueNode) = given.first(where: { $0.0 == spec.name }) {
                let nested: String
                if case .mapping = spec.type { nested = "\(context).\(spec.name)" } else { nested = "\(context) key '\(spec.name)'" }
                if let value = self.value(valueNode, type: spec.type, context: nested) {
                    entries.append((spec.name, value))
                }
            } else if let defaultValue = spec.defaultValue {
                entries.append((spec.name, defaultValue))
            } else if !spec.optional {
                report(node, "\(context): missing required key '\(spec.name)' (\(spec.type.description))")
            }
        }
        return diagnostics.count == before ? ConfigMapping(entries) : nil
    }

    private func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s): "'\(s.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// Validates one value node against a type.
    public mutating func value(_ node: Node, type: ParameterType, context: String) -> ConfigValue? {
        func scalarText() -> String? {
            if case .scalar(let s) = node { return s.string }
            return nil
        }
        switch type {
        case let .integer(min, max):
            guard let text = scalarText(), case .scalar(let s) = node, s.style == .plain, let value = Int(text) else {
                report(node, "\(context): expected \(type.description), found \(describe(node))")
                return nil
            }
            guard value >= min && value <= max else {
                report(node, "\(context): expected \(type.description), found \(value)")
                return nil
            }
            return .int(value)
        case let .number(min, max):
            guard let text = scalarText(), case .scalar(let s) = node, s.style == .plain, let value = Double(text), value.isFinite else {
                report(node, "\(context): expected \(type.description), found \(describe(node))")
                return nil
            }
            guard value >= min && value <= max else {
                report(node, "\(context): expected \(type.description), found \(text)")
                return nil
            }
            return .number(value)
        case .string:
            guard let text = scalarText(), !text.isEmpty else {
                report(node, "\(context): expected a non-empty string, found \(describe(node))")
                return nil
            }
            return .string(text)
        case .boolean:
            guard let text = scalarText(), text == "true" || text == "false" else {
                report(node, "\(context): expected true or false, found \(describe(node))")
                return nil
            }
            return .bool(text == "true")
        case .choice(let words):
            guard let text = scalarText(), words.contains(text) else {
                let found = scalarText() ?? ""
                report(node, "\(context): expected \(type.description), found \(describe(node))",
                       suggestion: Suggestion.closest(to: found, in: words))
                return nil
            }
            return .string(text)
        case .length:
            guard let text = scalarText(), let value = ValueSyntax.length(text) else {
                report(node, "\(context): expected a positive length like 16k, 128k or 1000, found \(describe(node))")
                return nil
            }
            return .int(value)
        case .byteSize:
            guard let text = scalarText(), let value = ValueSyntax.byteSize(text), value > 0 else {
                report(node, "\(context): expected a positive size like 256MiB, 1GiB or 4096, found \(describe(node))")
                return nil
            }
            return .int(value)
        case .inputReference:
            guard let text = scalarText(), inputIDs.contains(text) else {
                let found = scalarText() ?? ""
                report(node, "\(context): expected the id of an input (\(inputIDs.joined(separator: ", "))), found \(describe(node))",
                       suggestion: Suggestion.closest(to: found, in: inputIDs))
                return nil
            }
            return .string(text)
        case let .list(element, nonEmpty):
            guard case .sequence(let sequence) = node else {
                report(node, "\(context): expected \(type.description), found \(describe(node))")
                return nil
            }
            if nonEmpty && sequence.isEmpty {
                report(node, "\(context): expected \(type.description), found an empty list")
                return nil
            }
            var items: [ConfigValue] = []
            var ok = true
            for item in sequence {
                if let value = value(item, type: element, context: context) { items.append(value) } else { ok = false }
            }
            return ok ? .list(items) : nil
        case .mapping(let specs):
            return mapping(node, specs: specs, context: context, at: node).map { .mapping($0) }
        case let .choiceOrMapping(words, specs):
            if case .mapping = node { return mapping(node, specs: specs, context: context, at: node).map { .mapping($0) } }
            return value(node, type: .choice(words), context: context)
        }
    }
}
