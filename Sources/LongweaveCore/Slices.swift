import LongweaveIO

/// Which part of a run's output one task writes: slice `index` of `count` (a Slurm array
/// task). Every slice ingests and runs the stages in full, which is cheap and deterministic,
/// and writes only its units: blocks of `max_records` records of an output folder, taken in
/// turn. A block starts where the whole run starts a shard, so `longweave merge` mostly
/// renames the slices' shards into place.
public struct RunSlice: Sendable, Equatable {
    public var index: Int
    public var count: Int

    /// Throws unless `0 <= index < count`.
    public init(index: Int, count: Int) throws {
        guard count >= 1, index >= 0, index < count else {
            throw RunError("slice \(index) of \(count): expected a count of at least 1 and an index from 0 to count - 1", isInputProblem: true)
        }
        self.index = index
        self.count = count
    }

    private init(unchecked index: Int, _ count: Int) {
        self.index = index
        self.count = count
    }

    /// The whole output, as one machine writes it.
    public static let whole = RunSlice(unchecked: 0, 1)

    public var isWhole: Bool { count == 1 }

    /// The slice's folder name under `slices/`: `2-of-4`.
    public var name: String { "\(index)-of-\(count)" }

    /// What a pipeline slice writes beside its units for the merge.
    static let recordFile = "slice.json"
}

/// The units of a run, which of them this slice writes, and what it wrote.
struct SliceUnits {
    struct Unit {
        var ordinal: Int
        var stream: String
        var block: Int
        var stats: StreamStats
    }

    let slice: RunSlice
    let maxRecords: Int
    /// Units numbered across every output folder of the run, in the order they are met.
    private var nextOrdinal = 0
    /// Each output folder's number of blocks.
    private var blocks: [(stream: String, count: Int)] = []
    var done: [Unit] = []
    /// The rejects that the assembling stage made for this slice's records.
    var rejects: [(Runner.RecordIndex, Reject)] = []
    /// The position of the assembling stage in the stage statistics.
    var assemblingStage: Int?
    var rejectsBeforeOutput = 0
    /// The stages' side files, with how the merge builds each.
    var sideFiles: [Manifest.SideFileEntry] = []

    init(slice: RunSlice, maxRecords: Int) {
        self.slice = slice
        self.maxRecords = max(1, maxRecords)
    }

    static func folder(stream: String, block: Int) -> String { "units/\(stream)/\(block)" }

    /// The blocks of an output folder of `records` records that this slice writes:
    /// (block, ordinal, record range). An empty folder still has one (empty) block.
    mutating func assign(stream: String, streamPosition: Int, records: Int) -> [(Int, Int, Range<Int>)] {
        let count = max(1, (records + maxRecords - 1) / maxRecords)
        blocks.append((stream, count))
        var mine: [(Int, Int, Range<Int>)] = []
        for block in 0..<count {
            let ordinal = nextOrdinal
            nextOrdinal += 1
            if ordinal % slice.count == slice.index {
                mine.append((block, ordinal, min(records, block * maxRecords)..<min(records, (block + 1) * maxRecords)))
            }
        }
        return mine
    }

    /// `slice.json`: what the merge needs besides the slice's shards and files.
    func record(spec: PipelineSpec, streams: [String]) -> JSONValue {
        func number(_ value: Int) -> JSONValue { .number(Double(value)) }
        let units: [JSONValue] = done.sorted { $0.ordinal < $1.ordinal }.map { unit in
            var object = JSONObject([
                ("ordinal", number(unit.ordinal)), ("stream", .string(unit.stream)), ("block", number(unit.block)),
                ("records", number(unit.stats.records)), ("min_length", number(unit.stats.records > 0 ? unit.stats.minLength : 0)),
                ("max_length", number(unit.stats.maxLength)), ("total_length", number(unit.stats.totalLength)),
                ("shards", .array(unit.stats.shards.map { shard in
                    .object(JSONObject([
                        ("path", .string(shard.path)), ("records", number(shard.records)),
                        ("uncompressed_bytes", number(shard.uncompressedBytes)), ("compressed_bytes", number(shard.compressedBytes)),
                        ("sha256", .string(shard.sha256)),
                    ]))
                })),
            ])
            if !unit.stats.promptTokens.isEmpty { object.set("prompt_tokens", .array(unit.stats.promptTokens.map(\.sliceJSON))) }
            return .object(object)
        }
        let rejectLines: [JSONValue] = rejects.map { index, reject in
            var json = JSONWriter()
            reject.write(to: &json)
            return .object(JSONObject([
                ("stream", number(index.stream)), ("record", number(index.record)),
                ("kind", .string(reject.reasonKind)), ("line", .string(String(decoding: json.bytes, as: UTF8.self))),
            ]))
        }
        return .object(JSONObject([
            ("slice", .object(JSONObject([("index", number(slice.index)), ("count", number(slice.count))]))),
            ("pipeline", .object(JSONObject([("name", .string(spec.name)), ("sha256", .string(spec.fileSHA256))]))),
            ("seed", number(Int(spec.seed))),
            ("max_records", number(maxRecords)),
            ("max_bytes", number(spec.output.limits.maxBytes)),
            ("zstd_level", number(spec.output.zstdLevel)),
            ("units_total", number(nextOrdinal)),
            ("streams", .array(streams.map { .string($0) })),
            ("blocks", .object(JSONObject(blocks.map { ($0.stream, number($0.count)) }))),
            ("assembling_stage", assemblingStage.map(number) ?? .null),
            ("rejects_before_output", number(rejectsBeforeOutput)),
            ("side_files", .array(sideFiles.map { .object(JSONObject([("file", .string($0.file.file)), ("merge", .string($0.file.merge.rawValue))])) })),
            ("units", .array(units)),
            ("rejects", .array(rejectLines)),
        ]))
    }
}
