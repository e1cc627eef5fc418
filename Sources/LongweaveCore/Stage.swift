import LongweaveIO

/// How a stage sees the data.
public enum StageKind: String, Sendable {
    /// One sample at a time, in parallel.
    case streaming
    /// The whole pool at once (dedupe, distractor pools, automatic tables).
    case pooled
    /// Turns the pool into output records, one output folder per stream (length levels).
    case assembling
}

/// What a stage is called in pipeline files, what it does and which keys it takes.
public struct StageDescriptor: Sendable {
    public var name: String
    public var summary: String
    public var kind: StageKind
    public var parameters: [ParameterSpec]
    /// The names of the files the stage may write beside the shards (`SideFileStage`), so
    /// that a later run knows them as longweave's own.
    public var sideFiles: [String]

    public init(name: String, summary: String, kind: StageKind, parameters: [ParameterSpec], sideFiles: [String] = []) {
        self.name = name
        self.summary = summary
        self.kind = kind
        self.parameters = parameters
        self.sideFiles = sideFiles
    }
}

/// What a stage is built from: its validated keys and the pipeline around it.
public struct StageSetup: Sendable {
    public var config: ConfigMapping
    public var pipeline: PipelineSpec

    public init(config: ConfigMapping, pipeline: PipelineSpec) {
        self.config = config
        self.pipeline = pipeline
    }
}

/// A stage's verdict on one sample.
public enum StageVerdict: Sendable, Equatable {
    case keep
    /// Removed on purpose (a filter); counted under the reason.
    case drop(reason: String)
    /// Bad input that the stage cannot use; goes to rejects.jsonl.
    case reject(reason: String)
}

/// What a streaming stage counts while it works on one sample; summed into the stage's stats.
public struct StageCounts: Sendable, Equatable {
    /// Documents removed inside the sample, by reason.
    public var documentsRemoved: [String: Int] = [:]
    /// Anything else worth counting (replacements per field, facts made), by name.
    public var counts: [String: Int] = [:]

    public init() {}
}

/// A stage that transforms one sample at a time.
public protocol StreamingStage: Sendable {
    func process(_ sample: inout Sample, random: inout SeededRandom) -> StageVerdict
    /// The same, counting what the stage did inside the sample.
    func process(_ sample: inout Sample, random: inout SeededRandom, counts: inout StageCounts) -> StageVerdict
}

extension StreamingStage {
    public func process(_ sample: inout Sample, random: inout SeededRandom, counts: inout StageCounts) -> StageVerdict {
        process(&sample, random: &random)
    }
}

/// A stage that also works on the documents-only inputs (distractor pools, corpora).
public protocol DocumentPoolStage: Sendable {
    /// Gets every documents-only input in pipeline order; returns the documents kept of each,
    /// and the removed ones counted by reason.
    func process(documentInputs: [(id: String, documents: [Document])], context: StageContext) -> (kept: [[Document]], removed: [String: Int])
}

/// What a pooled stage keeps, in a deterministic order, and its verdicts on the others.
public typealias PooledResult = (kept: [Sample], removed: [(id: String, verdict: StageVerdict)])

/// A stage that needs the whole pool.
public protocol PooledStage: Sendable {
    /// Returns the samples to keep and the verdicts on the others, counting what the stage did
    /// (facts made, samples without one by reason). Throws when something outside the samples
    /// fails (a reference corpus it reads).
    func process(pool: [Sample], context: StageContext, counts: inout [String: Int]) throws -> PooledResult
}

/// A stage that decides the folders of a pipeline without an assembling stage.
public protocol OutputFoldersStage: Sendable {
    /// The folders to write the final pool into, by name, in order; nil leaves the choice to
    /// an earlier stage, or to the default: one folder, `all`.
    func outputFolders(of pool: [Sample]) -> [(name: String, samples: [Sample])]?
}

/// One output folder of an assembling stage.
public struct OutputStream: Sendable, Equatable {
    /// The folder name: `16k`, `all`.
    public var name: String
    /// The nominal size in the stage's unit (a level), for stats and scheduling.
    public var level: Int

    public init(name: String, level: Int) {
        self.name = name
        self.level = level
    }
}

/// The result of assembling one record.
public enum AssemblyResult: Sendable, Equatable {
    /// The record was written to the JSON writer; `length` is its length in the stage's unit.
    case written(length: Int)
    /// The sample cannot make a record for this stream; goes to rejects.jsonl.
    case rejected(reason: String)
}

/// A stage that turns the pool of samples into output records, streamed one at a time.
public protocol AssemblingStage: Sendable {
    var streams: [OutputStream] { get }
    /// The unit of the lengths it reports, as a pipeline writes it (`words`, `hf:PATH`), for
    /// `meta.lengths`; "length" by default.
    var lengthUnit: String { get }
    /// Whether a record that overflows a model's window (less its answer tokens) is a reject
    /// rather than written (`fit: all`); false by default.
    var rejectsOverWindow: Bool { get }
    /// Called once with the final pool and the documents-only inputs before any record.
    func prepare(pool: [Sample], documentInputs: [String: [Document]], context: StageContext) throws -> any Assembly
}

/// A prepared assembler: builds the record of one sample for one stream.
public protocol Assembly: Sendable {
    /// How many records each sample makes in each stream (a needle at several depths); 1 by default.
    var variantsPerSample: Int { get }
    func assemble(sample index: Int, stream: Int, random: inout SeededRandom, into json: inout JSONWriter) -> AssemblyResult
    /// Builds record `variant` of the sample; the default builds the only one.
    func assemble(sample index: Int, variant: Int, stream: Int, random: inout SeededRandom, into json: inout JSONWriter) -> AssemblyResult
    /// For an assembly that chose its records while preparing (a sampled bucket): the pool
    /// index of each record's sample in `stream`, in output order; record k is then built
    /// with `variant: k`. Nil (the default): every sample makes `variantsPerSample` records.
    func plannedSamples(stream: Int) -> [Int]?
    /// Samples that preparing found unusable, with the stream (if one) and the reason (rejects.jsonl).
    var plannedRejects: [PlannedReject] { get }
    /// What preparing counted (samples not drawn, buckets the data cannot fill), by name.
    var plannedCounts: [String: Int] { get }
}

/// A sample that an assembly's preparation could not use for one stream.
public struct PlannedReject: Sendable, Equatable {
    public var sample: Int
    /// The stream the sample could not make a record for; nil when it can make none.
    public var stream: Int?
    public var reason: String

    public init(sample: Int, stream: Int?, reason: String) {
        self.sample = sample
        self.stream = stream
        self.reason = reason
    }
}

extension AssemblingStage {
    public var lengthUnit: String { "length" }
    public var rejectsOverWindow: Bool { false }
}

extension Assembly {
    public var variantsPerSample: Int { 1 }
    public func plannedSamples(stream: Int) -> [Int]? { nil }
    public var plannedRejects: [PlannedReject] { [] }
    public var plannedCounts: [String: Int] { [:] }

    public func assemble(sample index: Int, variant: Int, stream: Int, random: inout SeededRandom, into json: inout JSONWriter) -> AssemblyResult {
        assemble(sample: index, stream: stream, random: &random, into: &json)
    }

    public func assemble(sample index: Int, stream: Int, random: inout SeededRandom, into json: inout JSONWriter) -> AssemblyResult {
        assemble(sample: index, variant: 0, stream: stream, random: &random, into: &json)
    }
}

/// A constructed stage of one of the three kinds.
public enum StageInstance: Sendable {
    case streaming(any StreamingStage)
    case pooled(any PooledStage)
    case assembling(any AssemblingStage)
}

/// A stage type: its descriptor and how to build it from validated keys.
public protocol StageFactory {
    static var descriptor: StageDescriptor { get }
    /// Builds the stage; throws `StageSetupError` for problems that key types cannot express.
    static func make(_ setup: StageSetup) throws(StageSetupError) -> StageInstance
}

/// A problem found while building a stage from valid-looking keys.
public struct StageSetupError: Error, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

extension StageInstance {
    /// The stage's work on documents-only inputs, when it has any.
    public var documentPoolStage: (any DocumentPoolStage)? {
        switch self {
        case .streaming(let stage): stage as? any DocumentPoolStage
        case .pooled(let stage): stage as? any DocumentPoolStage
        case .assembling: nil
        }
    }

    /// The stage's files beside the shards, when it writes any.
    public var sideFileStage: (any SideFileStage)? {
        switch self {
        case .streaming(let stage): stage as? any SideFileStage
        case .pooled(let stage): stage as? any SideFileStage
        case .assembling(let stage): stage as? any SideFileStage
        }
    }
}
