import LongweaveCore
import LongweaveIO

/// Writes an audit's `scores.jsonl` and `report.json`.
public struct AuditReport {
    public var parameters: AuditParameters
    public var fields: [AuditField]
    public var benchmarkInputs: [String]
    public var result: AuditResult
    public var referenceFiles: [ReferenceFileStats]
    /// Per model: its score per sample id.
    public var models: [(name: String, scores: [String: Double])]
    public var minClean: Int

    public init(parameters: AuditParameters, fields: [AuditField], benchmarkInputs: [String], result: AuditResult,
                referenceFiles: [ReferenceFileStats], models: [(name: String, scores: [String: Double])] = [], minClean: Int = 1) {
        self.parameters = parameters
        self.fields = fields
        self.benchmarkInputs = benchmarkInputs
        self.result = result
        self.referenceFiles = referenceFiles
        self.models = models
        self.minClean = minClean
    }

    /// `path@offset` or `path#index` of a reference document.
    public func label(_ document: ReferenceDocument) -> String {
        document.label(files: referenceFiles.map { ($0.path, $0.format) })
    }

    /// Scores rounded to six decimals, as written.
    public static func rounded(_ value: Double) -> JSONValue { .number((value * 1_000_000).rounded() / 1_000_000) }

    /// A score as people read it: four decimals at most.
    public static func shown(_ value: Double) -> String { String((value * 10000).rounded() / 10000) }

    /// One line per sample.
    public func scoresJSONLines() -> [UInt8] {
        var json = JSONWriter()
        for score in result.scores {
            json.beginObject()
            json.key("_id"); json.string(score.id)
            json.key("tokens"); json.int(score.tokens)
            for metric in ContaminationMetric.allCases {
                json.key(metric.rawValue); json.value(Self.rounded(score.value(metric)))
            }
            json.key("longest_span")
            if let span = score.longestSpan {
                json.beginObject()
                json.key("start"); json.int(span.start)
                json.key("end"); json.int(span.end)
                json.key("text"); json.string(span.text)
                json.key("reference_doc"); json.string(label(span.referenceDocument))
                json.key("reference_offset"); json.int(span.referenceOffset)
                json.endObject()
            } else {
                json.null()
            }
            json.endObject()
            json.newline()
        }
        return json.bytes
    }

    /// Share of samples whose `metric` is above each threshold 0.00, 0.01, ..., 1.00.
    public func flaggedShares(_ metric: ContaminationMetric) -> [Double] {
        let values = result.scores.map { $0.value(metric) }
        return (0...100).map { step in
            let tau = Double(step) / 100
            return values.isEmpty ? 0 : Double(values.filter { $0 > tau }.count) / Double(values.count)
        }
    }

    /// The ConTAM analysis of one model for one metric.
    public func analysis(model scores: [String: Double], metric: ContaminationMetric) -> EPGAnalysis {
        let scored = result.scores.filter { scores[$0.id] != nil }
        return EPGAnalysis(metric: scored.map { $0.value(metric) }, model: scored.map { scores[$0.id]! }, minClean: minClean)
    }

    public func reportJSON() -> JSONValue {
        var report = JSONObject()
        report.set("parameters", .object(JSONObject([
            ("fields", .array(fields.map { .string($0.rawValue) })),
            ("tokenizer", .string(parameters.tokenizer.description)),
            ("n", .number(Double(parameters.n))),
            ("mincount", .number(Double(parameters.mincount))),
            ("skip_budget", .number(Double(parameters.skipBudget))),
        ])))
        report.set("benchmark", .object(JSONObject([
            ("inputs", .array(benchmarkInputs.map { .string($0) })),
            ("samples", .number(Double(result.scores.count))),
            ("tokens", .number(Double(result.scores.reduce(0) { $0 + $1.tokens }))),
        ])))
        report.set("reference", .object(JSONObject([
            ("documents", .number(Double(result.referenceDocuments))),
            ("tokens", .number(Double(result.referenceTokens))),
            ("files", .array(referenceFiles.map { file in
                .object(JSONObject([
                    ("path", .string(file.path)), ("bytes", .number(Double(file.bytes))), ("sha256", .string(file.sha256)),
                    ("documents", .number(Double(file.documents))),
                    ("skipped", .object(JSONObject(file.skipped.keys.sorted().map { ($0, .number(Double(file.skipped[$0]!))) }))),
                ]))
            })),
        ])))
        var metrics = JSONObject()
        for metric in ContaminationMetric.allCases {
            let values = result.scores.map { $0.value(metric) }.sorted()
            func quantile(_ q: Double) -> JSONValue { values.isEmpty ? .number(0) : Self.rounded(values[min(values.count - 1, Int(q * Double(values.count)))]) }
            var histogram = Array(repeating: 0.0, count: 20)
            for value in values { histogram[min(19, Int(value * 20))] += 1 }
            metrics.set(metric.rawValue, .object(JSONObject([
                ("mean", Self.rounded(values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count))),
                ("min", values.first.map(Self.rounded) ?? .number(0)),
                ("median", quantile(0.5)),
                ("p90", quantile(0.9)),
                ("max", values.last.map(Self.rounded) ?? .number(0)),
                ("histogram_20_bins", .array(histogram.map { .number($0) })),
                ("flagged_above", .array(flaggedShares(metric).map(Self.rounded))),
            ])))
        }
        report.set("metrics", .object(metrics))
        if !models.isEmpty {
            var analyses = JSONObject()
            for (name, scores) in models {
                var perMetric = JSONObject()
                for metric in ContaminationMetric.allCases {
                    let analysis = analysis(model: scores, metric: metric)
                    guard let chosen = analysis.selected else { continue }
                    perMetric.set(metric.rawValue, .object(JSONObject([
                        ("tau", Self.rounded(chosen.tau)), ("flagged", Self.rounded(chosen.flagged)),
                        ("epg", Self.rounded(chosen.epg)), ("z", Self.rounded(chosen.z)), ("clean", .number(Double(chosen.clean))),
                    ])))
                }
                analyses.set(name, .object(perMetric))
            }
            report.set("epg", .object(analyses))
        }
        return .object(report)
    }

    /// Reads a `--scores` file (`{"_id", "score"}` per line, the score a finite number, each
    /// id once) and checks it covers exactly the benchmark's samples.
    public static func readModelScores(_ path: String, sampleIDs: [String]) throws -> [String: Double] {
        var scores: [String: Double] = [:]
        var lines: [String: Int] = [:]
        try LineReader.forEachLine(in: path) { line, number in
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }
            var parser = JSONParser(bytes: line)
            let record = try? parser.parseDocument()
            guard let record, let id = record["_id"]?.stringValue ?? record["id"]?.stringValue,
                  case .number(let score)? = record["score"] else {
                throw IOError(path: path, "line \(number): expected {\"_id\": \"...\", \"score\": number}")
            }
            guard score.isFinite else { throw IOError(path: path, "line \(number): the score of '\(id)' is not a finite number") }
            if let first = lines[id] { throw IOError(path: path, "line \(number): '\(id)' has a score already (line \(first))") }
            lines[id] = number
            scores[id] = score
        }
        let known = Set(sampleIDs)
        let unknown = scores.keys.filter { !known.contains($0) }.sorted()
        let missing = sampleIDs.filter { scores[$0] == nil }
        func some(_ ids: [String]) -> String { ids.prefix(5).joined(separator: ", ") + (ids.count > 5 ? ", ... (\(ids.count) in all)" : "") }
        if !unknown.isEmpty { throw IOError(path: path, "scores for ids the benchmark does not have: \(some(unknown))") }
        if !missing.isEmpty { throw IOError(path: path, "no score for benchmark ids: \(some(missing))") }
        return scores
    }
}
