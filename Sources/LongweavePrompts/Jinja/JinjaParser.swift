/// An expression of a chat template.
indirect enum JinjaExpression: Sendable {
    case literal(JinjaValue)
    case name(String)
    case list([JinjaExpression])
    case dict([(JinjaExpression, JinjaExpression)])
    case attribute(JinjaExpression, String)
    case index(JinjaExpression, JinjaExpression)
    case slice(JinjaExpression, start: JinjaExpression?, stop: JinjaExpression?, step: JinjaExpression?)
    case call(JinjaExpression, [JinjaExpression], [(String, JinjaExpression)])
    case filter(JinjaExpression, String, [JinjaExpression], [(String, JinjaExpression)])
    case test(JinjaExpression, String, [JinjaExpression], negated: Bool)
    case not(JinjaExpression)
    case negate(JinjaExpression)
    case and(JinjaExpression, JinjaExpression)
    case or(JinjaExpression, JinjaExpression)
    case binary(String, JinjaExpression, JinjaExpression)
    case conditional(JinjaExpression, condition: JinjaExpression, otherwise: JinjaExpression?)
}

/// A statement of a chat template, with the template line it starts on.
indirect enum JinjaNode: Sendable {
    case text(String)
    case output(JinjaExpression, line: Int)
    case branches([(condition: JinjaExpression, body: [JinjaNode])], otherwise: [JinjaNode], line: Int)
    case loop(targets: [String], iterable: JinjaExpression, body: [JinjaNode], line: Int)
    /// `set name = value`, or `set ns.attribute = value` (`attribute` non-nil).
    case set(name: String, attribute: String?, value: JinjaExpression, line: Int)
}

/// Builds the statement tree of a lexed template. The statements chat templates use (`if`,
/// `for`, `set`) are parsed; any other is an error that names it.
struct JinjaParser {
    private var pieces: [JinjaLexer.Piece]
    private var position = 0
    /// Open `if` and `for` statements: bounded, so that a hostile template cannot exhaust the stack.
    private var blocks = 0
    static let blockLimit = 100

    static let implementedStatements = ["if", "elif", "else", "endif", "for", "endfor", "set"]

    static func parse(_ template: String) throws(ChatTemplateError) -> [JinjaNode] {
        var parser = JinjaParser(pieces: try JinjaLexer.lex(template))
        let (nodes, end) = try parser.body(until: [])
        if let end { throw ChatTemplateError(line: end.line, "'\(end.keyword)' without its opening statement") }
        return nodes
    }

    private init(pieces: [JinjaLexer.Piece]) {
        self.pieces = pieces
    }

    /// Nodes up to a statement whose keyword is in `ends` (returned with its tokens), or the end.
    private mutating func body(until ends: Set<String>) throws(ChatTemplateError) -> ([JinjaNode], (keyword: String, tokens: [JinjaToken], line: Int)?) {
        var nodes: [JinjaNode] = []
        while position < pieces.count {
            let piece = pieces[position]
            position += 1
            switch piece {
            case .text(let text):
                nodes.append(.text(text))
            case .output(let tokens, let line):
                var expression = ExpressionParser(tokens: tokens, line: line)
                let value = try expression.parseExpression()
                try expression.expectEnd()
                nodes.append(.output(value, line: line))
            case .statement(let tokens, let line):
                guard case .name(let keyword)? = tokens.first else {
                    throw ChatTemplateError(line: line, "expected a statement name after '{%'")
                }
                if ends.contains(keyword) { return (nodes, (keyword, Array(tokens.dropFirst()), line)) }
                if keyword == "if" || keyword == "for" {
                    guard blocks < Self.blockLimit else { throw ChatTemplateError(line: line, "statements nested more than \(Self.blockLimit) deep") }
                }
                switch keyword {
                case "if":
                    blocks += 1
                    defer { blocks -= 1 }
                    nodes.append(try branches(Array(tokens.dropFirst()), line: line))
                case "for":
                    blocks += 1
                    defer { blocks -= 1 }
                    nodes.append(try loop(Array(tokens.dropFirst()), line: line))
                case "set": nodes.append(try set(Array(tokens.dropFirst()), line: line))
                case "elif", "else", "endif", "endfor":
                    throw ChatTemplateError(line: line, "'\(keyword)' without its opening statement")
                default:
                    throw ChatTemplateError(line: line, "the statement '\(keyword)' is not implemented by longweave (implemented: \(Self.implementedStatements.joined(separator: ", ")))")
                }
            }
        }
        // The caller names the statement left open.
        return (nodes, nil)
    }

    private mutating func branches(_ tokens: [JinjaToken], line: Int) throws(ChatTemplateError) -> JinjaNode {
        var arms: [(condition: JinjaExpression, body: [JinjaNode])] = []
        var condition = try Self.expression(tokens, line: line)
        while true {
            let (body, end) = try self.body(until: ["elif", "else", "endif"])
            arms.append((condition, body))
            guard let end else { throw ChatTemplateError(line: line, "this 'if' has no 'endif'") }
            switch end.keyword {
            case "elif":
                condition = try Self.expression(end.tokens, line: end.line)
            case "else":
                try Self.expectNoTokens(end.tokens, after: "else", line: end.line)
                let (otherwise, close) = try self.body(until: ["endif"])
                guard close != nil else { throw ChatTemplateError(line: line, "this 'if' has no 'endif'") }
                return .branches(arms, otherwise: otherwise, line: line)
            default:
                try Self.expectNoTokens(end.tokens, after: "endif", line: end.line)
                return .branches(arms, otherwise: [], line: line)
            }
        }
    }

    private mutating func loop(_ tokens: [JinjaToken], line: Int) throws(ChatTemplateError) -> JinjaNode {
        var targets: [String] = []
        var index = 0
        while index < tokens.count {
            guard case .name(let name) = tokens[index], name != "in" else { break }
            targets.append(name)
            index += 1
            if index < tokens.count, tokens[index] == .symbol(",") { index += 1 } else { break }
        }
        guard !targets.isEmpty, index < tokens.count, tokens[index] == .name("in") else {
            throw ChatTemplateError(line: line, "expected 'for NAME in EXPRESSION' (or 'for A, B in ...')")
        }
        var parser = ExpressionParser(tokens: Array(tokens[(index + 1)...]), line: line)
        let iterable = try parser.parseConditionFree()
        if !parser.atEnd {
            if parser.peek == .name("if") { throw ChatTemplateError(line: line, "a for loop's 'if' filter is not implemented by longweave") }
            if parser.peek == .name("recursive") { throw ChatTemplateError(line: line, "recursive for loops are not implemented by longweave") }
            try parser.expectEnd()
        }
        let (body, end) = try self.body(until: ["endfor", "else"])
        guard let end else { throw ChatTemplateError(line: line, "this 'for' has no 'endfor'") }
        if end.keyword == "else" { throw ChatTemplateError(line: end.line, "a for loop's 'else' is not implemented by longweave") }
        return .loop(targets: targets, iterable: iterable, body: body, line: line)
    }

    private mutating func set(_ tokens: [JinjaToken], line: Int) throws(ChatTemplateError) -> JinjaNode {
        guard case .name(let name)? = tokens.first else { throw ChatTemplateError(line: line, "expected 'set NAME = EXPRESSION'") }
        var rest = tokens.dropFirst()
        var attribute: String?
        if rest.first == .symbol("."), rest.count > 1, case .name(let field) = rest[rest.startIndex + 1] {
            attribute = field
            rest = rest.dropFirst(2)
        }
        guard rest.first == .symbol("=") else {
            throw ChatTemplateError(line: line, rest.isEmpty ? "a 'set' block ('{% set x %}...{% endset %}') is not implemented by longweave"
                                                              : "expected 'set NAME = EXPRESSION'")
        }
        return .set(name: name, attribute: attribute, value: try Self.expression(Array(rest.dropFirst()), line: line), line: line)
    }

    private static func expression(_ tokens: [JinjaToken], line: Int) throws(ChatTemplateError) -> JinjaExpression {
        var parser = ExpressionParser(tokens: tokens, line: line)
        let value = try parser.parseExpression()
        try parser.expectEnd()
        return value
    }

    private static func expectNoTokens(_ tokens: [JinjaToken], after keyword: String, line: Int) throws(ChatTemplateError) {
        if !tokens.isEmpty { throw ChatTemplateError(line: line, "nothing may follow '\(keyword)'") }
    }
}

/// Jinja2's expression grammar, from its conditional expression down to its literals.
struct ExpressionParser {
    let tokens: [JinjaToken]
    let line: Int
    var index = 0
    /// Nested parentheses, brackets and unary operators so far: bounded, so that a hostile
    /// template cannot exhaust the stack.
    private var depth = 0
    static let depthLimit = 200

    init(tokens: [JinjaToken], line: Int) {
        self.tokens = tokens
        self.line = line
    }

    var atEnd: Bool { index >= tokens.count }
    var peek: JinjaToken? { atEnd ? nil : tokens[index] }

    func error(_ message: String) -> ChatTemplateError { ChatTemplateError(line: line, message) }

    mutating func expectEnd() throws(ChatTemplateError) {
        if let token = peek { throw error("unexpected \(Self.describe(token))") }
    }

    static func describe(_ token: JinjaToken) -> String {
        switch token {
        case .name(let name): "'\(name)'"
        case .string(let value): "string \(JinjaValue.quoted(value))"
        case .int(let value): "number \(value)"
        case .double(let value): "number \(value)"
        case .symbol(let symbol): "'\(symbol)'"
        }
    }

    private mutating func take(_ token: JinjaToken) -> Bool {
        guard peek == token else { return false }
        index += 1
        return true
    }

    private mutating func expect(_ token: JinjaToken) throws(ChatTemplateError) {
        guard take(token) else {
            throw error("expected \(Self.describe(token))" + (peek.map { ", found \(Self.describe($0))" } ?? " at the end"))
        }
    }

    private mutating func name() throws(ChatTemplateError) -> String {
        guard case .name(let name)? = peek else { throw error("expected a name" + (peek.map { ", found \(Self.describe($0))" } ?? "")) }
        index += 1
        return name
    }

    mutating func parseExpression() throws(ChatTemplateError) -> JinjaExpression {
        let value = try parseOr()
        guard take(.name("if")) else { return value }
        let condition = try parseOr()
        let otherwise = take(.name("else")) ? try parseExpression() : nil
        return .conditional(value, condition: condition, otherwise: otherwise)
    }

    /// An expression without a trailing `if` (a for loop's iterable).
    mutating func parseConditionFree() throws(ChatTemplateError) -> JinjaExpression { try parseOr() }

    private mutating func parseOr() throws(ChatTemplateError) -> JinjaExpression {
        var left = try parseAnd()
        while take(.name("or")) { left = .or(left, try parseAnd()) }
        return left
    }

    private mutating func parseAnd() throws(ChatTemplateError) -> JinjaExpression {
        var left = try parseNot()
        while take(.name("and")) { left = .and(left, try parseNot()) }
        return left
    }

    private mutating func parseNot() throws(ChatTemplateError) -> JinjaExpression {
        if take(.name("not")) {
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.depthLimit else { throw error("expressions nested more than \(Self.depthLimit) deep") }
            return .not(try parseNot())
        }
        return try parseCompare()
    }

    private mutating func parseCompare() throws(ChatTemplateError) -> JinjaExpression {
        let first = try parseMath1()
        var result: JinjaExpression?
        var left = first
        while true {
            var op: String
            switch peek {
            case .symbol(let symbol) where ["==", "!=", "<", ">", "<=", ">="].contains(symbol):
                op = symbol
                index += 1
            case .name("in"):
                op = "in"
                index += 1
            case .name("not") where index + 1 < tokens.count && tokens[index + 1] == .name("in"):
                op = "not in"
                index += 2
            default:
                return result ?? first
            }
            let right = try parseMath1()
            let comparison = JinjaExpression.binary(op, left, right)
            // Chained comparisons (a < b < c) hold when every link does.
            result = result.map { .and($0, comparison) } ?? comparison
            left = right
        }
    }

    private mutating func parseMath1() throws(ChatTemplateError) -> JinjaExpression {
        var left = try parseConcat()
        while case .symbol(let symbol)? = peek, symbol == "+" || symbol == "-" {
            index += 1
            left = .binary(symbol, left, try parseConcat())
        }
        return left
    }

    private mutating func parseConcat() throws(ChatTemplateError) -> JinjaExpression {
        var left = try parseMath2()
        while take(.symbol("~")) { left = .binary("~", left, try parseMath2()) }
        return left
    }

    private mutating func parseMath2() throws(ChatTemplateError) -> JinjaExpression {
        var left = try parsePow()
        while case .symbol(let symbol)? = peek, ["*", "/", "//", "%"].contains(symbol) {
            index += 1
            left = .binary(symbol, left, try parsePow())
        }
        return left
    }

    private mutating func parsePow() throws(ChatTemplateError) -> JinjaExpression {
        var left = try parseUnary(withFilter: true)
        while take(.symbol("**")) { left = .binary("**", left, try parseUnary(withFilter: true)) }
        return left
    }

    private mutating func parseUnary(withFilter: Bool) throws(ChatTemplateError) -> JinjaExpression {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.depthLimit else { throw error("expressions nested more than \(Self.depthLimit) deep") }
        var node: JinjaExpression
        if take(.symbol("-")) {
            node = .negate(try parseUnary(withFilter: false))
        } else if take(.symbol("+")) {
            node = try parseUnary(withFilter: false)
        } else {
            node = try parsePostfix(try parsePrimary())
        }
        return withFilter ? try parseFilters(node) : node
    }

    private mutating func parsePrimary() throws(ChatTemplateError) -> JinjaExpression {
        guard let token = peek else { throw error("expected an expression at the end") }
        index += 1
        switch token {
        case .name(let name):
            switch name {
            case "true", "True": return .literal(.bool(true))
            case "false", "False": return .literal(.bool(false))
            case "none", "None": return .literal(.none)
            default: return .name(name)
            }
        case .string(var value):
            // Adjacent strings join, as in Python.
            while case .string(let next)? = peek { value += next; index += 1 }
            return .literal(.string(value))
        case .int(let value): return .literal(.int(value))
        case .double(let value): return .literal(.double(value))
        case .symbol("("):
            if take(.symbol(")")) { return .list([]) }
            let first = try parseExpression()
            if take(.symbol(")")) { return first }
            var items = [first]
            while take(.symbol(",")) {
                if peek == .symbol(")") { break }
                items.append(try parseExpression())
            }
            try expect(.symbol(")"))
            return .list(items)
        case .symbol("["):
            var items: [JinjaExpression] = []
            while !take(.symbol("]")) {
                if !items.isEmpty { try expect(.symbol(",")); if take(.symbol("]")) { break } }
                items.append(try parseExpression())
            }
            return .list(items)
        case .symbol("{"):
            var pairs: [(JinjaExpression, JinjaExpression)] = []
            while !take(.symbol("}")) {
                if !pairs.isEmpty { try expect(.symbol(",")); if take(.symbol("}")) { break } }
                let key = try parseExpression()
                try expect(.symbol(":"))
                pairs.append((key, try parseExpression()))
            }
            return .dict(pairs)
        default:
            throw error("unexpected \(Self.describe(token))")
        }
    }

    private mutating func parsePostfix(_ base: JinjaExpression) throws(ChatTemplateError) -> JinjaExpression {
        var node = base
        while true {
            if take(.symbol(".")) {
                if case .int(let position)? = peek {
                    index += 1
                    node = .index(node, .literal(.int(position)))
                } else {
                    node = .attribute(node, try name())
                }
            } else if take(.symbol("[")) {
                node = try parseSubscript(node)
            } else if let called = try parseCall(on: node) {
                node = called
            } else {
                return node
            }
        }
    }

    private mutating func parseSubscript(_ base: JinjaExpression) throws(ChatTemplateError) -> JinjaExpression {
        var parts: [JinjaExpression?] = [nil]
        var isSlice = false
        while !take(.symbol("]")) {
            if take(.symbol(":")) {
                isSlice = true
                parts.append(nil)
                guard parts.count <= 3 else { throw error("a slice has at most three parts") }
            } else {
                guard parts[parts.count - 1] == nil else { throw error("expected ':' or ']' in a subscript") }
                parts[parts.count - 1] = try parseExpression()
            }
        }
        if !isSlice {
            guard let key = parts[0] else { throw error("an empty subscript '[]'") }
            return .index(base, key)
        }
        return .slice(base, start: parts[0], stop: parts.count > 1 ? parts[1] : nil, step: parts.count > 2 ? parts[2] : nil)
    }

    /// `node(...)` when a call follows, else nil.
    private mutating func parseCall(on node: JinjaExpression) throws(ChatTemplateError) -> JinjaExpression? {
        guard take(.symbol("(")) else { return nil }
        let (arguments, keywords) = try parseArguments()
        return .call(node, arguments, keywords)
    }

    /// Call arguments after '(': positional, then `name=value`.
    private mutating func parseArguments() throws(ChatTemplateError) -> ([JinjaExpression], [(String, JinjaExpression)]) {
        var arguments: [JinjaExpression] = []
        var keywords: [(String, JinjaExpression)] = []
        while !take(.symbol(")")) {
            if !arguments.isEmpty || !keywords.isEmpty { try expect(.symbol(",")); if take(.symbol(")")) { break } }
            if case .name(let name)? = peek, index + 1 < tokens.count, tokens[index + 1] == .symbol("=") {
                index += 2
                keywords.append((name, try parseExpression()))
            } else {
                arguments.append(try parseExpression())
            }
        }
        return (arguments, keywords)
    }

    private mutating func parseFilters(_ base: JinjaExpression) throws(ChatTemplateError) -> JinjaExpression {
        var node = base
        while true {
            if take(.symbol("|")) {
                let filter = try name()
                var arguments: [JinjaExpression] = []
                var keywords: [(String, JinjaExpression)] = []
                if take(.symbol("(")) { (arguments, keywords) = try parseArguments() }
                node = .filter(node, filter, arguments, keywords)
            } else if take(.name("is")) {
                let negated = take(.name("not"))
                let test = try name()
                var arguments: [JinjaExpression] = []
                if take(.symbol("(")) {
                    let (positional, keywords) = try parseArguments()
                    if !keywords.isEmpty { throw error("keyword arguments to the test '\(test)' are not implemented by longweave") }
                    arguments = positional
                } else if let token = peek, Self.startsTestArgument(token) {
                    arguments = [try parsePrimary()]
                }
                node = .test(node, test, arguments, negated: negated)
            } else if let called = try parseCall(on: node) {
                node = called
            } else {
                return node
            }
        }
    }

    /// A test's argument without parentheses (`x is divisibleby 3`): a literal or a name that
    /// is not an operator word.
    private static func startsTestArgument(_ token: JinjaToken) -> Bool {
        switch token {
        case .string, .int, .double: true
        case .name(let name): !["and", "or", "if", "else", "in", "not", "is"].contains(name)
        case .symbol: false
        }
    }
}
