import LongweaveCore
import LongweaveIO
import LongweavePrompts
import LongweaveText

/// `fill` (LV-Eval's way): one long context per sample and level. The sample's evidence
/// documents plus distractor documents drawn without replacement from the pool (every other
/// sample's documents and the `distractors:` inputs, never a document of the sample itself
/// or one with the same title), at seeded positions, rendered as `### Passage {i}\n{text}`
/// joined by blank lines, until the context reaches the level; the crossing distractor is
/// cut at a sentence end so the length lands within the tolerance (see `FillAssembly`).
public enum FillStage: StageFactory {
    public static let descriptor = StageDescriptor(
        name: "fill",
        summary: "fill each sample's context with distractor passages up to every length level (LV-Eval-style records)",
        kind: .assembling,
        parameters: [
            AssemblyKeys.unit, AssemblyKeys.encoding, AssemblyKeys.levels, AssemblyKeys.distractors, AssemblyKeys.tolerance, AssemblyKeys.fit,
            ParameterSpec("nested", .boolean, default: .bool(false),
                          doc: "each level's context extends the previous level's (same passages, same order, more of them)"),
        ])

    public static func make(_ setup: StageSetup) throws(StageSetupError) -> StageInstance {
        let config = setup.config
        let levels = try AssemblyKeys.levels(config)
        let fit = try AssemblyKeys.fit(config, pipeline: setup.pipeline, allowsModel: true)
        // Under fit: {model} the levels are budgets in the model's tokens: so are the passages' lengths.
        let unit = try AssemblyKeys.fittedUnit(config, fit: fit, levels: levels, pipeline: setup.pipeline)
        return .assembling(FillAssembler(
            levels: levels, unit: unit,
            distractorInputs: try AssemblyKeys.documentInputs(config, key: "distractors", pipeline: setup.pipeline),
            tolerance: config.number("tolerance"), nested: config.bool("nested"),
            split: LVEvalRecord.splitName(pipeline: setup.pipeline.name), fit: fit, pipeline: setup.pipeline))
    }
}

struct FillAssembler: AssemblingStage {
    let levels: [Int]
    let unit: TokenizerSpec
    let distractorInputs: [String]
    let tolerance: Double
    let nested: Bool
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
                            ownCandidates: ownCandidates, ownTitles: ownTitles, tolerance: tolerance, nested: nested, context: context,
                            split: split, fitView: fitView)
    }
}
