import LongweaveCore
import LongweaveIO
import LongweaveText

/// `m4le` (M4LE's construction): per length bucket, `per_bucket` records drawn with the
/// seed. Each record weaves one sample's gold passage(s) among labelled passages of other
/// samples (and `distractors:` inputs), so that its total length lands in one bucket
/// `[previous, bucket)`, with a question that points at the gold by an ID, an index, a
/// title or a topic; or one whole document (`global`). Records have M4LE's fields.
public enum M4LEStage: StageFactory {
    public static let descriptor = StageDescriptor(
        name: "m4le",
        summary: "build M4LE-style records per length bucket: gold passages among labelled distractors",
        kind: .assembling,
        parameters: [
            AssemblyKeys.unit, AssemblyKeys.encoding, AssemblyKeys.distractors,
            ParameterSpec("buckets", .list(.length, nonEmpty: true), default: .list(defaultBuckets.map { .int($0) }),
                          doc: "bucket upper bounds; a record is in bucket B when previous <= total_length < B"),
            ParameterSpec("per_bucket", .integer(min: 1, max: 1_000_000), default: .int(200),
                          doc: "records per bucket (all the data when there is less)"),
            ParameterSpec("ability", .choice(M4LEAbility.allCases.map(\.rawValue)),
                          doc: "explicit-single, semantic-single, explicit-multiple, semantic-multiple or global"),
            ParameterSpec("instruction", .string, default: .string(""), doc: "the instruction (default: the ability's, in the pipeline's language)"),
            ParameterSpec("header", .string, default: .string(""),
                          doc: "a line before the passages, after the example (the question's placeholders), e.g. 'Query Paragraph: {question}'"),
            ParameterSpec("label", .string, default: .string(""),
                          doc: "each passage's label, e.g. 'Passage {id}:' or '段落{index}:' ({index}, {id}, {title})"),
            ParameterSpec("question", .string, default: .string(""),
                          doc: "the question line(s) after the passages ({question}, {question_lc}, the gold's {index}, {id}, {title}, all golds' {ids}, {indexes})"),
            ParameterSpec("answer", .string, default: .string(""),
                          doc: "the answer: {answers} (the sample's) or a template such as {id} or {ids}"),
            ParameterSpec("example", .string, default: .string(""), doc: "the one-shot example (default: the ability's)"),
            ParameterSpec("one_shot", .boolean, default: .bool(false), doc: "put the example and a blank line before the input"),
            ParameterSpec("max_tries", .integer(min: 1, max: 100_000), default: .int(100),
                          doc: "steps to land a record in its bucket before the sample is rejected; a bucket stops after this many rejected samples in a row"),
            ParameterSpec("answers_in_gold", .boolean, default: .bool(false),
                          doc: "reject a sample unless every answer occurs in its gold passage (extractive QA)"),
            AssemblyKeys.fit,
        ])

    /// M4LE's buckets.
    static let defaultBuckets = [1_000, 2_000, 4_000, 6_000, 8_000, 12_000, 16_000, 24_000, 32_000, 64_000, 128_000]

    public static func make(_ setup: StageSetup) throws(StageSetupError) -> StageInstance {
        let config = setup.config
        let unit = try TokenizerSpec(unit: config, pipeline: setup.pipeline)
        let distractors = try AssemblyKeys.documentInputs(config, key: "distractors", pipeline: setup.pipeline)
        let fit = try AssemblyKeys.fit(config, pipeline: setup.pipeline, allowsModel: false)
        let ability = M4LEAbility(rawValue: config.string("ability"))!
        if ability == .global && !distractors.isEmpty { throw StageSetupError("ability global reads each document alone: it takes no distractors") }
        var buckets: [Int] = []
        for case .int(let bucket) in config.list("buckets") {
            if let last = buckets.last, bucket <= last {
                throw StageSetupError("buckets: expected increasing upper bounds, found \(ValueSyntax.levelName(bucket)) after \(ValueSyntax.levelName(last))")
            }
            buckets.append(bucket)
        }
        let templates = M4LETemplates.resolve(
            ability: ability, language: setup.pipeline.language, instruction: config.string("instruction"), header: config.string("header"), label: config.string("label"),
            question: config.string("question"), answer: config.string("answer"), example: config.string("example"), oneShot: config.bool("one_shot"))
        try templates.validate()
        return .assembling(M4LEAssembler(buckets: buckets, perBucket: config.int("per_bucket"), ability: ability, templates: templates, unit: unit,
                                         distractorInputs: distractors, maxTries: config.int("max_tries"), answersInGold: config.bool("answers_in_gold"),
                                         rejectsOverWindow: fit.rejectsOverWindow))
    }
}

/// Measures every candidate passage once, then plans every bucket's records.
struct M4LEAssembler: AssemblingStage {
    let buckets: [Int]
    let perBucket: Int
    let ability: M4LEAbility
    let templates: M4LETemplates
    let unit: TokenizerSpec
    let distractorInputs: [String]
    let maxTries: Int
    let answersInGold: Bool
    let rejectsOverWindow: Bool

    var streams: [OutputStream] { AssemblyKeys.streams(buckets) }
    var lengthUnit: String { unit.written }

    func prepare(pool: [Sample], documentInputs: [String: [Document]], context: StageContext) throws -> any Assembly {
        let tokenizer = try unit.load()
        var candidates = CandidatePool(tokenizer: tokenizer)
        var own: [[Int32]] = []
        var golds: [[Int32]] = []
        for sample in pool {
            if ability == .global {
                // The whole document is the one passage.
                let document = Document(title: sample.documents.first?.title ?? "", text: sample.documents.map(\.text).joined(separator: "\n"), evidence: true)
                let index = sample.documents.isEmpty ? nil : candidates.add(document, source: sample.id).index
                own.append(index.map { [$0] } ?? [])
                golds.append(index.map { [$0] } ?? [])
                continue
            }
            var mine: [Int32] = []
            var evidence: [Int32] = []
            for document in sample.documents {
                let index = candidates.add(document, source: sample.id).index
                mine.append(index)
                if document.evidence && !evidence.contains(index) { evidence.append(index) }
            }
            own.append(mine)
            golds.append(ability.isSingle ? Array(evidence.prefix(1)) : evidence)
        }
        if ability != .global {
            for id in distractorInputs {
                for (k, document) in (documentInputs[id] ?? []).enumerated() { _ = candidates.add(document, source: "\(id):\(k)") }
            }
        }
        let layout = M4LELayout(pool: pool, candidates: candidates, templates: templates, unit: unit, tokenizer: tokenizer)
        let planner = M4LEPlanner(layout: layout, own: own, golds: golds, ability: ability, buckets: buckets,
                                  perBucket: perBucket, maxTries: maxTries, answersInGold: answersInGold, context: context)
        return planner.plan()
    }
}
