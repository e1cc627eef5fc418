import Foundation
import LongweaveTestSupport
import Testing
@testable import LongweavePrompts

/// Chat templates rendered as transformers renders them (the expected texts are what
/// `apply_chat_template(..., add_generation_prompt=True, tokenize=False)` gives; `make test`
/// checks the same files against transformers itself on real data), and refused, naming
/// the feature, where longweave does not implement it.
@Suite struct ChatTemplateTests {
    static let fixtures = TestPaths.packageRoot + "/Tests/LongweavePromptsTests/ChatTemplates/"

    static func render(_ template: String, _ content: String) throws -> String {
        let path = TestPaths.temporaryDirectory() + "/t.jinja"
        try template.write(toFile: path, atomically: true, encoding: .utf8)
        return try ChatTemplate(path: path).userTurn(content)
    }

    @Test func qwen2sOwnTemplateWrapsOneUserTurn() throws {
        let template = try ChatTemplate(path: TestPaths.data("tokenizers/qwen2/tokenizer_config.json"))
        #expect(try template.userTurn("Hello there") == "<|im_start|>user\nHello there<|im_end|>\n<|im_start|>assistant\n")
        #expect(try template.userTurn("两行\n文字") == "<|im_start|>user\n两行\n文字<|im_end|>\n<|im_start|>assistant\n")
    }

    @Test(arguments: [
        ("chatml-default-system.jinja", " Two\nlines ",
         "        <|im_start|>system\nYou are a careful reader.<|im_end|>\n\n    <|im_start|>user\nTwo\nlines<|im_end|>\n\n    <|im_start|>assistant\n\n"),
        ("header-ids.jinja", " Two\nlines ",
         "<|start_header_id|>user<|end_header_id|>\n\nTwo\nlines<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"),
        ("inst-alternating.jinja", " Two\nlines ", "[INST]  Two\nlines [/INST]"),
        ("turns-reversed.jinja", "short", "<turn human n=1/1 last=True>SHORT</turn>\n<turn gpt>  [1, 2.5, null, \"x\"]False"),
        ("turns-reversed.jinja", " Two\nlines ", "<turn human n=1/1 last=True> Two\nlines </turn>\n<turn gpt>  [1, 2.5, null, \"x\"]False"),
    ])
    func fixturesRenderAsTransformersDoes(_ file: String, _ content: String, _ expected: String) throws {
        #expect(try ChatTemplate(path: Self.fixtures + file).userTurn(content) == expected)
    }

    /// trim_blocks, lstrip_blocks, '-' and '+' beside tags, and the dropped last newline.
    @Test(arguments: [
        ("{% if true %}\nyes\n{% endif %}\n", "yes\n"),
        ("  {% if true %}x{% endif %}", "x"),
        ("a  {% if true %}x{% endif %}", "a  x"),
        ("{{ 'a' }}  {% if true %}x{% endif %}", "a  x"),
        ("a\n  {%- if true -%}  x  {%- endif %}", "ax"),
        ("a\n  {%+ if true +%}\nx{% endif %}", "a\n  \nx"),
        ("{# note #}\nz", "z"),
        ("{{ 1 }}\n", "1"),
    ])
    func whitespaceControlFollowsJinja(_ template: String, _ expected: String) throws {
        #expect(try Self.render(template, "") == expected)
    }

    /// Python's semantics where templates rely on them.
    @Test(arguments: [
        ("{{ [1, 2, 3, 4][::-1] }}", "[4, 3, 2, 1]"),
        ("{{ 'abcdef'[1:4] }}|{{ 'abcdef'[-2:] }}|{{ [1,2,3][5:] }}", "bcd|ef|[]"),
        ("{{ '  x y  '.strip() }}|{{ 'xxhixx'.strip('x') }}|{{ '\\nhi'.lstrip('\\n') }}", "x y|hi|hi"),
        ("{{ 'a<b>c<b>d'.split('<b>') }}|{{ ' a  b '.split() }}|{{ 'a,b,c'.split(',', 1) }}", "['a', 'c', 'd']|['a', 'b']|['a', 'b,c']"),
        ("{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 1 + 1.5 }} {{ 4 / 2 }}", "3 -4 2 2.5 2.0"),
        ("{{ none }}|{{ true }}|{{ undefined_name }}|{{ {'k': 'v', 'n': none} }}", "None|True||{'k': 'v', 'n': None}"),
        ("{{ 'x' if false }}|{{ 'a' ~ 1 ~ none }}|{{ 1 < 2 < 3 }}|{{ 'b' in 'abc' }}|{{ 2 not in [1] }}", "|a1None|True|True|True"),
        ("{% set x = 1 %}{% for i in [1, 2] %}{% set x = i %}{% endfor %}{{ x }}", "1"),
        ("{% set ns = namespace(x=1) %}{% for i in [1, 2] %}{% set ns.x = ns.x + i %}{% endfor %}{{ ns.x }}", "4"),
        ("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }}{{ ',' if not loop.last }}{% endfor %}", "a=1,b=2"),
        ("{{ messages[0].content | length }} {{ messages | first | tojson }}", "2 {\"role\": \"user\", \"content\": \"hé\"}"),
        ("{{ x | default('d') }} {{ '' | default('e', true) }} {{ none is none }} {{ 'a' is string }} {{ 1 is mapping }}", "d e True True False"),
    ])
    func pythonSemantics(_ template: String, _ expected: String) throws {
        #expect(try Self.render(template, "hé") == expected)
    }

    /// What longweave does not implement is refused, named, with its line.
    @Test(arguments: [
        ("{% macro m() %}x{% endmacro %}", "template line 1: the statement 'macro' is not implemented by longweave"),
        ("a\n{{ x | wordcount }}", "template line 2: the filter 'wordcount' is not implemented by longweave"),
        ("{% if x is divisibleby(2) %}{% endif %}", "the test 'divisibleby' is not implemented by longweave"),
        ("{% for m in messages %}{% else %}none{% endfor %}", "a for loop's 'else' is not implemented by longweave"),
        ("{{ strftime_now('%d') }}", "transformers' strftime_now is refused: it would make the prompt depend on the day"),
        ("{% for m in messages %}{% break %}{% endfor %}", "the statement 'break' is not implemented by longweave"),
        ("{% if true %}x", "this 'if' has no 'endif'"),
        ("{{ 'a' + 1 }}", "unsupported operand types for +: 'str' and 'int'"),
        ("{{ raise_exception('only user turns') }}", "the template raises an error: only user turns"),
        ("{{ 'x\\q' }}", "the string escape '\\q' is not implemented by longweave"),
    ])
    func unimplementedFeaturesAreNamed(_ template: String, _ message: String) throws {
        let error = try #require(throws: ChatTemplate.LoadError.self) { try Self.render(template, "") }
        #expect(error.description.contains(message), "\(error)")
    }

    /// Hostile templates end with an error, not with the stack or the memory exhausted.
    static let hostile: [String: String] = [
        "parentheses": "{{ " + String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000) + " }}",
        "not": "{{ " + String(repeating: "not ", count: 100_000) + "x }}",
        "ifs": String(repeating: "{% if true %}", count: 10_000) + String(repeating: "{% endif %}", count: 10_000),
        "range": "{% for i in range(10000000000) %}x{% endfor %}",
        "repeat": "{{ 'abc' * 100000000000 }}",
        "loop": "{% for i in range(1000000) %}{{ messages[0].content }}{% endfor %}",
    ]

    @Test(arguments: [
        ("parentheses", "expressions nested more than 200 deep"),
        ("not", "expressions nested more than 200 deep"),
        ("ifs", "statements nested more than 100 deep"),
        ("range", "range() of more than 1000000 items"),
        ("repeat", "a string repeated past 67108864 bytes"),
        ("loop", "the template writes more than"),
    ])
    func hostileTemplatesAreRefused(_ name: String, _ message: String) throws {
        let template = try #require(Self.hostile[name])
        let error = try #require(throws: ChatTemplate.LoadError.self) { try Self.render(template, String(repeating: "long prompt ", count: 10_000)) }
        #expect(error.description.contains(message), "\(error.description.prefix(300))")
    }

    @Test func aConfigWithoutATemplateIsRefused() throws {
        let path = TestPaths.temporaryDirectory() + "/tokenizer_config.json"
        try #"{"eos_token": "</s>"}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let error = try #require(throws: ChatTemplate.LoadError.self) { try ChatTemplate(path: path) }
        #expect(error.description.contains("no 'chat_template' string in the file"))
    }
}
