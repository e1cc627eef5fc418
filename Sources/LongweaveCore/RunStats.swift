import LongweaveIO

/// Counters of one stage (or one ingest input) for stats.jsonl and the manifest.
public struct StageStats: Sendable {
    public var stage: String
    public var input: String?
    public var recordsIn = 0
    public var recordsOut = 0
    public var dropped: [String: Int] = [:]
    /// Kept records counted by kind (for example unanswerable questions kept on request).
    public var noted: [String: Int] = [:]
    /// Documents removed inside samples and from documents-only inputs, by reason.
    public var documentsRemoved: [String: Int] = [:]
    /// What the stage counted besides records (replacements per field, facts made), by name.
    public var counts: [String: Int] = [:]
    public var rejected = 0
    public var seconds = 0.0

    public init(stage: String, input: String? = nil) {
        self.stage = stage
        self.input = input
    }

    /// The name that an input's rejects and timings carry: `ingest:<input id>`.
    public static func ingestName(_ input: String) -> String { "ingest:" + input }

    /// The stage's name, or its input's ingest name.
    public var label: String { input.map(Self.ingestName) ?? stage }

    /// The deterministic part, as JSON; `seconds` only when asked.
    public func json(withSeconds: Bool) -> JSONValue {
        var object = JSONObject([("stage", .string(stage))])
        if let input { object.set("input", .string(input)) }
        object.set("in", .number(Double(recordsIn)))
        object.set("out", .number(Double(recordsOut)))
        object.set("dropped", .object(JSONObject(dropped.keys.sorted().map { ($0, .number(Double(dropped[$0]!))) })))
        object.set("rejected", .number(Double(rejected)))
        if !noted.isEmpty {
            object.set("noted", .object(JSONObject(noted.keys.sorted().map { ($0, .number(Double(noted[$0]!))) })))
        }
        if !documentsRemoved.isEmpty {
            object.set("documents_removed", .object(JSONObject(documentsRemoved.keys.sorted().map { ($0, .number(Double(documentsRemoved[$0]!))) })))
        }
        if !counts.isEmpty {
            object.set("counts", .object(JSONObject(counts.keys.sorted().map { ($0, .number(Double(counts[$0]!))) })))
        }
        if withSeconds { object.set("seconds", .number((seconds * 1000).rounded() / 1000)) }
        return .object(object)
    }
}

/// Per output folder: records and their lengths.
public struct StreamStats: Sendable {
    public var name: String
    public var records = 0
    public var minLength = Int.max
    public var maxLength = 0
    public var totalLength = 0
    public var shards: [ShardInfo] = []
    /// Per model of `models:`, in its order: the records' prompt tokens.
    public var promptTokens: [PromptTokenStats] = []

    mutating func add(length: Int) {
        records += 1
        minLength = min(minLength, length)
        maxLength = max(maxLength, length)
        totalLength += length
    }

    mutating func add(promptTokens tokens: [Int], models: [ModelSpec]) {
        if promptTokens.isEmpty { promptTokens = models.map { PromptTokenStats(model: $0.name, budget: $0.promptBudget) } }
        for (k, count) in tokens.enumerated() { promptTokens[k].add(count) }
    }

    /// Adds the records and shards of another part of the same stream, written after this one.
    mutating func merge(_ other: StreamStats) {
        records += other.records
        minLength = min(minLength, other.minLength)
        maxLength = max(maxLength, other.maxLength)
        totalLength += other.totalLength
        shards += other.shards
        if promptTokens.isEmpty {
            promptTokens = other.promptTokens
        } else {
            for k in other.promptTokens.indices { promptTokens[k].merge(other.promptTokens[k]) }
        }
    }
}

/// One model's prompt tokens over the records of a stream, and how many overflow its
/// window once the answer's tokens are kept free.
public struct PromptTokenStats: Sendable, Equatable {
    public var model: String
    /// window - answer_tokens.
    public var budget: Int
    public var records = 0
    public var min = Int.max
    public var max = 0
    public var total = 0
    public var overWindow = 0

    public init(model: String, budget: Int) {
        self.model = model
        self.budget = budget
    }

    mutating func add(_ count: Int) {
        records += 1
        min = Swift.min(min, count)
        max = Swift.max(max, count)
        total += count
        if count > budget { overWindow += 1 }
    }

    mutating func merge(_ other: PromptTokenStats) {
        records += other.records
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
        total += other.total
        overWindow += other.overWindow
    }

    /// As the manifest and slice records write it.
    var json: JSONValue {
        .object(JSONObject([
            ("min", .number(Double(records > 0 ? min : 0))),
            ("mean", .number(records > 0 ? (Double(total) / Double(records) * 10).rounded() / 10 : 0)),
            ("max", .number(Double(max))),
            ("over_window", .number(Double(overWindow))),
        ]))
    }

    /// As a slice record keeps it, to merge exactly.
    var sliceJSON: JSONValue {
        .object(JSONObject([
            ("model", .string(model)), ("budget", .number(Double(budget))), ("records", .number(Double(records))),
            ("min", .number(Double(records > 0 ? min : 0))), ("max", .number(Double(max))), ("total", .number(Double(total))),
            ("over_window", .number(Double(overWindow))),
        ]))
    }

    init?(sliceJSON value: JSONValue) {
        guard let model = value["model"]?.stringValue, let budget = value["budget"]?.intValue, let records = value["records"]?.intValue,
              let min = value["min"]?.intValue, let max = value["max"]?.intValue, let total = value["total"]?.intValue,
              let over = value["over_window"]?.intValue else { return nil }
        self.init(model: model, budget: budget)
        self.records = records
        self.min = records > 0 ? min : Int.max
        self.max = max
        self.total = total
        self.overWindow = over
    }
}

/// What a finished run produced.
public struct RunSummary: Sendable {
    public var outputDirectory: String
    public var streams: [StreamStats]
    public var stages: [StageStats]
    public var rejects: Int
}

/// A failure that stops a run: a bad input file (exit 1) or an internal error (exit 2).
public struct RunError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var isInputProblem: Bool

    public init(_ message: String, isInputProblem: Bool) {
        self.message = message
        self.isInputProblem = isInputProblem
    }

    public var description: String { message }
}
