import Foundation
import PipelineTestSupport
import Testing
import LongweaveTestSupport
@testable import LongweaveCore
import LongweaveStages

/// `models:`, `prompt:` and `fit:` are checked like the rest of a pipeline file: each
/// problem with its line, column and what was expected.
@Suite struct ModelsValidationTests {
    static let qwen2 = #"{name: qwen2, tokenizer: "hf:\#(TestPaths.data("tokenizers/qwen2/tokenizer.json"))", chat_template: "\#(TestPaths.data("tokenizers/qwen2/tokenizer_config.json"))", window: 32768, answer_tokens: 64}"#
    static let prompt = #"prompt: {template: "{context}\n\nQuestion: {input}\nAnswer:"}"#

    func pipeline(stage: String, models: String = "  - \(qwen2)", prompt: String = prompt) -> String {
        hotpotPipeline(stage: stage, then: "models:\n\(models)\n\(prompt)")
    }

    func problems(_ yaml: String) throws -> [Diagnostic] { try pipelineDiagnostics(yaml) }

    @Test func aValidFileLoadsWithItsModelsAndPrompt() throws {
        let spec = try loadPipeline(pipeline(stage: "length_buckets: {mode: fill, levels: [16k], fit: {model: qwen2}}"))
        #expect(spec.models.map(\.name) == ["qwen2"] && spec.models[0].promptBudget == 32704)
        #expect(spec.prompt?.template == "{context}\n\nQuestion: {input}\nAnswer:")
        #expect(spec.resolved["models"]?.arrayValue?.count == 1 && spec.resolved["prompt"] != nil)
    }

    @Test(arguments: [
        ("length_buckets: {mode: fill, levels: [16k], fit: {model: qwen3}}", nil, nil, 7, "fit: no model 'qwen3' in models:, expected one of: qwen2"),
        ("length_buckets: {mode: fill, levels: [16k, 64k], fit: {model: qwen2}}", nil, nil, 7, "fit: level 64k is over qwen2's window (32768 tokens)"),
        ("length_buckets: {mode: fill, levels: [16k], unit: chars, fit: {model: qwen2}}", nil, nil, 7, "unit: with fit: {model: qwen2} lengths are qwen2's tokens; leave unit out"),
        ("length_buckets: {mode: m4le, ability: global, fit: {model: qwen2}}", nil, nil, 7, "fit: {model: qwen2} is implemented for fill and needle"),
        ("length_buckets: {mode: fill, levels: [16k], fit: most}", nil, nil, 7, "expected one of none|all, found 'most'"),
        ("length_buckets: {mode: fill, levels: [16k]}", nil, #"prompt: {template: "{context} {question}"}"#, 10, "prompt: unknown placeholder '{question}', expected one of {context}, {input}, {instruction}"),
        ("length_buckets: {mode: fill, levels: [16k]}", nil, "prompt: {template_file: \(TestPaths.data("longbench/dataset2prompt.json")), key: hotpot}", 10, "has no prompt 'hotpot'"),
        ("length_buckets: {mode: fill, levels: [16k]}", nil, "prompt: {key: hotpotqa}", 10, "prompt: expected either 'template' or both 'template_file' and 'key'"),
        ("length_buckets: {mode: fill, levels: [16k]}", nil, #"prompt: {template: "{instruction} {context}"}"#, 10, "prompt: '{instruction}' is not a field of the records of 'length_buckets' (fill), which have {context} and {input}"),
        ("length_buckets: {mode: fill, levels: [16k]}", nil, "", 8, "models: the records of 'length_buckets' need a 'prompt:'"),
        ("length_buckets: {mode: fill, levels: [16k]}", "  - {name: a, tokenizer: words, window: 1000}", nil, 9, "model 'a': tokenizer: expected a model's tokenizer (hf:PATH or tiktoken:PATH), found 'words'"),
        ("length_buckets: {mode: fill, levels: [16k]}", "  - {name: a, tokenizer: \"tiktoken:/none.tiktoken\", window: 1000}", nil, 9, "model 'a': tokenizer: tokenizer file /none.tiktoken does not exist"),
        ("length_buckets: {mode: fill, levels: [16k]}", "  - {name: a, tokenizer: \"tiktoken:\(TestPaths.data("tokenizers/cl100k_base/cl100k_base.tiktoken"))\", window: 1000, answer_tokens: 1000}", nil, 9, "model 'a': answer_tokens (1000) leaves no room in its window (1000)"),
        ("length_buckets: {mode: fill, levels: [16k]}", "  - \(qwen2)\n  - \(qwen2)", nil, 10, "models: the name 'qwen2' is used twice"),
        ("length_buckets: {mode: fill, levels: [16k]}", "  - {name: a, tokenizer: \"tiktoken:\(TestPaths.data("tokenizers/cl100k_base/cl100k_base.tiktoken"))\", window: 1000, chat_template: \(TestPaths.data("tokenizers/cl100k_base/cl100k_base.tiktoken"))}", nil, 9, "model 'a': chat_template:"),
        ("length_buckets: {mode: fill, levels: [16k]}", "  - {name: a, tokenizer: \"tiktoken:\(TestPaths.data("tokenizers/cl100k_base/cl100k_base.tiktoken"))\", windw: 1000}", nil, 9, "unknown key 'windw'"),
    ] as [(String, String?, String?, Int, String)])
    func problemsAreNamedWhereTheyAre(_ stage: String, _ models: String?, _ prompt: String?, _ line: Int, _ message: String) throws {
        let found = try problems(pipeline(stage: stage, models: models ?? "  - \(Self.qwen2)", prompt: prompt ?? Self.prompt))
        #expect(found.contains { $0.message.contains(message) && $0.line == line }, "\(found)")
    }

    @Test func fitAllNeedsModelsAndAPromptNeedsThem() throws {
        let noModels = hotpotPipeline(stage: "length_buckets: {mode: fill, levels: [16k], fit: all}", then: Self.prompt)
        let found = try problems(noModels)
        #expect(found.contains { $0.message.contains("prompt: measures records for the models of 'models:', which this file does not list") && $0.line == 8 })
        let fitAll = try problems(noModels.replacingOccurrences(of: Self.prompt, with: ""))
        #expect(fitAll.contains { $0.message.contains("fit: all needs the models of a 'models:' section") && $0.line == 7 })
    }

    /// A chat template with a feature longweave does not implement is refused when the file is
    /// loaded, naming the file and the feature, not at the first record.
    @Test func anUnimplementedTemplateFeatureIsRefusedAtLoad() throws {
        let dir = TestPaths.temporaryDirectory()
        try "{% macro m() %}{% endmacro %}".write(toFile: dir + "/t.jinja", atomically: true, encoding: .utf8)
        let models = "  - {name: a, tokenizer: \"tiktoken:\(TestPaths.data("tokenizers/cl100k_base/cl100k_base.tiktoken"))\", window: 100000, chat_template: \(dir)/t.jinja}"
        let found = try problems(pipeline(stage: "length_buckets: {mode: fill, levels: [16k]}", models: models))
        #expect(found.count == 1)
        #expect(found.first?.message.contains("\(dir)/t.jinja: chat_template: template line 1: the statement 'macro' is not implemented by longweave") == true, "\(found)")
    }
}
