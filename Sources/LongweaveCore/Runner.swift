import Dispatch
import LongweaveIO
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// How a run is carried out; none of it changes the output bytes.
public struct RunOptions: Sendable {
    /// Worker threads; the output is identical for every value.
    public var threads: Int
    /// The folder that holds `<pipeline name>/`, `build` by default.
    public var outputBase: String
    /// Print a progress line on stderr.
    public var progress: Bool
    /// Which slice of the output this run writes (`RunSlice.whole` for all of it).
    public var slice: RunSlice

    public init(threads: Int, outputBase: String, progress: Bool, slice: RunSlice = .whole) {
        self.threads = max(1, threads)
        self.outputBase = outputBase
        self.progress = progress
        self.slice = slice
    }
}

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

    mutating func add(length: Int) {
        records += 1
        minLength = min(minLength, length)
        maxLength = max(maxLength, length)
        totalLength += length
    }

    /// Adds the records and shards of another part of the same stream, written after this one.
    mutating func merge(_ other: StreamStats) {
        records += other.records
        minLength = min(minLength, other.minLength)
        maxLength = max(maxLength, other.maxLength)
        totalLength += other.totalLength
        shards += other.shards
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

/// Runs a validated pipeline: ingest, stages in file order, shards, rejects, stats, manifest last.
public struct Runner {
    public let spec: PipelineSpec
    public let registry: Registry
    public let options: RunOptions
    /// The repository root; the manifest names the pipeline file relative to it.
    public let root: String

    public static let toolVersion = "0.1.0"

    public init(spec: PipelineSpec, registry: Registry, options: RunOptions, root: String) {
        self.spec = spec
        self.registry = registry
        self.options = options
        self.root = root
    }

    public var outputDirectory: String { options.outputBase + "/" + spec.name }

    /// Where this run writes: the output folder, or its slice's folder under `slices/`.
    public var workDirectory: String {
        options.slice.isWhole ? outputDirectory : outputDirectory + "/" + RunSlice.folder + "/" + options.slice.name
    }

    public func run() throws -> RunSummary {
        let directory = workDirectory
        // The manifest goes first so that an interrupted rerun never looks finished. A
        // slice removes only its own folder: the other slices may be running.
        try FileSystem.remove(outputDirectory + "/manifest.json")
        try FileSystem.remove(directory)
        if !options.slice.isWhole {
            // Slices of an earlier run with another count would stop the merge.
            let slices = outputDirectory + "/" + RunSlice.folder
            for name in (try? FileSystem.list(slices)) ?? [] where !name.hasSuffix("-of-\(options.slice.count)") {
                try FileSystem.remove(slices + "/" + name)
            }
        }
        try FileSystem.createDirectories(directory)
        var sliceUnits = SliceUnits(slice: options.slice, maxRecords: spec.output.limits.maxRecords)

        var rejects: [Reject] = []
        var stats: [StageStats] = []

        // Ingest, in the order of the file.
        var pool: [Sample] = []
        var documentInputs: [String: [Document]] = [:]
        var seenIDs: Set<String> = []
        for input in spec.inputs {
            let format = registry.formats[input.format]!
            let clock = ContinuousClock.now
            let result: IngestResult
            do {
                result = try format.read(input, pipeline: spec)
            } catch {
                throw RunError("\(input.path): \(error)", isInputProblem: true)
            }
            if let mismatch = result.formatMismatch(format: input.format) {
                throw RunError("\(input.path): \(mismatch)", isInputProblem: true)
            }
            var stage = StageStats(stage: "ingest", input: input.id)
            stage.recordsIn = result.samples.count + result.documents.count + result.rejects.count + result.skipped.values.reduce(0, +)
            stage.dropped = result.skipped
            stage.noted = result.noted
            stage.rejected = result.rejects.count
            rejects.append(contentsOf: result.rejects)
            if input.product == .documents {
                // Documents of every sample (contexts shared by several questions once), or the format's own documents.
                var seenTexts = Set<String>()
                var documents = result.documents
                for sample in result.samples {
                    for document in sample.documents where seenTexts.insert(document.text).inserted { documents.append(document) }
                }
                documentInputs[input.id] = documents
                stage.recordsOut += documents.count
                stage.seconds = seconds(since: clock)
                stats.append(stage)
                continue
            }
            for sample in result.samples {
                if seenIDs.insert(sample.id).inserted {
                    pool.append(sample)
                    stage.recordsOut += 1
                } else {
                    rejects.append(Reject(sample: sample, stage: "ingest:\(input.id)", reason: "duplicate id: '\(sample.id)' was read before"))
                    stage.rejected += 1
                }
            }
            stage.seconds = seconds(since: clock)
            stats.append(stage)
        }

        // Stages before the assembling one.
        var assembling: (StageSpec, any AssemblingStage)?
        var outputSplitKey: String?
        for stageSpec in spec.stages {
            let factory = registry.stages[stageSpec.name]!
            let instance: StageInstance
            do {
                instance = try factory.make(StageSetup(config: stageSpec.config, pipeline: spec))
            } catch {
                throw RunError("stage '\(stageSpec.name)': \(error.message)", isInputProblem: true)
            }
            let clock = ContinuousClock.now
            var stage = StageStats(stage: stageSpec.name)
            stage.recordsIn = pool.count
            switch instance {
            case .streaming(let streaming):
                pool = runStreaming(streaming, name: stageSpec.name, pool: pool, stats: &stage, rejects: &rejects)
            case .pooled(let pooled):
                let kept: [Sample], removed: [(id: String, verdict: StageVerdict)]
                do {
                    (kept, removed) = try pooled.process(pool: pool, seed: spec.seed, stage: stageSpec.name, counts: &stage.counts)
                } catch let error as IOError {
                    throw RunError("stage '\(stageSpec.name)': \(error)", isInputProblem: true)
                }
                if let key = pooled.outputSplitKey { outputSplitKey = key }
                let byID = Dictionary(pool.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
                for (id, verdict) in removed {
                    record(verdict, sample: byID[id], stageName: stageSpec.name, stats: &stage, rejects: &rejects)
                }
                pool = kept
            case .assembling(let stageValue):
                assembling = (stageSpec, stageValue)
                continue
            }
            if let documentStage = instance.documentPoolStage, !documentInputs.isEmpty {
                let ids = spec.inputs.map(\.id).filter { documentInputs[$0] != nil }
                let (kept, removed) = documentStage.process(documentInputs: ids.map { ($0, documentInputs[$0]!) })
                for (id, documents) in zip(ids, kept) { documentInputs[id] = documents }
                stage.documentsRemoved.merge(removed, uniquingKeysWith: +)
            }
            stage.recordsOut = pool.count
            stage.seconds = seconds(since: clock)
            stats.append(stage)
        }

        let keywordPairs = try writeKeywordTable(pool, to: directory + "/kpr.tsv")

        // Output.
        var streamStats: [StreamStats]
        if let (stageSpec, assembler) = assembling {
            let clock = ContinuousClock.now
            let assembly: any Assembly
            do {
                assembly = try assembler.prepare(pool: pool, documentInputs: documentInputs)
            } catch {
                throw RunError("stage '\(stageSpec.name)': \(error)", isInputProblem: true)
            }
            var stage = StageStats(stage: stageSpec.name)
            stage.recordsIn = pool.count
            for planned in assembly.plannedRejects {
                let stream = planned.stream.map { assembler.streams[$0].name + ": " } ?? ""
                rejects.append(Reject(sample: pool[planned.sample], stage: stageSpec.name, reason: stream + planned.reason))
                stage.rejected += 1
            }
            stage.counts.merge(assembly.plannedCounts) { $0 + $1 }
            let variants = assembly.variantsPerSample
            let planned = assembler.streams.indices.map { assembly.plannedSamples(stream: $0) }
            let (written, assemblyRejects) = try writeStreams(assembler.streams, ids: pool.map(\.id), variants: variants, planned: planned,
                                                              stageName: stageSpec.name, units: &sliceUnits) { index, variant, stream, random, json in
                assembly.assemble(sample: index, variant: variant, stream: stream, random: &random, into: &json)
            }
            streamStats = written
            for (index, reason) in assemblyRejects {
                let reject = Reject(sample: pool[index.sample], stage: stageSpec.name, reason: reason)
                rejects.append(reject)
                sliceUnits.rejects.append((index, reject))
                stage.rejected += 1
            }
            sliceUnits.assemblingStage = stats.count
            stage.recordsOut = streamStats.reduce(0) { $0 + $1.records }
            stage.seconds = seconds(since: clock)
            stats.append(stage)
        } else {
            // One folder, `all`, or one per value of a split stage's meta key (sorted).
            var groups: [(name: String, samples: [Sample])] = [("all", pool)]
            if let key = outputSplitKey {
                let names = Set(pool.map { $0.meta[key]?.stringValue ?? "none" }).sorted()
                groups = names.map { name in (name, pool.filter { ($0.meta[key]?.stringValue ?? "none") == name }) }
            }
            streamStats = []
            for (name, samples) in groups {
                let (written, _) = try writeStreams([OutputStream(name: name, level: 0)], ids: samples.map(\.id), stageName: "write", units: &sliceUnits) { index, _, _, _, json in
                    samples[index].write(to: &json)
                    return .written(length: 0)
                }
                streamStats += written
            }
            // Documents-only inputs (corpora) are written too, so that a pipeline can clean one.
            let documents = spec.inputs.compactMap { input in documentInputs[input.id].map { (input.id, $0) } }
                .flatMap { id, documents in documents.map { (id, $0) } }
            if !documents.isEmpty {
                let ids = documents.indices.map { "\(documents[$0].0):\($0)" }
                let (writtenDocuments, _) = try writeStreams([OutputStream(name: "documents", level: 0)], ids: ids, stageName: "write", units: &sliceUnits) { index, _, _, _, json in
                    let (input, document) = documents[index]
                    json.beginObject()
                    json.key("input"); json.string(input)
                    json.key("title"); json.string(document.title)
                    json.key("text"); json.string(document.text)
                    json.endObject()
                    return .written(length: 0)
                }
                streamStats += writtenDocuments
            }
        }

        try writeRejects(rejects, to: directory + "/rejects.jsonl")
        try writeStats(stats, streams: streamStats, to: directory + "/stats.jsonl")
        try writeManifest(stats: stats, streams: streamStats, rejects: rejects, keywordPairs: keywordPairs, to: directory + "/manifest.json")
        if !options.slice.isWhole {
            // What the merge needs, then the marker that says this slice is complete.
            sliceUnits.rejectsBeforeOutput = rejects.count - sliceUnits.rejects.count
            try FileSystem.writeAtomically(sliceUnits.record(spec: spec, streams: streamStats.map(\.name)).prettyPrinted(), to: directory + "/" + RunSlice.recordFile)
            try FileSystem.writeAtomically(Array("done\n".utf8), to: directory + "/" + RunSlice.doneMarker)
        }
        return RunSummary(outputDirectory: directory, streams: streamStats, stages: stats, rejects: rejects.count)
    }

    private func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    private func record(_ verdict: StageVerdict, sample: Sample?, stageName: String, stats: inout StageStats, rejects: inout [Reject]) {
        switch verdict {
        case .keep: break
        case .drop(let reason): stats.dropped[reason, default: 0] += 1
        case .reject(let reason):
            stats.rejected += 1
            if let sample {
                rejects.append(Reject(sample: sample, stage: stageName, reason: reason))
            } else {
                rejects.append(Reject(file: "", line: 0, record: -1, stage: stageName, reason: reason))
            }
        }
    }

    /// Applies a streaming stage to every sample over all threads; order is kept.
    private func runStreaming(_ stage: any StreamingStage, name: String, pool: [Sample], stats: inout StageStats, rejects: inout [Reject]) -> [Sample] {
        let results = UnsafeSlots<(Sample, StageVerdict, StageCounts)>(count: pool.count)
        let next = Atomic<Int>(0)
        let chunk = 64
        let seed = spec.seed
        DispatchQueue.concurrentPerform(iterations: min(options.threads, max(1, pool.count / chunk))) { _ in
            while true {
                let start = next.wrappingAdd(chunk, ordering: .relaxed).oldValue
                if start >= pool.count { return }
                for i in start..<min(start + chunk, pool.count) {
                    var sample = pool[i]
                    var random = SeededRandom(seed: seed, stage: name, key: sample.id)
                    var counts = StageCounts()
                    let verdict = stage.process(&sample, random: &random, counts: &counts)
                    results.set(i, (sample, verdict, counts))
                }
            }
        }
        var kept: [Sample] = []
        kept.reserveCapacity(pool.count)
        for i in 0..<pool.count {
            let (sample, verdict, counts) = results.take(i)
            stats.documentsRemoved.merge(counts.documentsRemoved, uniquingKeysWith: +)
            stats.counts.merge(counts.counts, uniquingKeysWith: +)
            if verdict == .keep {
                kept.append(sample)
            } else {
                record(verdict, sample: pool[i], stageName: name, stats: &stats, rejects: &rejects)
            }
        }
        return kept
    }

    struct RecordIndex: Comparable {
        var stream: Int
        var sample: Int
        /// The record's position in its stream (sample × variants + variant).
        var record: Int
        static func < (a: RecordIndex, b: RecordIndex) -> Bool { (a.stream, a.record) < (b.stream, b.record) }
    }

    /// Writes every stream's shards; streams run in parallel (largest first), records within
    /// a stream in sample order (then variant order), so the bytes do not depend on the thread
    /// count. `build` gets (sample, variant, stream). A slice writes only its units (blocks of
    /// `max_records` records of a stream), each into a folder of its own, and notes them in `units`.
    /// A stream with `planned` samples writes one record per entry instead (record k of
    /// sample `planned[k]`, built as variant k).
    private func writeStreams(
        _ streams: [OutputStream], ids: [String], variants: Int = 1, planned: [[Int]?] = [], stageName: String, units: inout SliceUnits,
        build: @escaping @Sendable (Int, Int, Int, inout SeededRandom, inout JSONWriter) -> AssemblyResult
    ) throws -> ([StreamStats], [(RecordIndex, String)]) {
        let directory = workDirectory
        let planned = planned.isEmpty ? Array(repeating: nil, count: streams.count) : planned
        func recordCount(_ stream: Int) -> Int { planned[stream]?.count ?? ids.count * variants }
        let order = streams.indices.sorted { (streams[$0].level, $1) > (streams[$1].level, $0) }
        // Jobs: a whole stream, or a slice's units in the same order.
        var jobs: [(stream: Int, block: Int, ordinal: Int, records: Range<Int>, folder: String, relative: String)] = []
        for streamIndex in order {
            let name = streams[streamIndex].name
            if options.slice.isWhole {
                jobs.append((streamIndex, 0, 0, 0..<recordCount(streamIndex), directory + "/" + name, name))
                continue
            }
            for (block, ordinal, records) in units.assign(stream: name, streamPosition: streamIndex, records: recordCount(streamIndex)) {
                jobs.append((streamIndex, block, ordinal, records, directory + "/" + SliceUnits.folder(stream: name, block: block), ""))
            }
        }
        let results = UnsafeSlots<Result<(StreamStats, [(RecordIndex, String)]), Error>>(count: jobs.count)
        let next = Atomic<Int>(0)
        let progress = Progress(total: jobs.reduce(0) { $0 + $1.records.count }, enabled: options.progress)
        let seed = spec.seed
        let output = spec.output
        let sharedJobs = jobs
        DispatchQueue.concurrentPerform(iterations: min(options.threads, max(1, jobs.count))) { _ in
            while true {
                let slot = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if slot >= sharedJobs.count { return }
                let job = sharedJobs[slot]
                let stream = streams[job.stream]
                results.set(slot, Result {
                    var stats = StreamStats(name: stream.name)
                    var rejected: [(RecordIndex, String)] = []
                    let writer = try ShardWriter(directory: job.folder, relativeDirectory: job.relative,
                                                 limits: output.limits, zstdLevel: Int32(output.zstdLevel))
                    var json = JSONWriter(capacity: 1 << 20)
                    for record in job.records {
                        json.reset()
                        let (index, variant) = planned[job.stream].map { ($0[record], record) }
                            ?? record.quotientAndRemainder(dividingBy: variants)
                        let numbered = variants > 1 || planned[job.stream] != nil
                        let key = ids[index] + "\u{1F}" + stream.name + (numbered ? "\u{1F}" + String(variant) : "")
                        var random = SeededRandom(seed: seed, stage: stageName, key: key)
                        switch build(index, variant, job.stream, &random, &json) {
                        case .written(let length):
                            json.newline()
                            try writer.write(record: json.bytes)
                            stats.add(length: length)
                            progress.add(records: 1, bytes: json.bytes.count)
                        case .rejected(let reason):
                            rejected.append((RecordIndex(stream: job.stream, sample: index, record: record), "\(stream.name): \(reason)"))
                            progress.add(records: 1, bytes: 0)
                        }
                    }
                    stats.shards = try writer.finish()
                    return (stats, rejected)
                })
            }
        }
        progress.finish()
        // Per stream, in stream order: its jobs' records and rejects, in record order.
        var all = streams.map { StreamStats(name: $0.name) }
        var rejected: [(RecordIndex, String)] = []
        var jobResults: [(job: Int, stats: StreamStats)] = []
        for slot in jobs.indices {
            let (stats, jobRejects) = try results.take(slot).get()
            all[jobs[slot].stream].merge(stats)
            rejected.append(contentsOf: jobRejects)
            jobResults.append((slot, stats))
        }
        if !options.slice.isWhole {
            for (slot, stats) in jobResults {
                units.done.append(SliceUnits.Unit(ordinal: jobs[slot].ordinal, stream: stats.name, block: jobs[slot].block, stats: stats))
            }
        }
        return (all, rejected.sorted { $0.0 < $1.0 })
    }

    /// Every sample's keyword replacements (`meta.kpr`) as `_id<TAB>from<TAB>to`, when any
    /// stage made some (an earlier run's table is removed otherwise); returns the pair count.
    private func writeKeywordTable(_ pool: [Sample], to path: String) throws -> Int {
        var lines = "_id\tfrom\tto\n"
        var pairs = 0
        func field(_ text: String) -> String { String(text.map { $0 == "\t" || $0 == "\n" ? " " : $0 }) }
        for sample in pool {
            for pair in sample.meta["kpr"]?.arrayValue ?? [] {
                guard let from = pair["from"]?.stringValue, let to = pair["to"]?.stringValue else { continue }
                lines += field(sample.id) + "\t" + field(from) + "\t" + field(to) + "\n"
                pairs += 1
            }
        }
        if pairs > 0 {
            try FileSystem.writeAtomically(Array(lines.utf8), to: path)
        } else if FileSystem.exists(path) {
            try FileSystem.remove(path)
        }
        return pairs
    }

    private func writeRejects(_ rejects: [Reject], to path: String) throws {
        var json = JSONWriter()
        for reject in rejects {
            reject.write(to: &json)
            json.newline()
        }
        try FileSystem.writeAtomically(json.bytes, to: path)
    }

    private func writeStats(_ stats: [StageStats], streams: [StreamStats], to path: String) throws {
        var json = JSONWriter()
        for stage in stats {
            json.value(stage.json(withSeconds: true))
            json.newline()
        }
        try FileSystem.writeAtomically(json.bytes, to: path)
    }

    private func writeManifest(stats: [StageStats], streams: [StreamStats], rejects: [Reject], keywordPairs: Int, to path: String) throws {
        let keywordTable = keywordPairs > 0 ? (pairs: keywordPairs, sha256: try Digest.sha256Hex(ofFile: workDirectory + "/kpr.tsv").hex) : nil
        let manifest = try Manifest.build(spec: spec, root: root, stats: stats, streams: streams, rejects: rejects,
                                          rejectsSHA256: Digest.sha256Hex(ofFile: workDirectory + "/rejects.jsonl").hex,
                                          keywordTable: keywordTable,
                                          threads: options.threads, slice: options.slice)
        try FileSystem.writeAtomically(manifest.prettyPrinted(), to: path)
    }
}

/// Fixed slots that parallel workers fill at distinct indices; read after they finish.
public final class UnsafeSlots<T>: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<T?>
    public let count: Int

    public init(count: Int) {
        self.count = count
        storage = .allocate(capacity: max(count, 1))
        storage.initialize(repeating: nil, count: max(count, 1))
    }

    deinit {
        storage.deinitialize(count: max(count, 1))
        storage.deallocate()
    }

    public func set(_ index: Int, _ value: T) { storage[index] = value }
    public func take(_ index: Int) -> T { storage[index].take()! }
}

/// A progress line on stderr (records, MB/s, ETA), only when asked and stderr is a terminal.
final class Progress: Sendable {
    private struct State {
        var records = 0
        var bytes = 0
        var lastPrint = ContinuousClock.now
    }
    private let state = Mutex(State())
    private let total: Int
    private let enabled: Bool
    private let start = ContinuousClock.now

    init(total: Int, enabled: Bool) {
        self.total = total
        self.enabled = enabled && isatty(2) == 1
    }

    func add(records: Int, bytes: Int) {
        guard enabled else { return }
        let line: String? = state.withLock { state in
            state.records += records
            state.bytes += bytes
            let now = ContinuousClock.now
            guard now - state.lastPrint > .milliseconds(250) else { return nil }
            state.lastPrint = now
            return render(records: state.records, bytes: state.bytes, now: now)
        }
        if let line { writeStandardError(line) }
    }

    private func render(records: Int, bytes: Int, now: ContinuousClock.Instant) -> String {
        let elapsed = max(1e-6, Double((now - start).components.attoseconds) / 1e18 + Double((now - start).components.seconds))
        let rate = Double(bytes) / elapsed / 1e6
        let eta = records > 0 ? elapsed * Double(total - records) / Double(records) : 0
        return "\r\(records)/\(total) records, \(Int(rate)) MB/s, ETA \(Int(eta)) s   "
    }

    func finish() {
        guard enabled else { return }
        let line = state.withLock { render(records: $0.records, bytes: $0.bytes, now: .now) }
        writeStandardError(line + "\n")
    }
}

/// Writes to file descriptor 2 without going through C's shared `stderr` stream.
func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    bytes.withUnsafeMutableBytes { raw in _ = write(2, raw.baseAddress, raw.count) }
}
