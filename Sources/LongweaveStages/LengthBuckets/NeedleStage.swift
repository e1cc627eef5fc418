import LongweaveCore
import LongweaveIO
import LongweavePrompts
import LongweaveText

/// `needle` (LV-Eval's factrecall): each sample's evidence is a needle sentence, hidden in a
/// haystack of documents read in order from a seeded start (`haystack:` inputs), one record
/// per level and depth (`depths:`, or `count:` depths from 0 to 1). The haystack is cut at a
/// sentence end so the context lands within the tolerance (see `NeedleAssembly`).
public enum NeedleStage: StageFactory {
    public static let descriptor = StageDescriptor(
        name: "needle",
        summary: "hide each sample's evidence in a haystack at several depths, up to every length level (LV-Eval factrecall records)",
        kind: .assembling,
        parameters: [
            AssemblyKeys.unit, AssemblyKeys.encoding, AssemblyKeys.levels,
            ParameterSpec("haystack", .list(.inputReference, nonEmpty: true),
                          doc: "ids of documents inputs read in order (from a seeded start) as the haystack"),
            ParameterSpec("depths", .list(.number(min: 0, max: 1), nonEmpty: false), default: .list([]),
                          doc: "depths from 0 (start) to 1 (end), e.g. [0, 0.25, 0.5]"),
            ParameterSpec("count", .integer(min: 1, max: 100_000), default: .int(200),
                          doc: "without depths: this many depths evenly spaced from 0 to 1"),
            AssemblyKeys.tolerance, AssemblyKeys.fit,
        ])

    public static func make(_ setup: StageSetup) throws(StageSetupError) -> StageInstance {
        let config = setup.config
        let levels = try AssemblyKeys.levels(config)
        let fit = try AssemblyKeys.fit(config, pipeline: setup.pipeline, allowsModel: true)
        let unit = try AssemblyKeys.fittedUnit(config, fit: fit, levels: levels, pipeline: setup.pipeline)
        var depths = config.list("depths").compactMap(\.numberValue)
        if depths.isEmpty {
            let count = config.int("count")
            depths = count == 1 ? [0.5] : (0..<count).map { Double($0) / Double(count - 1) }
        }
        return .assembling(NeedleAssembler(
            levels: levels, unit: unit,
            haystackInputs: try AssemblyKeys.documentInputs(config, key: "haystack", pipeline: setup.pipeline),
            depths: depths, tolerance: config.number("tolerance"),
            split: LVEvalRecord.splitName(pipeline: setup.pipeline.name), fit: fit, pipeline: setup.pipeline))
    }
}

/// Builds every sample's haystack once, then a record per level and depth.
struct NeedleAssembler: AssemblingStage {
    let levels: [Int]
    let unit: TokenizerSpec
    let haystackInputs: [String]
    let depths: [Double]
    let tolerance: Double
    /// The split's name, written as each record's `dataset`.
    let split: String
    let fit: AssemblyKeys.Fit
    let pipeline: PipelineSpec

    var streams: [OutputStream] { AssemblyKeys.streams(levels) }
    var lengthUnit: String { unit.written }
    var rejectsOverWindow: Bool { fit.rejectsOverWindow }

    func prepare(pool: [Sample], documentInputs: [String: [Document]], context: StageContext) throws -> any Assembly {
        var fitView: ModelView?
        if case .model(let model) = fit { fitView = try ModelView(model: model, pipeline: pipeline) }
        let tokenizer = try fitView?.tokenizer ?? unit.load()
        let documents = haystackInputs.flatMap { documentInputs[$0] ?? [] }.map { String($0.text.trimmingWhitespace()) }.filter { !$0.isEmpty }
        // The band each record's measure lands in: the context in the unit, or under fit the
        // model's whole prompt plus its answer tokens in [level * (1 - tolerance), level].
        let bands: [(lower: Int, upper: Int)] = levels.map { level in
            fitView?.band(level: level, tolerance: tolerance) ?? (level, level + Int((Double(level) * tolerance).rounded(.down)))
        }
        var haystacks: [Haystack] = []
        for sample in pool {
            // The haystack's prefixes are found in context tokens: the prompt around the context first taken off.
            let around = try fitView?.promptTokens(context: "", input: sample.question) ?? 0
            haystacks.append(Haystack.build(for: sample, documents: documents, levels: bands.map { $0.lower - around },
                                            upperBounds: bands.map { $0.upper - around }, unit: unit, tokenizer: tokenizer, context: context))
        }
        return NeedleAssembly(pool: pool, levels: levels, bands: bands, unit: unit, tokenizer: tokenizer,
                              depths: depths, haystacks: haystacks, split: split, fitView: fitView)
    }
}
