import LongweaveCore
import LongweaveIO
import LongweaveText

/// The keys and checks that the assembling stages (`fill`, `needle`, `m4le`) share.
enum AssemblyKeys {
    static let unit = ParameterSpec("unit", .string, default: .string("words"),
                                    doc: "length unit: words (Python str.split), chars (Unicode scalars), tiktoken:PATH or hf:PATH (tokens)")
    static let encoding = ParameterSpec("encoding", .string, default: .string(""),
                                        doc: "tiktoken encoding when the rank file's name does not say it (cl100k_base, o200k_base, gpt2, qwen)")
    static let levels = ParameterSpec("levels", .list(.length, nonEmpty: true),
                                      doc: "length levels, e.g. [16k, 32k, 64k, 128k, 256k]")
    static let distractors = ParameterSpec("distractors", .list(.inputReference, nonEmpty: false), default: .list([]),
                                           doc: "ids of documents inputs added to the distractor pool")
    static let tolerance = ParameterSpec("tolerance", .number(min: 0, max: 0.99), default: .number(0.02),
                                         doc: "a context's length lands in [level, level * (1 + tolerance)]: the last passage is cut at a sentence end")

    static let fit = ParameterSpec("fit", .choiceOrMapping(["none", "all"], [ParameterSpec("model", .string, doc: "a name of models:")]),
                                   default: .string("none"),
                                   doc: "none; all: a record over any model's window (less its answer tokens) is a reject; {model: NAME} (fill): levels are budgets in that model's tokens for the wrapped prompt plus its answer tokens, each record in [level * (1 - tolerance), level]")

    /// What `fit:` asks of a stage's records.
    enum Fit: Sendable {
        case none
        case all
        case model(ModelSpec)

        /// `fit: all`: what overflows a model's window is a reject.
        var rejectsOverWindow: Bool { if case .all = self { true } else { false } }
    }

    /// The `fit:` key, checked against the pipeline's models; `{model}` only where `allowsModel`.
    static func fit(_ config: ConfigMapping, pipeline: PipelineSpec, allowsModel: Bool) throws(StageSetupError) -> Fit {
        switch config["fit"] {
        case .string("all")?:
            if pipeline.models.isEmpty { throw StageSetupError("fit: all needs the models of a 'models:' section, which this file does not have") }
            return .all
        case .mapping(let target)?:
            let name = target.string("model")
            guard allowsModel else { throw StageSetupError("fit: {model: \(name)} is implemented for fill and needle; here, fit: all rejects what does not fit") }
            guard let model = pipeline.models.first(where: { $0.name == name }) else {
                let names = pipeline.models.map(\.name)
                throw StageSetupError("fit: no model '\(name)' in models:" + (names.isEmpty ? " (the file has no models: section)" : ", expected one of: \(names.joined(separator: ", "))"))
            }
            return .model(model)
        default:
            return .none
        }
    }

    /// The stage's unit: `unit:`, or under `fit: {model}` the model's tokens (then `unit` must
    /// be left out, and no level may be over the model's window).
    static func fittedUnit(_ config: ConfigMapping, fit: Fit, levels: [Int], pipeline: PipelineSpec) throws(StageSetupError) -> TokenizerSpec {
        guard case .model(let model) = fit else { return try TokenizerSpec(unit: config, pipeline: pipeline) }
        if config.string("unit") != "words" {
            throw StageSetupError("unit: with fit: {model: \(model.name)} lengths are \(model.name)'s tokens; leave unit out")
        }
        if let level = levels.first(where: { $0 > model.window }) {
            throw StageSetupError("fit: level \(ValueSyntax.levelName(level)) is over \(model.name)'s window (\(model.window) tokens); its records could not fit")
        }
        do { return try TokenizerSpec(model.tokenizer, root: pipeline.root) } catch { throw StageSetupError("fit: model '\(model.name)': \(error)") }
    }

    /// The levels in increasing order; a level listed twice is an error.
    static func levels(_ config: ConfigMapping) throws(StageSetupError) -> [Int] {
        var levels: [Int] = []
        for case .int(let level) in config.list("levels") {
            if levels.contains(level) { throw StageSetupError("level \(ValueSyntax.levelName(level)) is listed twice") }
            levels.append(level)
        }
        return levels.sorted()
    }

    /// The ids listed under `key`, each a documents input.
    static func documentInputs(_ config: ConfigMapping, key: String, pipeline: PipelineSpec) throws(StageSetupError) -> [String] {
        var ids: [String] = []
        for case .string(let id) in config.list(key) {
            guard let input = pipeline.input(id) else { throw StageSetupError("\(key): no input '\(id)'") }
            if input.product != .documents {
                throw StageSetupError("\(key): input '\(id)' (format \(input.format)) gives samples, expected a documents input (format paragraphs, or as: documents)")
            }
            ids.append(id)
        }
        return ids
    }

    /// The output folders of levels or buckets: `16k`, `128k`.
    static func streams(_ levels: [Int]) -> [OutputStream] {
        levels.map { OutputStream(name: ValueSyntax.levelName($0), level: $0) }
    }
}

extension TokenizerSpec {
    /// The `unit:` and `encoding:` keys of an assembling stage, paths from the repository root.
    init(unit config: ConfigMapping, pipeline: PipelineSpec) throws(StageSetupError) {
        let encoding = config.string("encoding")
        if !encoding.isEmpty && !Tokenizer.encodingNames.contains(encoding) {
            let suggestion = Suggestion.closest(to: encoding, in: Tokenizer.encodingNames).map { " (did you mean '\($0)'?)" } ?? ""
            throw StageSetupError("encoding: expected one of \(Tokenizer.encodingNames.joined(separator: ", ")), found '\(encoding)'\(suggestion)")
        }
        do {
            try self.init(config.string("unit"), encoding: config.string("encoding"), root: pipeline.root)
        } catch {
            throw StageSetupError("unit: \(error.description)")
        }
    }
}
