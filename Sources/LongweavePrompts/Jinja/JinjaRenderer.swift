import Foundation
import LongweaveIO

/// Renders a parsed template with Jinja2's semantics for the features chat templates use:
/// Python truth and comparison, undefined names that render as nothing, `loop`, `namespace`,
/// scoped `set`, and the filters, tests and string methods listed below. Anything else stops
/// the rendering with an error that names it.
struct JinjaRenderer {
    static let filters = ["length", "count", "tojson", "trim", "upper", "lower", "string", "join", "first", "last",
                          "default", "d", "list", "safe", "items", "capitalize", "reverse"]
    static let tests = ["defined", "undefined", "none", "string", "number", "integer", "float", "boolean", "mapping",
                        "iterable", "sequence", "true", "false", "eq", "equalto", "ne"]
    static let stringMethods = ["startswith", "endswith", "strip", "lstrip", "rstrip", "split", "upper", "lower", "replace", "title", "capitalize"]
    static let dictMethods = ["items", "keys", "values", "get"]

    private var scopes: [[String: JinjaValue]]
    private var namespaces: [[(String, JinjaValue)]] = []
    private var output = ""
    private var line = 0
    /// A hostile template could loop a long prompt into terabytes: the page it writes, a list
    /// from `range()` and a repeated string are bounded.
    private let outputLimit: Int
    static let rangeLimit = 1_000_000
    static let repeatLimit = 1 << 26

    init(globals: [String: JinjaValue], outputLimit: Int = 1 << 30) {
        self.outputLimit = outputLimit
        var builtins: [String: JinjaValue] = [:]
        for name in ["namespace", "raise_exception", "range"] { builtins[name] = .function(name) }
        scopes = [builtins.merging(globals) { $1 }]
    }

    /// The template's text for `globals` (added to the built-in functions).
    static func render(_ nodes: [JinjaNode], globals: [String: JinjaValue], outputLimit: Int = 1 << 30) throws(ChatTemplateError) -> String {
        var renderer = JinjaRenderer(globals: globals, outputLimit: outputLimit)
        try renderer.run(nodes)
        return renderer.output
    }

    private func error(_ message: String) -> ChatTemplateError { ChatTemplateError(line: line, message) }

    private mutating func run(_ nodes: [JinjaNode]) throws(ChatTemplateError) {
        for node in nodes {
            switch node {
            case .text(let text):
                output += text
                try checkOutput()
            case .output(let expression, let line):
                self.line = line
                output += try evaluate(expression).rendered
                try checkOutput()
            case .branches(let arms, let otherwise, let line):
                self.line = line
                var taken = false
                for arm in arms where try evaluate(arm.condition).isTruthy {
                    try run(arm.body)
                    taken = true
                    break
                }
                if !taken { try run(otherwise) }
            case .loop(let targets, let iterable, let body, let line):
                self.line = line
                let items = try iterate(try evaluate(iterable))
                for (position, item) in items.enumerated() {
                    var scope: [String: JinjaValue] = ["loop": .loop(.init(index0: position, items: items))]
                    if targets.count == 1 {
                        scope[targets[0]] = item
                    } else {
                        guard case .list(let parts) = item, parts.count == targets.count else {
                            throw error("cannot unpack \(item.typeName) into \(targets.count) names")
                        }
                        for (name, part) in zip(targets, parts) { scope[name] = part }
                    }
                    // A loop's body has a scope of its own: what it sets does not outlive it.
                    scopes.append(scope)
                    defer { scopes.removeLast() }
                    try run(body)
                }
            case .set(let name, let attribute, let value, let line):
                self.line = line
                let result = try evaluate(value)
                if let attribute {
                    guard case .namespace(let slot) = lookup(name) else {
                        throw error("'\(name).\(attribute) = ...' needs '\(name)' to be a namespace()")
                    }
                    if let position = namespaces[slot].firstIndex(where: { $0.0 == attribute }) {
                        namespaces[slot][position].1 = result
                    } else {
                        namespaces[slot].append((attribute, result))
                    }
                } else {
                    scopes[scopes.count - 1][name] = result
                }
            }
        }
    }

    private func checkOutput() throws(ChatTemplateError) {
        if output.utf8.count > outputLimit {
            throw error("the template writes more than \(outputLimit) bytes for one prompt")
        }
    }

    private func lookup(_ name: String) -> JinjaValue {
        for scope in scopes.reversed() { if let value = scope[name] { return value } }
        return .undefined
    }

    /// The items a for loop walks: a list's, a dict's keys, a string's characters.
    private func iterate(_ value: JinjaValue) throws(ChatTemplateError) -> [JinjaValue] {
        switch value {
        case .list(let items): return items
        case .dict(let pairs): return pairs.map { .string($0.0) }
        case .string(let text): return text.map { .string(String($0)) }
        case .undefined: return []
        default: throw error("'\(value.typeName)' object is not iterable")
        }
    }

    private mutating func evaluate(_ expression: JinjaExpression) throws(ChatTemplateError) -> JinjaValue {
        switch expression {
        case .literal(let value): return value
        case .name(let name): return lookup(name)
        case .list(let items):
            var values: [JinjaValue] = []
            for item in items { values.append(try evaluate(item)) }
            return .list(values)
        case .dict(let pairs):
            var values: [(String, JinjaValue)] = []
            for (key, value) in pairs {
                guard case .string(let name) = try evaluate(key) else { throw error("dictionary keys other than strings are not implemented by longweave") }
                values.append((name, try evaluate(value)))
            }
            return .dict(values)
        case .attribute(let base, let name):
            return try attribute(try evaluate(base), name)
        case .index(let base, let key):
            return try item(try evaluate(base), try evaluate(key))
        case .slice(let base, let start, let stop, let step):
            return try slice(try evaluate(base), start: try start.map { e throws(ChatTemplateError) in try evaluate(e) },
                             stop: try stop.map { e throws(ChatTemplateError) in try evaluate(e) },
                             step: try step.map { e throws(ChatTemplateError) in try evaluate(e) })
        case .call(let callee, let arguments, let keywords):
            let function = try evaluate(callee)
            var values: [JinjaValue] = []
            for argument in arguments { values.append(try evaluate(argument)) }
            var named: [(String, JinjaValue)] = []
            for (name, value) in keywords { named.append((name, try evaluate(value))) }
            return try call(function, values, named)
        case .filter(let base, let name, let arguments, let keywords):
            let value = try evaluate(base)
            var values: [JinjaValue] = []
            for argument in arguments { values.append(try evaluate(argument)) }
            var named: [(String, JinjaValue)] = []
            for (key, argument) in keywords { named.append((key, try evaluate(argument))) }
            return try filter(name, value, values, named)
        case .test(let base, let name, let arguments, let negated):
            let value = try evaluate(base)
            var values: [JinjaValue] = []
            for argument in arguments { values.append(try evaluate(argument)) }
            return .bool(try test(name, value, values) != negated)
        case .not(let operand):
            return .bool(!(try evaluate(operand)).isTruthy)
        case .negate(let operand):
            switch try evaluate(operand) {
            case .int(let value): return .int(-value)
            case .double(let value): return .double(-value)
            case let other: throw error("bad operand type for unary -: '\(other.typeName)'")
            }
        case .and(let left, let right):
            let value = try evaluate(left)
            return value.isTruthy ? try evaluate(right) : value
        case .or(let left, let right):
            let value = try evaluate(left)
            return value.isTruthy ? value : try evaluate(right)
        case .binary(let op, let left, let right):
            return try binary(op, try evaluate(left), try evaluate(right))
        case .conditional(let value, let condition, let otherwise):
            if try evaluate(condition).isTruthy { return try evaluate(value) }
            return try otherwise.map { e throws(ChatTemplateError) in try evaluate(e) } ?? .undefined
        }
    }

    /// `base.name`: a method first, then a key, as Jinja2's `getattr` does for Python objects.
    private func attribute(_ base: JinjaValue, _ name: String) throws(ChatTemplateError) -> JinjaValue {
        switch base {
        case .dict:
            if Self.dictMethods.contains(name) { return .method(base, name) }
            return base.lookup(name) ?? .undefined
        case .string:
            if Self.stringMethods.contains(name) { return .method(base, name) }
            return .undefined
        case .namespace(let slot):
            return namespaces[slot].first { $0.0 == name }?.1 ?? .undefined
        case .loop(let state):
            let count = state.items.count
            switch name {
            case "index0": return .int(state.index0)
            case "index": return .int(state.index0 + 1)
            case "revindex": return .int(count - state.index0)
            case "revindex0": return .int(count - state.index0 - 1)
            case "first": return .bool(state.index0 == 0)
            case "last": return .bool(state.index0 == count - 1)
            case "length": return .int(count)
            case "previtem": return state.index0 > 0 ? state.items[state.index0 - 1] : .undefined
            case "nextitem": return state.index0 + 1 < count ? state.items[state.index0 + 1] : .undefined
            default: throw error("loop.\(name) is not implemented by longweave (implemented: index, index0, revindex, revindex0, first, last, length, previtem, nextitem)")
            }
        case .undefined:
            throw error("'\(name)' of an undefined value")
        default:
            return .undefined
        }
    }

    /// `base[key]`: a key or an index first, then an attribute, as Jinja2's `getitem` does.
    private func item(_ base: JinjaValue, _ key: JinjaValue) throws(ChatTemplateError) -> JinjaValue {
        switch (base, key) {
        case (.list(let items), .int(let position)):
            let index = position < 0 ? items.count + position : position
            return items.indices.contains(index) ? items[index] : .undefined
        case (.string(let text), .int(let position)):
            let characters = Array(text)
            let index = position < 0 ? characters.count + position : position
            return characters.indices.contains(index) ? .string(String(characters[index])) : .undefined
        case (.dict, .string(let name)):
            return base.lookup(name) ?? (Self.dictMethods.contains(name) ? .method(base, name) : .undefined)
        case (_, .string(let name)):
            return try attribute(base, name)
        case (.undefined, _):
            throw error("a subscript of an undefined value")
        default:
            return .undefined
        }
    }

    /// Python's slicing of a list or a string.
    private func slice(_ base: JinjaValue, start: JinjaValue?, stop: JinjaValue?, step: JinjaValue?) throws(ChatTemplateError) -> JinjaValue {
        func integer(_ value: JinjaValue?) throws(ChatTemplateError) -> Int? {
            switch value {
            case nil, .none?: return nil
            case .int(let number)?: return number
            default: throw error("slice indices must be integers or None")
            }
        }
        let stepValue = try integer(step) ?? 1
        guard stepValue != 0 else { throw error("slice step cannot be zero") }
        func indices(_ count: Int) throws(ChatTemplateError) -> [Int] {
            func clamp(_ value: Int?, _ fallback: Int, low: Int, high: Int) -> Int {
                guard var v = value else { return fallback }
                if v < 0 { v += count }
                return min(max(v, low), high)
            }
            if stepValue > 0 {
                let lower = clamp(try integer(start), 0, low: 0, high: count)
                let upper = clamp(try integer(stop), count, low: 0, high: count)
                return Array(stride(from: lower, to: upper, by: stepValue))
            }
            let upper = clamp(try integer(start), count - 1, low: -1, high: count - 1)
            let lower = clamp(try integer(stop), -1, low: -1, high: count - 1)
            return Array(stride(from: upper, to: lower, by: stepValue))
        }
        switch base {
        case .list(let items): return .list(try indices(items.count).map { items[$0] })
        case .string(let text):
            let characters = Array(text)
            return .string(String(try indices(characters.count).map { characters[$0] }))
        default: throw error("'\(base.typeName)' object cannot be sliced")
        }
    }

    private mutating func call(_ function: JinjaValue, _ arguments: [JinjaValue], _ keywords: [(String, JinjaValue)]) throws(ChatTemplateError) -> JinjaValue {
        switch function {
        case .function("namespace"):
            var attributes: [(String, JinjaValue)] = []
            for argument in arguments {
                guard case .dict(let pairs) = argument else { throw error("namespace() takes keyword arguments or a dict") }
                attributes += pairs
            }
            attributes += keywords
            namespaces.append(attributes)
            return .namespace(namespaces.count - 1)
        case .function("raise_exception"):
            throw error("the template raises an error: \(arguments.first?.rendered ?? "")")
        case .function("range"):
            let bounds = arguments.compactMap { if case .int(let value) = $0 { value } else { nil } }
            guard bounds.count == arguments.count, (1...3).contains(bounds.count) else { throw error("range() takes one to three integers") }
            let (low, high, step) = bounds.count == 1 ? (0, bounds[0], 1) : (bounds[0], bounds[1], bounds.count == 3 ? bounds[2] : 1)
            guard step != 0 else { throw error("range() step must not be zero") }
            // Counted before any item is made.
            let span = step > 0 ? high - low : low - high
            let count = span <= 0 ? 0 : (span - 1) / abs(step) + 1
            guard count <= Self.rangeLimit else { throw error("range() of more than \(Self.rangeLimit) items") }
            return .list(stride(from: low, to: high, by: step).map { .int($0) })
        case .method(let receiver, let name):
            return try method(receiver, name, arguments, keywords)
        case .undefined:
            throw error("a call of an undefined function (functions implemented by longweave: namespace, raise_exception, range; transformers' strftime_now is refused: it would make the prompt depend on the day)")
        default:
            throw error("'\(function.typeName)' object is not callable")
        }
    }

    private func method(_ receiver: JinjaValue, _ name: String, _ arguments: [JinjaValue], _ keywords: [(String, JinjaValue)]) throws(ChatTemplateError) -> JinjaValue {
        if !keywords.isEmpty { throw error("keyword arguments to \(name)() are not implemented by longweave") }
        if case .dict(let pairs) = receiver {
            switch name {
            case "items": return .list(pairs.map { .list([.string($0.0), $0.1]) })
            case "keys": return .list(pairs.map { .string($0.0) })
            case "values": return .list(pairs.map(\.1))
            default:
                guard case .string(let key)? = arguments.first else { throw error("get() takes a string key") }
                return receiver.lookup(key) ?? (arguments.count > 1 ? arguments[1] : .none)
            }
        }
        guard case .string(let text) = receiver else { throw error("\(name)() of a \(receiver.typeName)") }
        func stringArgument(_ position: Int) throws(ChatTemplateError) -> String? {
            guard position < arguments.count else { return nil }
            switch arguments[position] {
            case .string(let value): return value
            case .none: return nil
            default: throw error("\(name)() takes string arguments")
            }
        }
        switch name {
        case "startswith", "endswith":
            var prefixes: [String] = []
            switch arguments.first {
            case .string(let value)?: prefixes = [value]
            case .list(let items)?: prefixes = items.compactMap { if case .string(let value) = $0 { value } else { nil } }
            default: throw error("\(name)() takes a string or a tuple of strings")
            }
            let bytes = Array(text.utf8)
            return .bool(prefixes.contains { name == "startswith" ? bytes.starts(with: $0.utf8) : bytes.reversed().starts(with: $0.utf8.reversed()) })
        case "strip", "lstrip", "rstrip":
            return .string(Self.strip(text, characters: try stringArgument(0), leading: name != "rstrip", trailing: name != "lstrip"))
        case "split":
            let separator = try stringArgument(0)
            var limit = -1
            if arguments.count > 1 { guard case .int(let value) = arguments[1] else { throw error("split() takes an integer maxsplit") }; limit = value }
            return .list(try Self.split(text, separator: separator, limit: limit, line: line).map { .string($0) })
        case "upper": return .string(text.uppercased())
        case "lower": return .string(text.lowercased())
        case "title": return .string(text.capitalized)
        case "capitalize": return .string(text.prefix(1).uppercased() + text.dropFirst().lowercased())
        default:
            guard let old = try stringArgument(0), let new = try stringArgument(1) else { throw error("replace() takes two strings") }
            return .string(text.replacingOccurrences(of: old, with: new))
        }
    }

    /// Python's str.strip family: whitespace, or any of `characters`.
    static func strip(_ text: String, characters: String?, leading: Bool, trailing: Bool) -> String {
        let set = characters.map { Set($0.unicodeScalars) }
        func strippable(_ scalar: Unicode.Scalar) -> Bool { set?.contains(scalar) ?? scalar.properties.isWhitespace }
        var scalars = Substring(text).unicodeScalars[...]
        if leading { while let first = scalars.first, strippable(first) { scalars = scalars.dropFirst() } }
        if trailing { while let last = scalars.last, strippable(last) { scalars = scalars.dropLast() } }
        return String(String.UnicodeScalarView(scalars))
    }

    /// Python's str.split: on runs of whitespace without a separator, else on the separator.
    static func split(_ text: String, separator: String?, limit: Int, line: Int) throws(ChatTemplateError) -> [String] {
        guard let separator else {
            var parts: [String] = []
            var rest = Substring(text).drop { $0.isWhitespace }
            while !rest.isEmpty {
                if limit >= 0 && parts.count == limit { parts.append(String(rest)); break }
                let end = rest.firstIndex { $0.isWhitespace } ?? rest.endIndex
                parts.append(String(rest[..<end]))
                rest = rest[end...].drop { $0.isWhitespace }
            }
            return parts
        }
        guard !separator.isEmpty else { throw ChatTemplateError(line: line, "split(): empty separator") }
        var parts: [String] = []
        var rest = Substring(text)
        while let range = rest.range(of: separator), limit < 0 || parts.count < limit {
            parts.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        parts.append(String(rest))
        return parts
    }

    private func filter(_ name: String, _ value: JinjaValue, _ arguments: [JinjaValue], _ keywords: [(String, JinjaValue)]) throws(ChatTemplateError) -> JinjaValue {
        switch name {
        case "length", "count":
            switch value {
            case .string(let text): return .int(text.count)
            case .list(let items): return .int(items.count)
            case .dict(let pairs): return .int(pairs.count)
            case .undefined: return .int(0)
            default: throw error("object of type '\(value.typeName)' has no len()")
            }
        case "tojson":
            var indent: Int?
            if case .int(let value)? = arguments.first ?? keywords.first(where: { $0.0 == "indent" })?.1 { indent = value }
            return .string(try JSONText.render(value, indent: indent, line: line))
        case "trim": return .string(Self.strip(value.rendered, characters: nil, leading: true, trailing: true))
        case "upper": return .string(value.rendered.uppercased())
        case "lower": return .string(value.rendered.lowercased())
        case "capitalize": return .string(value.rendered.prefix(1).uppercased() + value.rendered.dropFirst().lowercased())
        case "string": return .string(value.rendered)
        case "safe": return value
        case "join":
            let separator = arguments.first?.rendered ?? ""
            return .string(try iterate(value).map(\.rendered).joined(separator: separator))
        case "first": return try iterate(value).first ?? .undefined
        case "last": return try iterate(value).last ?? .undefined
        case "list": return .list(try iterate(value))
        case "reverse":
            if case .string(let text) = value { return .string(String(text.reversed())) }
            return .list(try iterate(value).reversed())
        case "items":
            guard case .dict(let pairs) = value else { return .list([]) }
            return .list(pairs.map { .list([.string($0.0), $0.1]) })
        case "default", "d":
            let fallback = arguments.first ?? .string("")
            let boolean = (arguments.count > 1 ? arguments[1] : keywords.first { $0.0 == "boolean" }?.1)?.isTruthy ?? false
            if value == .undefined || (boolean && !value.isTruthy) { return fallback }
            return value
        default:
            throw error("the filter '\(name)' is not implemented by longweave (implemented: \(Self.filters.joined(separator: ", ")))")
        }
    }

    private func test(_ name: String, _ value: JinjaValue, _ arguments: [JinjaValue]) throws(ChatTemplateError) -> Bool {
        switch name {
        case "defined": return value != .undefined
        case "undefined": return value == .undefined
        case "none": return value == .none
        case "string": if case .string = value { return true } else { return false }
        case "number": if case .int = value { return true } else if case .double = value { return true } else { return false }
        case "integer": if case .int = value { return true } else { return false }
        case "float": if case .double = value { return true } else { return false }
        case "boolean": if case .bool = value { return true } else { return false }
        case "mapping": if case .dict = value { return true } else { return false }
        case "iterable", "sequence":
            switch value {
            case .list, .dict, .string: return true
            default: return false
            }
        case "true": return value == .bool(true) && { if case .bool = value { true } else { false } }()
        case "false": return value == .bool(false) && { if case .bool = value { true } else { false } }()
        case "eq", "equalto": return value == (arguments.first ?? .undefined)
        case "ne": return value != (arguments.first ?? .undefined)
        default:
            throw error("the test '\(name)' is not implemented by longweave (implemented: \(Self.tests.joined(separator: ", ")))")
        }
    }

    private func binary(_ op: String, _ left: JinjaValue, _ right: JinjaValue) throws(ChatTemplateError) -> JinjaValue {
        switch op {
        case "==": return .bool(left == right)
        case "!=": return .bool(left != right)
        case "in", "not in":
            let found: Bool
            switch right {
            case .string(let text):
                guard case .string(let part) = left else { throw error("'in <string>' requires a string as left operand, not \(left.typeName)") }
                found = part.isEmpty || text.contains(part)
            case .list(let items): found = items.contains(left)
            case .dict(let pairs):
                guard case .string(let key) = left else { found = false; break }
                found = pairs.contains { $0.0 == key }
            case .undefined: found = false
            default: throw error("argument of type '\(right.typeName)' is not iterable")
            }
            return .bool(op == "in" ? found : !found)
        case "<", ">", "<=", ">=":
            let order: Int
            if let x = left.number, let y = right.number {
                order = x < y ? -1 : (x > y ? 1 : 0)
            } else if case .string(let x) = left, case .string(let y) = right {
                order = Array(x.unicodeScalars.map(\.value)).lexicographicallyPrecedes(y.unicodeScalars.map(\.value)) ? -1 : (x == y ? 0 : 1)
            } else {
                throw error("'\(op)' not supported between instances of '\(left.typeName)' and '\(right.typeName)'")
            }
            switch op {
            case "<": return .bool(order < 0)
            case ">": return .bool(order > 0)
            case "<=": return .bool(order <= 0)
            default: return .bool(order >= 0)
            }
        case "~":
            return .string(left.rendered + right.rendered)
        case "+":
            switch (left, right) {
            case let (.string(x), .string(y)): return .string(x + y)
            case let (.list(x), .list(y)): return .list(x + y)
            case let (.int(x), .int(y)): return .int(x + y)
            default:
                if let x = left.number, let y = right.number, left.typeName != "str", right.typeName != "str" { return .double(x + y) }
                throw error("unsupported operand types for +: '\(left.typeName)' and '\(right.typeName)'")
            }
        case "-", "*", "%", "//", "/", "**":
            if case .int(let x) = left, case .int(let y) = right {
                switch op {
                case "-": return .int(x - y)
                case "*": return .int(x * y)
                case "%":
                    guard y != 0 else { throw error("integer modulo by zero") }
                    let r = x % y
                    return .int(r != 0 && (r < 0) != (y < 0) ? r + y : r)
                case "//":
                    guard y != 0 else { throw error("integer division by zero") }
                    let q = x / y
                    return .int((x % y != 0) && ((x < 0) != (y < 0)) ? q - 1 : q)
                default: break
                }
            }
            if case .string(let text) = left, case .int(let times) = right, op == "*" {
                guard times <= 0 || text.utf8.count <= Self.repeatLimit / times else { throw error("a string repeated past \(Self.repeatLimit) bytes") }
                return .string(String(repeating: text, count: max(0, times)))
            }
            guard let x = left.number, let y = right.number else {
                throw error("unsupported operand types for \(op): '\(left.typeName)' and '\(right.typeName)'")
            }
            switch op {
            case "-": return .double(x - y)
            case "*": return .double(x * y)
            case "/":
                guard y != 0 else { throw error("division by zero") }
                return .double(x / y)
            default: throw error("the operator '\(op)' on these numbers is not implemented by longweave")
            }
        default:
            throw error("the operator '\(op)' is not implemented by longweave")
        }
    }
}

/// `tojson` as transformers defines it for chat templates: `json.dumps` with
/// `ensure_ascii=False` and Python's default separators (`, ` and `: `).
enum JSONText {
    static func render(_ value: JinjaValue, indent: Int?, line: Int) throws(ChatTemplateError) -> String {
        var out = ""
        try append(value, indent: indent, depth: 0, line: line, to: &out)
        return out
    }

    private static func append(_ value: JinjaValue, indent: Int?, depth: Int, line: Int, to out: inout String) throws(ChatTemplateError) {
        func newline(_ level: Int) { if let indent { out += "\n" + String(repeating: " ", count: indent * level) } }
        let separator = indent == nil ? ", " : ","
        switch value {
        case .none, .undefined: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .int(let number): out += String(number)
        case .double(let number):
            guard number.isFinite else { out += number.isNaN ? "NaN" : (number > 0 ? "Infinity" : "-Infinity"); return }
            out += value.pythonRepr
        case .string(let text): out += quote(text)
        case .list(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (k, item) in items.enumerated() {
                if k > 0 { out += separator }
                newline(depth + 1)
                try append(item, indent: indent, depth: depth + 1, line: line, to: &out)
            }
            newline(depth)
            out += "]"
        case .dict(let pairs):
            if pairs.isEmpty { out += "{}"; return }
            out += "{"
            for (k, pair) in pairs.enumerated() {
                if k > 0 { out += separator }
                newline(depth + 1)
                out += quote(pair.0) + ": "
                try append(pair.1, indent: indent, depth: depth + 1, line: line, to: &out)
            }
            newline(depth)
            out += "}"
        default:
            throw ChatTemplateError(line: line, "tojson of a \(value.typeName)")
        }
    }

    /// A JSON string as `json.dumps` writes it with `ensure_ascii=False`.
    private static func quote(_ text: String) -> String {
        "\"" + String(decoding: JSONWriter.escaped(text), as: UTF8.self) + "\""
    }
}
