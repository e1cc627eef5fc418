import LongweaveIO

/// A model's chat template: the Jinja template of its `tokenizer_config.json` (or a `.jinja`
/// file), rendered for one user turn the way `transformers`' `apply_chat_template(messages,
/// add_generation_prompt=True, tokenize=False)` renders it: the same globals (`messages`,
/// `add_generation_prompt`, `tools` and `documents` as None, the tokenizer's special tokens)
/// and the same Jinja settings (`trim_blocks`, `lstrip_blocks`, one trailing newline dropped).
public struct ChatTemplate: Sendable {
    /// The file it was read from, for messages.
    public let path: String
    let nodes: [JinjaNode]
    let specialTokens: [String: JinjaValue]

    /// A problem reading or rendering the template, naming its file.
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var message: String
        public var description: String { "\(path): \(message)" }
    }

    static let specialTokenNames = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]

    /// Reads `tokenizer_config.json` (its `chat_template`: a string, or a list of named
    /// templates of which `default` is taken) or a `.jinja` file, and parses the template.
    public init(path: String) throws(LoadError) {
        self.path = path
        var source: String
        var specials: [String: JinjaValue] = [:]
        do {
            if path.hasSuffix(".jinja") {
                source = String(decoding: try InputFile.readAll(path), as: UTF8.self)
            } else {
                let config = try JSONValue.parse(file: path)
                switch config["chat_template"] {
                case .string(let text)?:
                    source = text
                case .array(let named)?:
                    guard let text = named.first(where: { $0["name"]?.stringValue == "default" })?["template"]?.stringValue else {
                        throw LoadError(path: path, message: "chat_template lists templates by name, none of them 'default'")
                    }
                    source = text
                default:
                    throw LoadError(path: path, message: "no 'chat_template' string in the file (a model without one takes its prompt as it is: leave chat_template out)")
                }
                for name in Self.specialTokenNames {
                    switch config[name] {
                    case .string(let token)?: specials[name] = .string(token)
                    case .object(let added)?: if let token = added["content"]?.stringValue { specials[name] = .string(token) }
                    default: break
                    }
                }
                if let extra = config["additional_special_tokens"]?.arrayValue {
                    specials["additional_special_tokens"] = .list(extra.compactMap { ($0.stringValue ?? $0["content"]?.stringValue).map { .string($0) } })
                }
            }
        } catch let error as LoadError {
            throw error
        } catch {
            throw LoadError(path: path, message: "\(error)")
        }
        // Jinja drops one newline at the end of a template (keep_trailing_newline is off).
        if source.hasSuffix("\n") { source.removeLast() }
        do {
            nodes = try JinjaParser.parse(source)
        } catch {
            throw LoadError(path: path, message: "chat_template: \(error)")
        }
        specialTokens = specials
        // A template that cannot render one user turn is refused now, not at the first record.
        _ = try userTurn("")
    }

    /// The prompt as the model receives it: `content` as the one user message, with the
    /// generation prompt added.
    public func userTurn(_ content: String) throws(LoadError) -> String {
        var globals = specialTokens
        globals["messages"] = .list([.dict([("role", .string("user")), ("content", .string(content))])])
        globals["add_generation_prompt"] = .bool(true)
        globals["tools"] = JinjaValue.none
        globals["documents"] = JinjaValue.none
        do {
            // The prompt and whatever the template adds around it: far more means a runaway loop.
            return try JinjaRenderer.render(nodes, globals: globals, outputLimit: 4 * content.utf8.count + (64 << 20))
        } catch {
            throw LoadError(path: path, message: "chat_template: \(error)")
        }
    }
}
