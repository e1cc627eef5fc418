import LongweaveIO
import Yams

/// One entry of `models:`: a model whose view of every record is measured, in its own
/// tokens, with its chat template and its answer budget.
public struct ModelSpec: Sendable, Equatable {
    public var name: String
    /// As written: `hf:PATH` or `tiktoken:PATH` (a tokenizer spec).
    public var tokenizer: String
    /// `tokenizer_config.json` or a `.jinja` file, as written; nil: the prompt goes as it is.
    public var chatTemplate: String?
    /// The model's context window in tokens.
    public var window: Int
    /// Tokens kept free for the answer: a record fits when its prompt plus these fit the window.
    public var answerTokens: Int
    /// Where the entry is written, for later messages.
    public var line: Int
    public var column: Int

    /// The most prompt tokens a record may have to fit this model.
    public var promptBudget: Int { window - answerTokens }
}

/// The `prompt:` section: the split's prompt template, `{field}` placeholders filled with a
/// record's fields (`{context}`, `{input}`, `{instruction}`), `{{` and `}}` for braces.
public struct PromptSpec: Sendable, Equatable {
    public var template: String
    /// `template`, or `FILE#KEY` when it came from a JSON file of prompts.
    public var origin: String
    public var line: Int
    public var column: Int
}

/// Measures records as models see them: the prompt filled from a record, wrapped in each
/// model's chat template, counted in its tokens. Built from a pipeline's `models:` by the
/// registry's factory (the tokenizers and templates live outside this module).
public protocol PromptMeasure: Sendable {
    /// `prompt_tokens` per model, in `models:` order, for one record.
    func promptTokens(of record: JSONValue) throws -> [Int]
}

/// Builds a pipeline's `PromptMeasure`; `check` validates without loading tokenizers.
public protocol PromptMeasureFactory {
    /// Problems with the models' files and the prompt, each for one model (by index) or the whole.
    static func check(_ spec: PipelineSpec) -> [(model: Int?, message: String)]
    static func make(_ spec: PipelineSpec) throws -> any PromptMeasure
}

extension PipelineLoader {
    static let modelParameters: [ParameterSpec] = [
        ParameterSpec("name", .string, doc: "the model's name, as records and stats name it"),
        ParameterSpec("tokenizer", .string, doc: "hf:PATH (tokenizer.json) or tiktoken:PATH"),
        ParameterSpec("chat_template", .string, optional: true, doc: "tokenizer_config.json or a .jinja file; without it the prompt goes as it is"),
        ParameterSpec("window", .length, doc: "the context window in tokens (32k is 32,000; write 32768 for 2^15)"),
        ParameterSpec("answer_tokens", .integer(min: 0, max: 1 << 30), default: .int(0), doc: "tokens kept free for the answer"),
    ]

    static let promptParameters: [ParameterSpec] = [
        ParameterSpec("template", .string, optional: true, doc: "the prompt, with {context}, {input}, {instruction}"),
        ParameterSpec("template_file", .string, optional: true, doc: "a JSON file of prompts by name (LongBench's dataset2prompt.json)"),
        ParameterSpec("key", .string, optional: true, doc: "the prompt's name in template_file"),
    ]

    /// The fields a prompt template may name.
    public static let promptFields = ["context", "input", "instruction"]

    /// Reads `models:` (a list of mappings with unique names).
    static func models(_ node: Node?, validator: inout ConfigValidator) -> [ModelSpec] {
        guard let node else { return [] }
        guard case .sequence(let sequence) = node, !sequence.isEmpty else {
            validator.report(node, "models: expected a non-empty list of {name, tokenizer, window, chat_template, answer_tokens}")
            return []
        }
        var models: [ModelSpec] = []
        for item in sequence {
            guard let mapping = validator.mapping(item, specs: modelParameters, context: "model", at: item) else { continue }
            let name = mapping.string("name")
            if models.contains(where: { $0.name == name }) {
                validator.report(item, "models: the name '\(name)' is used twice")
                continue
            }
            let window = mapping.int("window"), answer = mapping.int("answer_tokens")
            if answer >= window {
                validator.report(item, "model '\(name)': answer_tokens (\(answer)) leaves no room in its window (\(window))")
                continue
            }
            let template = mapping.entries.first { $0.0 == "chat_template" }.flatMap { if case .string(let path) = $0.1 { path } else { nil } }
            models.append(ModelSpec(name: name, tokenizer: mapping.string("tokenizer"), chatTemplate: template, window: window,
                                    answerTokens: answer, line: item.mark?.line ?? 0, column: item.mark?.column ?? 0))
        }
        return models
    }

    /// Reads `prompt:`: `template`, or `template_file` with `key`.
    static func prompt(_ node: Node?, root: String, validator: inout ConfigValidator) -> PromptSpec? {
        guard let node, let mapping = validator.mapping(node, specs: promptParameters, context: "prompt", at: node) else { return nil }
        func given(_ key: String) -> String? {
            mapping.entries.first { $0.0 == key }.flatMap { if case .string(let text) = $0.1 { text } else { nil } }
        }
        let (line, column) = (node.mark?.line ?? 0, node.mark?.column ?? 0)
        var template: String
        var origin = "template"
        switch (given("template"), given("template_file"), given("key")) {
        case (let text?, nil, nil):
            template = text
        case (nil, let file?, let key?):
            let path = file.hasPrefix("/") ? file : root + "/" + file
            let prompts: JSONValue
            do {
                prompts = try JSONValue.parse(file: path)
            } catch {
                validator.report(node, "prompt: cannot read template_file: \(error)" + (file.hasPrefix("raw/") ? " (run `make raw` to fetch raw sources)" : ""))
                return nil
            }
            guard let text = prompts[key]?.stringValue else {
                let names = prompts.objectValue?.keys ?? []
                validator.report(node, "prompt: \(file) has no prompt '\(key)'" + (names.isEmpty ? "" : ", expected one of: \(names.joined(separator: ", "))"),
                                 suggestion: Suggestion.closest(to: key, in: names))
                return nil
            }
            template = text
            origin = file + "#" + key
        default:
            validator.report(node, "prompt: expected either 'template' or both 'template_file' and 'key'")
            return nil
        }
        for name in PromptTemplate.placeholders(template) where !promptFields.contains(name) {
            validator.report(node, "prompt: unknown placeholder '{\(name)}', expected one of \(promptFields.map { "{\($0)}" }.joined(separator: ", ")) ('{{' and '}}' write braces)",
                             suggestion: Suggestion.closest(to: name, in: promptFields))
        }
        return PromptSpec(template: template, origin: origin, line: line, column: column)
    }
}

/// Python's `str.format` with named fields, as LongBench's and LV-Eval's prompts are filled.
public enum PromptTemplate {
    /// The names inside single braces.
    public static func placeholders(_ template: String) -> [String] {
        var names: [String] = []
        _ = fill(template) { names.append($0); return "" }
        return names
    }

    /// The template with each `{name}` replaced by `value(name)`; `{{` and `}}` are braces.
    public static func fill(_ template: String, _ value: (String) -> String) -> String {
        var out = ""
        var rest = Substring(template)
        while let brace = rest.firstIndex(where: { $0 == "{" || $0 == "}" }) {
            out += rest[..<brace]
            let after = rest.index(after: brace)
            if after < rest.endIndex, rest[after] == rest[brace] {
                out.append(rest[brace])
                rest = rest[rest.index(after: after)...]
            } else if rest[brace] == "{", let close = rest[after...].firstIndex(of: "}") {
                out += value(String(rest[after..<close]))
                rest = rest[rest.index(after: close)...]
            } else {
                out.append(rest[brace])
                rest = rest[after...]
            }
        }
        return out + rest
    }
}
