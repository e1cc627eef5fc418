import LongweaveCore
import LongweaveIO
import LongweaveText

/// `length_buckets`: assembles one long context per sample and level.
///
/// Mode `fill` (LV-Eval's way): the sample's evidence documents plus distractor documents
/// drawn without replacement from the pool (every other sample's documents and the
/// `distractors:` inputs, never a document of the sample itself or one with the same
/// title), at seeded positions, rendered as `### Passage {i}\n{text}` joined by blank lines,
/// until the context reaches the level; the crossing distractor is cut at a sentence end so
/// the length lands within the tolerance (see `FillAssembly`).
///
/// Mode `needle` (LV-Eval's factrecall): each sample's evidence is a needle hidden in a
/// haystack at every depth of `depths:` (or `count:` depths from 0 to 1), one record per level
/// and depth (see `NeedleAssembly`).
///
/// Mode `m4le` (M4LE's construction): per length bucket, `per_bucket` records drawn with the
/// seed, each a sample's gold passage(s) among labelled passages of other samples, with a
/// question that points at the gold by an ID, an index, a title or a topic, or one whole
/// document (`global`), in M4LE's fields (see `M4LEAssembly`).
public enum LengthBucketsStage: StageFactory {
    public static let descriptor = StageDescriptor(
        name: "length_buckets",
        summary: "fill each sample's context with distractor passages up to every length level (LV-Eval-style records), or build M4LE-style records per length bucket",
        kind: .assembling,
        parameters: [
            ParameterSpec("mode", .choice(["fill", "needle", "m4le"]), default: .string("fill"),
                          doc: "fill: evidence + distractors up to each level; needle: the evidence hidden in a haystack at several depths; m4le: M4LE records, per_bucket per length bucket"),
            ParameterSpec("unit", .string, default: .string("words"),
                          doc: "length unit: words (Python str.split), chars (Unicode scalars), tiktoken:PATH or hf:PATH (tokens)"),
            ParameterSpec("encoding", .string, default: .string(""),
                          doc: "tiktoken encoding when the rank file's name does not say it (cl100k_base, o200k_base, gpt2, qwen)"),
            ParameterSpec("levels", .list(.length, nonEmpty: true), default: .list([]),
                          doc: "fill and needle (required there): length levels, e.g. [16k, 32k, 64k, 128k, 256k]"),
            ParameterSpec("distractors", .list(.inputReference, nonEmpty: false), default: .list([]),
                          doc: "ids of documents inputs added to the distractor pool"),
            ParameterSpec("tolerance", .string, default: .string("0.02"),
                          doc: "a context's length lands in [level, level * (1 + tolerance)]: the last distractor is cut at a sentence end"),
            ParameterSpec("nested", .boolean, default: .bool(false),
                          doc: "each level's context extends the previous level's (same passages, same order, more of them)"),
            ParameterSpec("haystack", .list(.inputReference, nonEmpty: false), default: .list([]),
                          doc: "needle: ids of documents inputs read in order (from a seeded start) as the haystack"),
            ParameterSpec("depths", .list(.string, nonEmpty: false), default: .list([]),
                          doc: "needle: depths from 0 (start) to 1 (end), e.g. [0, 0.25, 0.5]"),
            ParameterSpec("count", .integer(min: 1, max: 100_000), default: .int(200),
                          doc: "needle, without depths: this many depths evenly spaced from 0 to 1"),
            ParameterSpec("buckets", .list(.length, nonEmpty: true), default: .list(defaultBuckets.map { .int($0) }),
                          doc: "m4le: bucket upper bounds; a record is in bucket B when previous < total_length <= B"),
            ParameterSpec("per_bucket", .integer(min: 1, max: 1_000_000), default: .int(200),
                          doc: "m4le: records per bucket (all the data when there is less)"),
            ParameterSpec("ability", .choice(M4LEAbility.allCases.map(\.rawValue)), default: .string(""),
                          doc: "m4le: explicit-single, semantic-single, explicit-multiple, semantic-multiple or global"),
            ParameterSpec("instruction", .string, default: .string(""), doc: "m4le: the instruction (default: the ability's, in the pipeline's language)"),
            ParameterSpec("label", .string, default: .string(""),
                          doc: "m4le: each passage's label, e.g. 'Passage {id}:' or '段落{index}:' ({index}, {id}, {title})"),
            ParameterSpec("question", .string, default: .string(""),
                          doc: "m4le: the question line(s) after the passages ({question}, {question_lc}, the gold's {index}, {id}, {title}, all golds' {ids}, {indexes})"),
            ParameterSpec("answer", .string, default: .string(""),
                          doc: "m4le: the answer: {answers} (the sample's) or a template such as {id} or {ids}"),
            ParameterSpec("example", .string, default: .string(""), doc: "m4le: the one-shot example (default: the ability's)"),
            ParameterSpec("one_shot", .boolean, default: .bool(false), doc: "m4le: put the example and a blank line before the input"),
            ParameterSpec("max_tries", .integer(min: 1, max: 100_000), default: .int(100),
                          doc: "m4le: steps to land a record in its bucket before the sample is rejected; a bucket stops after this many rejected samples in a row"),
            ParameterSpec("answers_in_gold", .boolean, default: .bool(false),
                          doc: "m4le: reject a sample unless every answer occurs in its gold passage (extractive QA)"),
        ])

    /// M4LE's buckets.
    static let defaultBuckets = [1_000, 2_000, 4_000, 6_000, 8_000, 12_000, 16_000, 24_000, 32_000, 64_000, 128_000]
    static let m4leKeys = ["buckets", "per_bucket", "ability", "instruction", "label", "question", "answer", "example", "one_shot", "max_tries", "answers_in_gold"]

    public static func make(_ setup: StageSetup) throws(StageSetupError) -> StageInstance {
        let config = setup.config
        var levels: [Int] = []
        for case .int(let level) in config.list("levels") {
            if levels.contains(level) { throw StageSetupError("level \(ValueSyntax.levelName(level)) is listed twice") }
            levels.append(level)
        }
        let distractors = try documentInputs(config, key: "distractors", pipeline: setup.pipeline)
        let haystack = try documentInputs(config, key: "haystack", pipeline: setup.pipeline)
        let unit = try LengthUnit(spec: config.string("unit"), encoding: config.string("encoding"), pipeline: setup.pipeline)
        guard let tolerance = Double(config.string("tolerance")), tolerance >= 0, tolerance < 1 else {
            throw StageSetupError("tolerance: expected a fraction such as 0.02, found '\(config.string("tolerance"))'")
        }
        let depthTexts = config.list("depths").compactMap { value -> String? in
            if case .string(let text) = value { return text }
            return nil
        }
        let mode = config.string("mode")
        if mode == "m4le" {
            return try m4le(setup, unit: unit, distractors: distractors)
        }
        if levels.isEmpty { throw StageSetupError("mode \(mode) needs levels: the length levels to build, e.g. [16k, 32k]") }
        if let key = firstWritten(m4leKeys, in: config) {
            throw StageSetupError("\(key) belongs to mode m4le, not \(mode)")
        }
        if mode == "fill" {
            if !haystack.isEmpty || !depthTexts.isEmpty { throw StageSetupError("haystack and depths belong to mode needle, not fill") }
            return .assembling(FillAssembler(levels: levels.sorted(), unit: unit, distractorInputs: distractors, tolerance: tolerance,
                                             nested: config.bool("nested"), seed: setup.pipeline.seed,
                                             split: LVEvalRecord.splitName(pipeline: setup.pipeline.name)))
        }
        if !distractors.isEmpty || config.bool("nested") { throw StageSetupError("distractors and nested belong to mode fill, not needle") }
        if haystack.isEmpty { throw StageSetupError("mode needle needs haystack: the ids of documents inputs to hide the needle in") }
        var depths: [Double] = []
        for text in depthTexts {
            guard let depth = Double(text), depth >= 0, depth <= 1 else {
                throw StageSetupError("depths: expected numbers from 0 to 1, found '\(text)'")
            }
            depths.append(depth)
        }
        if depths.isEmpty {
            let count = config.int("count")
            depths = count == 1 ? [0.5] : (0..<count).map { Double($0) / Double(count - 1) }
        }
        return .assembling(NeedleAssembler(levels: levels.sorted(), unit: unit, haystackInputs: haystack, depths: depths,
                                           tolerance: tolerance, seed: setup.pipeline.seed,
                                           split: LVEvalRecord.splitName(pipeline: setup.pipeline.name)))
    }

    static func m4le(_ setup: StageSetup, unit: LengthUnit, distractors: [String]) throws(StageSetupError) -> StageInstance {
        let config = setup.config
        if !config.list("levels").isEmpty { throw StageSetupError("mode m4le takes buckets, not levels") }
        if firstWritten(["haystack", "depths", "count", "nested", "tolerance"], in: config) != nil {
            throw StageSetupError("haystack, depths, count, nested and tolerance belong to modes needle and fill, not m4le")
        }
        guard let ability = M4LEAbility(rawValue: config.string("ability")) else {
            throw StageSetupError("mode m4le needs ability: one of \(M4LEAbility.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if ability == .global && !distractors.isEmpty { throw StageSetupError("ability global reads each document alone: it takes no distractors") }
        var buckets: [Int] = []
        for case .int(let bucket) in config.list("buckets") {
            if let last = buckets.last, bucket <= last {
                throw StageSetupError("buckets: expected increasing upper bounds, found \(ValueSyntax.levelName(bucket)) after \(ValueSyntax.levelName(last))")
            }
            buckets.append(bucket)
        }
        let templates = M4LETemplates.resolve(
            ability: ability, language: setup.pipeline.language, instruction: config.string("instruction"), label: config.string("label"),
            question: config.string("question"), answer: config.string("answer"), example: config.string("example"), oneShot: config.bool("one_shot"))
        try templates.validate()
        return .assembling(M4LEAssembler(buckets: buckets, perBucket: config.int("per_bucket"), ability: ability, templates: templates, unit: unit,
                                         distractorInputs: distractors, maxTries: config.int("max_tries"), answersInGold: config.bool("answers_in_gold"),
                                         seed: setup.pipeline.seed))
    }

    /// The first of `keys` whose value differs from its default: defaults are filled in
    /// before `make`, so that key was written in the pipeline file.
    static func firstWritten(_ keys: [String], in config: ConfigMapping) -> String? {
        keys.first { key in config[key] != descriptor.parameters.first { $0.name == key }?.defaultValue }
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
    let tolerance: Double
    let nested: Bool
    let seed: UInt64
    let split: String

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
                            ownCandidates: ownCandidates, ownTitles: ownTitles, tolerance: tolerance, nested: nested, seed: seed,
                            split: split)
    }
}

/// Every distinct document that may serve as a distractor, measured once.
struct CandidatePool: Sendable {
    let tokenizer: Tokenizer
    var texts: [String] = []
    var lengths: [Int] = []
    var titleIDs: [Int32] = []
    /// Title by title id.
    var titles: [String] = []
    /// Where each distinct text was first seen: a sample id or `input:k`.
    var sources: [String] = []
    private var indexByText: [String: Int32] = [:]
    private var titleIDByTitle: [String: Int32] = [:]

    init(tokenizer: Tokenizer) {
        self.tokenizer = tokenizer
    }

    /// Adds a document unless its text is already there; returns its index and title id.
    mutating func add(_ document: Document, source: String = "") -> (index: Int32, title: Int32) {
        let title: Int32
        if let existing = titleIDByTitle[document.title] {
            title = existing
        } else {
            title = Int32(titleIDByTitle.count)
            titleIDByTitle[document.title] = title
            titles.append(document.title)
        }
        if let existing = indexByText[document.text] { return (existing, title) }
        let index = Int32(texts.count)
        indexByText[document.text] = index
        texts.append(document.text)
        sources.append(source)
        lengths.append(tokenizer.count(document.text))
        titleIDs.append(title)
        return (index, title)
    }
}

