import Foundation
import LongweaveAudit
import LongweaveCore
import LongweaveIO
import LongweaveText

/// `contamination`: audits the pool against reference files (streamed once) with ConTAM's
/// metrics, then tags each sample, drops the contaminated ones, or splits the output.
public enum ContaminationStage: StageFactory {
    static let metricNames = ContaminationMetric.allCases.map(\.rawValue)

    public static let descriptor = StageDescriptor(
        name: "contamination",
        summary: "score samples against a reference corpus (ConTAM's four n-gram metrics): tag, drop or split",
        kind: .pooled,
        parameters: [
            ParameterSpec("reference", .list(.string, nonEmpty: true), doc: "reference files, relative to the repository root"),
            ParameterSpec("reference_format", .string, default: .string(""),
                          doc: "jsonl, text or an ingest format (default: from each file's name)"),
            ParameterSpec("reference_field", .string, default: .string("text"), doc: "the text field of jsonl references"),
            ParameterSpec("fields", .list(.choice(AuditField.allCases.map(\.rawValue)), nonEmpty: true),
                          default: .list([.string("question"), .string("answers")]), doc: "sample fields audited, joined by newlines"),
            ParameterSpec("tokenizer", .string, default: .string("words"),
                          doc: "what n-grams are made of: words, chars, tiktoken:PATH or hf:PATH (the model's tokens)"),
            ParameterSpec("encoding", .string, default: .string(""),
                          doc: "tiktoken encoding when the rank file's name does not say it (cl100k_base, o200k_base, gpt2, qwen)"),
            ParameterSpec("n", .integer(min: 1, max: 1000), default: .int(8), doc: "n-gram length"),
            ParameterSpec("mincount", .integer(min: 1, max: 1000), default: .int(1), doc: "occurrences that make an n-gram a seed"),
            ParameterSpec("skip_budget", .integer(min: 0, max: 1000), default: .int(0), doc: "mismatches a span may bridge"),
            ParameterSpec("action", .choice(["tag", "drop", "split"]), default: .string("tag"),
                          doc: "tag: scores into meta.contamination; drop: contaminated samples to rejects.jsonl; split: clean/ and contaminated/ outputs"),
            ParameterSpec("threshold", .mapping(ContaminationMetric.allCases.map {
                ParameterSpec($0.rawValue, .number(min: 0, max: 1), optional: true, doc: "contaminated when the score is above this")
            }), default: .mapping(ConfigMapping([])),
                          doc: "drop and split: a sample is contaminated when any listed metric is above its value"),
        ])

    public static func make(_ setup: StageSetup) throws(StageSetupError) -> StageInstance {
        let config = setup.config
        var files: [ReferenceFile] = []
        let format = config.string("reference_format")
        for case .string(let path) in config.list("reference") {
            let resolved = setup.pipeline.resolve(path)
            guard FileSystem.exists(resolved) else { throw StageSetupError("reference: no file \(resolved)") }
            guard let chosen = format.isEmpty ? ReferenceFile.inferredFormat(path) : format else {
                throw StageSetupError("reference: cannot tell the format of \(path) from its name: give reference_format")
            }
            files.append(ReferenceFile(path: path, resolvedPath: resolved, format: chosen))
        }
        let fields = config.list("fields").compactMap { value -> AuditField? in
            if case .string(let name) = value { return AuditField(rawValue: name) }
            return nil
        }
        let thresholds = ContaminationMetric.allCases.compactMap { metric in
            config.mapping("threshold")[metric.rawValue]?.numberValue.map { (metric, $0) }
        }
        let action = config.string("action")
        if action != "tag" && thresholds.isEmpty {
            throw StageSetupError("action \(action) needs threshold: {metric: value}, e.g. {token_extend: 0.2}")
        }
        if action == "split" && setup.pipeline.stages.contains(where: { $0.kind == .assembling }) {
            throw StageSetupError("action split writes clean/ and contaminated/ folders, which a pipeline with an assembling stage does not have: use drop, or tag")
        }
        let tokenizer: AuditTokenizer
        do {
            tokenizer = try AuditTokenizer(TokenizerSpec(config.string("tokenizer"), encoding: config.string("encoding"), root: setup.pipeline.root))
        } catch {
            throw StageSetupError("tokenizer: \(error)")
        }
        let parameters = AuditParameters(tokenizer: tokenizer, n: config.int("n"),
                                         mincount: config.int("mincount"), skipBudget: config.int("skip_budget"))
        return .pooled(ContaminationFilter(files: files, textField: config.string("reference_field"), fields: fields, parameters: parameters,
                                           action: action, thresholds: thresholds, root: setup.pipeline.root))
    }
}

struct ContaminationFilter: PooledStage, OutputFoldersStage {
    let files: [ReferenceFile]
    let textField: String
    let fields: [AuditField]
    let parameters: AuditParameters
    let action: String
    let thresholds: [(ContaminationMetric, Double)]
    let root: String

    static let subsetKey = "contamination_subset"

    /// `action: split` writes the clean and the contaminated samples into folders of those names.
    func outputFolders(of pool: [Sample]) -> [(name: String, samples: [Sample])]? {
        guard action == "split" else { return nil }
        func subset(_ sample: Sample) -> String { sample.meta[Self.subsetKey]?.stringValue ?? "none" }
        return Set(pool.map(subset)).sorted().map { name in (name, pool.filter { subset($0) == name }) }
    }

    func process(pool: [Sample], context: StageContext, counts: inout [String: Int]) throws -> PooledResult {
        let audit = ContaminationAudit(samples: pool.map { ($0.id, AuditSamples.text(of: $0, fields: fields)) }, parameters: parameters)
        let registry = context.registry
        var stats = files.map(ReferenceFileStats.init)
        let result = try audit.run(threads: context.threads) { emit in
            try ReferenceReader.forEachDocument(of: files, selected: files.indices.map { ReferencePiece(file: $0) }, textField: textField, skipBad: false,
                                                registry: registry, root: root, stats: &stats, emit)
        }
        counts["reference documents"] = result.referenceDocuments
        counts["reference tokens"] = result.referenceTokens
        var kept: [Sample] = []
        var removed: [(id: String, verdict: StageVerdict)] = []
        for (sample, scores) in zip(pool, result.scores) {
            var sample = sample
            var entry = JSONObject(ContaminationMetric.allCases.map { ($0.rawValue, AuditReport.rounded(scores.value($0))) })
            if let span = scores.longestSpan {
                entry.set("longest_span", .object(JSONObject([
                    ("text", .string(span.text)),
                    ("reference_doc", .string(span.referenceDocument.label(files: files.map { ($0.path, $0.format) }))),
                    ("reference_offset", .number(Double(span.referenceOffset))),
                ])))
            }
            sample.meta.set("contamination", .object(entry))
            let above = thresholds.filter { scores.value($0.0) > $0.1 }
            if !above.isEmpty { counts["contaminated", default: 0] += 1 }
            switch action {
            case "drop" where !above.isEmpty:
                let why = above.map { "\($0.0.rawValue) \(AuditReport.shown(scores.value($0.0))) > \($0.1)" }.joined(separator: ", ")
                removed.append((sample.id, .reject(reason: "contaminated: \(why)")))
                continue
            case "split":
                sample.meta.set(Self.subsetKey, .string(above.isEmpty ? "clean" : "contaminated"))
            default:
                break
            }
            kept.append(sample)
        }
        return (kept, removed)
    }
}
