import Testing
@testable import LongweaveIO

@Suite struct PythonLiteralTests {
    func parse(_ text: String) throws(PythonLiteralError) -> JSONValue {
        var parser = PythonLiteralParser(text)
        return try parser.parse()
    }

    @Test func readsWhatReprPrints() throws {
        let value = try parse(#"[{'Q': "Abe's", 'A': 'x\ny\t\'z\'', 'S': ['a' 'b', "\u00e9\x41"], 'n': -1.5e3, 'ok': True, 'no': None, 't': (1, 2,)}]"#)
        let first = try #require(value.arrayValue?.first)
        #expect(first["Q"] == .string("Abe's"))
        #expect(first["A"] == .string("x\ny\t'z'"))
        #expect(first["S"] == .array([.string("ab"), .string("\u{E9}A")]))
        #expect(first["n"] == .number(-1500))
        #expect(first["ok"] == .bool(true) && first["no"] == .null)
        #expect(first["t"] == .array([.number(1), .number(2)]))
        #expect(try parse("'''tri\"ple'''") == .string("tri\"ple"))
        #expect(try parse(#"r'raw\n'"#) == .string(#"raw\n"#))
        #expect(try parse("{1: 'one'}")["1"] == .string("one"))
    }

    @Test func problemsSayWhere() {
        #expect(throws: PythonLiteralError.self) { try parse("[1, 2") }
        #expect(throws: PythonLiteralError.self) { try parse("none") }
        #expect(throws: PythonLiteralError.self) { try parse("'unterminated") }
        #expect(throws: PythonLiteralError.self) { try parse("[1] extra") }
        #expect(throws: PythonLiteralError.self) { try parse(String(repeating: "[", count: 600)) }
        do throws(PythonLiteralError) {
            _ = try parse("{'a': nope}")
            Issue.record("a bare name was read")
        } catch {
            #expect(error.offset == 6)
            #expect(error.description.contains("'nope' is not a literal"))
        }
    }
}
