import Foundation
import LongweaveAudit
import LongweaveCore
import LongweaveIO
import LongweaveText

/// What each model of a pipeline's `models:` receives of a record: the split's prompt filled
/// from the record (or M4LE's `instruction + "\n" + input`), wrapped in the model's chat
/// template for one user turn, counted exactly in the model's tokens.
public enum ModelPrompts: PromptMeasureFactory {
    public static func check(_ spec: PipelineSpec) -> [(model: Int?, message: String)] {
        var problems: [(model: Int?, message: String)] = []
        for (index, model) in spec.models.enumerated() {
            do {
                let tokenizer = try TokenizerSpec(model.tokenizer, root: spec.root)
                if tokenizer.isAdditive {
                    problems.append((index, "tokenizer: expected a model's tokenizer (hf:PATH or tiktoken:PATH), found '\(model.tokenizer)'"))
                }
            } catch {
                problems.append((index, "tokenizer: \(error)"))
            }
            if let template = model.chatTemplate {
                do {
                    _ = try ChatTemplate(path: spec.resolve(template))
                } catch {
                    problems.append((index, "chat_template: \(error)"))
                }
            }
        }
        return problems
    }

    public static func make(_ spec: PipelineSpec) throws -> any PromptMeasure {
        ModelPromptMeasure(models: try spec.models.map { try ModelView(model: $0, pipeline: spec) })
    }
}

/// One model's view of a record: the pipeline's prompt filled from the record's fields,
/// wrapped in the model's chat template, counted in its tokens.
public struct ModelView: Sendable {
    public let model: ModelSpec
    public let tokenizer: Tokenizer
    /// Where the model's text may be cut so that the parts' counts add up to the whole's.
    let cuts: AuditTokenizer
    let template: ChatTemplate?
    /// The split's prompt template; nil: M4LE's `instruction + "\n" + input`.
    let prompt: String?

    /// Loads the model's tokenizer and chat template.
    public init(model: ModelSpec, pipeline: PipelineSpec) throws {
        self.model = model
        let spec = try TokenizerSpec(model.tokenizer, root: pipeline.root)
        tokenizer = try spec.load()
        cuts = AuditTokenizer(spec, loaded: tokenizer)
        template = try model.chatTemplate.map { path throws in try ChatTemplate(path: pipeline.resolve(path)) }
        prompt = pipeline.prompt?.template
    }

    /// The prompt before any chat template, from the record's fields (`field(name)`, nil
    /// when the record has no such string).
    public func promptText(_ field: (String) -> String?) throws -> String {
        func required(_ name: String) throws -> String {
            guard let text = field(name) else {
                throw IOError(path: "record", "the prompt needs the record's '\(name)' as a string")
            }
            return text
        }
        guard let prompt else { return try required("instruction") + "\n" + required("input") }
        var missing: Error?
        let text = PromptTemplate.fill(prompt) { name in
            do { return try required(name) } catch { missing = missing ?? error; return "" }
        }
        if let missing { throw missing }
        return text
    }

    /// The exact token count of the prompt as the model receives it.
    public func promptTokens(of text: String) throws -> Int {
        tokenizer.count(try wrapped(text))
    }

    /// The prompt tokens of an LV-Eval record (its `context` and `input`), while it is assembled.
    public func promptTokens(context: String, input: String) throws -> Int {
        try promptTokens(of: try promptText { ["context": context, "input": input][$0] })
    }

    /// Where `fit: {model}` lands a record's prompt tokens at `level`: with the answer tokens,
    /// in `[level * (1 - tolerance), level]`.
    public func band(level: Int, tolerance: Double) -> (lower: Int, upper: Int) {
        (Int((Double(level) * (1 - tolerance)).rounded(.up)) - model.answerTokens, level - model.answerTokens)
    }

    /// The prompt in the model's chat template (or as it is, without one).
    func wrapped(_ text: String) throws -> String {
        try template.map { template throws in try template.userTurn(text) } ?? text
    }

    /// Byte ranges of about `size` bytes that cover `bytes`, cut where the counts of the parts
    /// add up to the count of the whole (one range when the tokenizer has no such place).
    func segments(_ bytes: UnsafeRawBufferPointer, size: Int) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        while bytes.count - start > size + size / 2 {
            var end = start + size
            var cut: Int?
            while cut == nil && end < bytes.count {
                cut = cuts.lastCut(in: UnsafeRawBufferPointer(rebasing: bytes[0..<min(end + 1, bytes.count)]), after: start)
                end += size
            }
            guard let cut else { break }
            ranges.append(start..<cut)
            start = cut
        }
        ranges.append(start..<bytes.count)
        return ranges
    }
}

/// A pipeline's models, loaded.
struct ModelPromptMeasure: PromptMeasure {
    let models: [ModelView]
    static let segmentBytes = 256 << 10
    static let threads = ProcessInfo.processInfo.activeProcessorCount

    func promptTokens(of record: JSONValue) throws -> [Int] {
        guard let first = models.first else { return [] }
        // Every model reads the same prompt; only the wrapping and the tokens differ.
        let text = try first.promptText { record[$0]?.stringValue }
        if models.count == 1 { return [try first.promptTokens(of: text)] }
        // Several models count in parallel, each long prompt in segments cut where its
        // tokenizer cuts anyway, so that the cores share the work evenly.
        var wrapped: [[UInt8]] = []
        for model in models { wrapped.append(Array(try model.wrapped(text).utf8)) }
        var tasks: [(model: Int, range: Range<Int>)] = []
        for (k, bytes) in wrapped.enumerated() {
            let ranges = bytes.withUnsafeBytes { models[k].segments($0, size: Self.segmentBytes) }
            tasks += ranges.map { (k, $0) }
        }
        let counts = orderedParallelMap(tasks.count, threads: Self.threads) { t in
            wrapped[tasks[t].model].withUnsafeBytes { models[tasks[t].model].tokenizer.count(utf8: UnsafeRawBufferPointer(rebasing: $0[tasks[t].range])) }
        }
        var totals = Array(repeating: 0, count: models.count)
        for (t, count) in counts.enumerated() { totals[tasks[t].model] += count }
        return totals
    }
}

