import LongweaveCore
import LongweaveIO
import LongweaveText

/// `length_buckets`: assembles one long context per sample and level.
///
/// Mode `fill` (LV-Eval's way): the sample's evidence documents plus distractor documents
/// drawn without replacement from the pool (every other sample's documents and the
/// `distractors:` inputs, never a document of the sample itself or one with the same
/// title), shuffled, rendered as `### Passage {i}\n{text}` joined by blank lines, until the
/// context reaches the level. Lengths count the whole rendered context.
public enum LengthBucketsStage: StageFactory {
    public static let descriptor = StageDescriptor(
        name: "length_buckets",
        summary: "fill each sample's context with distractor passages up to every length level (LV-Eval-style records)",
        kind: .assembling,
        parameters: [
            ParameterSpec("mode", .choice(["fill"]), default: .string("fill"), doc: "fill: evidence + distractors up to each level"),
            ParameterSpec("unit", .string, default: .string("words"),
                          doc: "length unit: words (Python str.split), chars (Unicode scalars), tiktoken:PATH or hf:PATH (tokens)"),
            ParameterSpec("encoding", .string, default: .string(""),
                          doc: "tiktoken encoding when the rank file's name does not say it (cl100k_base, o200k_base, gpt2, qwen)"),
            ParameterSpec("levels", .list(.length, nonEmpty: true), doc: "length levels, e.g. [16k, 32k, 64k, 128k, 256k]"),
            ParameterSpec("distractors", .list(.inputReference, nonEmpty: false), default: .list([]),
                          doc: "ids of documents inputs added to the distractor pool"),
        ])

    public static func make(_ setup: StageSetup) throws(StageSetupError) -> StageInstance {
        let config = setup.config
        var levels: [Int] = []
        for case .int(let level) in config.list("levels") {
            if levels.contains(level) { throw StageSetupError("level \(ValueSyntax.levelName(level)) is listed twice") }
            levels.append(level)
        }
        var distractors: [String] = []
        for case .string(let id) in config.list("distractors") {
            guard let input = setup.pipeline.input(id) else { throw StageSetupError("distractors: no input '\(id)'") }
            if input.product != .documents {
                throw StageSetupError("distractors: input '\(id)' (format \(input.format)) gives samples, expected a documents input such as format paragraphs")
            }
            distractors.append(id)
        }
        let unit = try LengthUnit(spec: config.string("unit"), encoding: config.string("encoding"), pipeline: setup.pipeline)
        return .assembling(FillAssembler(levels: levels, unit: unit, distractorInputs: distractors))
    }
}

/// How lengths are counted: a tokenizer spec, loaded when the stage first needs it.
struct LengthUnit: Sendable, CustomStringConvertible {
    /// As written in the pipeline file.
    let spec: String
    /// The spec with its path resolved against the repository root.
    let resolvedSpec: String
    let encoding: String?

    init(spec: String, encoding: String, pipeline: PipelineSpec) throws(StageSetupError) {
        self.spec = spec
        self.encoding = encoding.isEmpty ? nil : encoding
        if !encoding.isEmpty && !Tokenizer.encodingNames.contains(encoding) {
            let suggestion = Suggestion.closest(to: encoding, in: Tokenizer.encodingNames).map { " (did you mean '\($0)'?)" } ?? ""
            throw StageSetupError("encoding: expected one of \(Tokenizer.encodingNames.joined(separator: ", ")), found '\(encoding)'\(suggestion)")
        }
        if spec == "words" || spec == "chars" {
            resolvedSpec = spec
            return
        }
        for prefix in ["tiktoken:", "hf:"] where spec.hasPrefix(prefix) {
            let path = pipeline.resolve(String(spec.dropFirst(prefix.count)))
            guard FileSystem.exists(path) else { throw StageSetupError("unit: tokenizer file \(path) does not exist") }
            resolvedSpec = prefix + path
            return
        }
        throw StageSetupError("unit: expected words, chars, tiktoken:PATH or hf:PATH, found '\(spec)'")
    }

    var description: String { spec }

    /// Whether lengths of parts add up to the length of their concatenation (words, chars).
    var isAdditive: Bool { resolvedSpec == "words" || resolvedSpec == "chars" }

    func load() throws -> Tokenizer {
        try Tokenizer.load(resolvedSpec, encoding: encoding)
    }
}

struct FillAssembler: AssemblingStage {
    let levels: [Int]
    let unit: LengthUnit
    let distractorInputs: [String]

    var streams: [OutputStream] {
        levels.map { OutputStream(name: ValueSyntax.levelName($0), level: $0) }
    }

    func prepare(pool: [Sample], documentInputs: [String: [Document]]) throws -> any Assembly {
        let tokenizer = try unit.load()
        var candidates = CandidatePool(tokenizer: tokenizer)
        var ownCandidates: [[Int32]] = []
        var ownTitles: [[Int32]] = []
        for sample in pool {
            var own: [Int32] = []
            var titles: [Int32] = []
            for document in sample.documents {
                let (index, title) = candidates.add(document)
                own.append(index)
                titles.append(title)
            }
            ownCandidates.append(own)
            ownTitles.append(titles)
        }
        for id in distractorInputs {
            for document in documentInputs[id] ?? [] { _ = candidates.add(document) }
        }
        return FillAssembly(pool: pool, levels: levels, unit: unit, tokenizer: tokenizer, candidates: candidates,
                            ownCandidates: ownCandidates, ownTitles: ownTitles)
    }
}

/// Every distinct document that may serve as a distractor, measured once.
struct CandidatePool: Sendable {
    let tokenizer: Tokenizer
    var texts: [String] = []
    var lengths: [Int] = []
    var titleIDs: [Int32] = []
    private var indexByText: [String: Int32] = [:]
    private var titleIDByTitle: [String: Int32] = [:]

    init(tokenizer: Tokenizer) {
        self.tokenizer = tokenizer
    }

    /// Adds a document unless its text is already there; returns its index and title id.
    mutating func add(_ document: Document) -> (index: Int32, title: Int32) {
        let title: Int32
        if let existing = titleIDByTitle[document.title] {
            title = existing
        } else {
            title = Int32(titleIDByTitle.count)
            titleIDByTitle[document.title] = title
        }
        if let existing = indexByText[document.text] { return (existing, title) }
        let index = Int32(texts.count)
        indexByText[document.text] = index
        texts.append(document.text)
        lengths.append(tokenizer.count(document.text))
        titleIDs.append(title)
        return (index, title)
    }
}

struct FillAssembly: Assembly {
    let pool: [Sample]
    let levels: [Int]
    let unit: LengthUnit
    let tokenizer: Tokenizer
    let candidates: CandidatePool
    let ownCandidates: [[Int32]]
    let ownTitles: [[Int32]]

    /// `### Passage {i}\n` (English) or `### 文章 {i}\n` (Chinese).
    static func header(_ number: Int, language: String) -> String {
        (language == "zh" ? "### 文章 " : "### Passage ") + String(number) + "\n"
    }

    /// The length a passage adds: its header and text, plus the blank-line separator
    /// before it. Exact for words and chars; for tokens an estimate that the caller
    /// checks against the rendered context.
    func passageLength(number: Int, textLength: Int, language: String) -> Int {
        let separator = number > 1 ? tokenizer.count("\n\n") : 0
        return tokenizer.count(Self.header(number, language: language)) + textLength + separator
    }

    func render(_ chosen: [(text: String, evidence: Bool)], language: String) -> (context: [UInt8], evidence: [JSONValue]) {
        var context: [UInt8] = []
        context.reserveCapacity(chosen.reduce(0) { $0 + $1.text.utf8.count + 24 })
        var evidencePassages: [JSONValue] = []
        for (i, passage) in chosen.enumerated() {
            if i > 0 { context.append(contentsOf: [0x0A, 0x0A]) }
            context.append(contentsOf: Self.header(i + 1, language: language).utf8)
            context.append(contentsOf: passage.text.utf8)
            if passage.evidence { evidencePassages.append(.number(Double(i + 1))) }
        }
        return (context, evidencePassages)
    }

    func assemble(sample index: Int, stream: Int, random: inout SeededRandom, into json: inout JSONWriter) -> AssemblyResult {
        let sample = pool[index]
        let level = levels[stream]
        let own = ownCandidates[index]
        let titles = ownTitles[index]

        var chosen: [(text: String, evidence: Bool)] = []
        var estimate = 0
        for (document, candidate) in zip(sample.documents, own) where document.evidence {
            chosen.append((document.text, true))
            estimate += passageLength(number: chosen.count, textLength: candidates.lengths[Int(candidate)], language: sample.language)
        }
        if chosen.isEmpty { return .rejected(reason: "no evidence documents: the sample marks none of its documents as evidence") }

        // Draw without replacement: a partial Fisher-Yates over candidate indices.
        var order = Array(0..<Int32(candidates.texts.count))
        var drawn = 0
        /// Adds distractors until the estimate grows by `needed`; false when the pool runs out.
        func draw(_ needed: Int) -> Bool {
            let target = estimate + needed
            while estimate < target {
                guard drawn < order.count else { return false }
                let j = drawn + random.below(order.count - drawn)
                order.swapAt(drawn, j)
                let candidate = order[drawn]
                drawn += 1
                if own.contains(candidate) || titles.contains(candidates.titleIDs[Int(candidate)]) { continue }
                chosen.append((candidates.texts[Int(candidate)], false))
                estimate += passageLength(number: chosen.count, textLength: candidates.lengths[Int(candidate)], language: sample.language)
            }
            return true
        }
        func exhausted(_ length: Int) -> AssemblyResult {
            .rejected(reason: "distractor pool exhausted: \(length) \(unit) after every candidate, level \(level)")
        }
        guard draw(level - estimate) else { return exhausted(estimate) }
        random.shuffle(&chosen)
        var (context, evidencePassages) = render(chosen, language: sample.language)
        var length = estimate
        if !unit.isAdditive {
            // Token counts of parts need not add up: measure the whole context, and while it
            // falls short, draw more passages (each placed at a seeded position) and measure again.
            length = context.withUnsafeBytes { tokenizer.count(String(decoding: $0, as: UTF8.self)) }
            while length < level {
                let before = chosen.count
                guard draw(level - length) else { return exhausted(length) }
                let added = chosen[before...]
                chosen.removeSubrange(before...)
                for passage in added { chosen.insert(passage, at: random.below(chosen.count + 1)) }
                (context, evidencePassages) = render(chosen, language: sample.language)
                length = context.withUnsafeBytes { tokenizer.count(String(decoding: $0, as: UTF8.self)) }
            }
        }

        json.beginObject()
        json.key("input"); json.string(sample.question)
        json.key("context"); context.withUnsafeBytes { json.string(utf8: $0) }
        json.key("answers"); json.beginArray()
        for answer in sample.answers { json.string(answer) }
        json.endArray()
        json.key("length"); json.int(length)
        json.key("dataset"); json.string(sample.dataset)
        json.key("language"); json.string(sample.language)
        json.key("answer_keywords")
        if let keywords = sample.answerKeywords { json.string(keywords) } else { json.null() }
        json.key("confusing_facts"); json.beginArray()
        for fact in sample.confusingFacts { json.string(fact) }
        json.endArray()
        json.key("all_classes"); json.null()
        json.key("_id"); json.string(sample.id)
        json.key("length_level"); json.string(ValueSyntax.levelName(level))
        var meta = sample.meta
        meta.set("passages", .number(Double(chosen.count)))
        meta.set("evidence_passages", .array(evidencePassages))
        meta.set("unit", .string("\(unit)"))
        json.key("meta"); json.value(.object(meta))
        json.endObject()
        return .written(length: length)
    }
}
