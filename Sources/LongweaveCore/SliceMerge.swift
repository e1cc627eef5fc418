import LongweaveIO

/// Joins the slices of a run (`DIR/slices/I-of-N/`) into the output that one machine writes:
/// the same shards, rejects, side files and manifest (apart from its `run` section).
///
/// A slice's unit starts where the whole run starts a shard, so its shards are the whole
/// run's as they are, and are linked into place. Only where a unit ended before a shard
/// would have (its records were rejected, or its last shard was not full) is the rest of
/// that folder read back and written again, continuing the numbering.
public enum SliceMerge {
    /// What a merge wrote.
    public struct Summary: Sendable {
        public var slices: Int
        public var streams: [StreamStats]
        public var rejects: Int
        /// Shards linked into place as they were, and shards written again.
        public var shardsMoved: Int
        public var shardsRewritten: Int
    }

    private struct SliceRecord {
        var folder: String
        var json: JSONValue
        var units: [(ordinal: Int, stream: String, block: Int, stats: StreamStats)]
    }

    /// Merges the slices under `directory` (a pipeline's output folder).
    public static func merge(directory: String) throws -> Summary {
        let lock = try OutputLock(directory)
        defer { withExtendedLifetime(lock) {} }
        let folders = try SliceFolders.complete(in: directory, what: "longweave run --shard-count N")
        let count = folders.count
        var slices: [SliceRecord] = []
        for folder in folders {
            let json = try JSONValue.parse(file: folder + "/" + RunSlice.recordFile)
            let units = (json["units"]?.arrayValue ?? []).map { unit in
                var stats = StreamStats(name: unit["stream"]?.stringValue ?? "")
                stats.records = int(unit["records"])
                stats.minLength = stats.records > 0 ? int(unit["min_length"]) : Int.max
                stats.maxLength = int(unit["max_length"])
                stats.totalLength = int(unit["total_length"])
                stats.promptTokens = (unit["prompt_tokens"]?.arrayValue ?? []).compactMap(PromptTokenStats.init(sliceJSON:))
                stats.shards = (unit["shards"]?.arrayValue ?? []).map { shard in
                    ShardInfo(path: shard["path"]?.stringValue ?? "", records: int(shard["records"]),
                              uncompressedBytes: int(shard["uncompressed_bytes"]), compressedBytes: int(shard["compressed_bytes"]),
                              sha256: shard["sha256"]?.stringValue ?? "")
                }
                return (int(unit["ordinal"]), stats.name, int(unit["block"]), stats)
            }
            slices.append(SliceRecord(folder: folder, json: json, units: units))
        }
        let reference = slices[0].json
        for slice in slices.dropFirst() {
            for key in ["pipeline", "seed", "max_records", "max_bytes", "zstd_level", "units_total", "streams", "blocks", "rejects_before_output"] where slice.json[key] != reference[key] {
                throw RunError("\(slice.folder): its \(key) differs from slice 0's; the slices come from different runs, so rerun them all", isInputProblem: true)
            }
        }
        let unitsTotal = int(reference["units_total"])
        // The numbers that size what the merge builds, checked before anything is built.
        let ranges: [(String, ClosedRange<Int>)] = [("units_total", 0...(1 << 40)), ("rejects_before_output", 0...(1 << 40)),
                                                    ("max_records", 1...(1 << 40)), ("max_bytes", 1...(1 << 50)), ("zstd_level", 1...22)]
        for (key, range) in ranges where reference[key]?.intValue.map(range.contains) != true {
            throw RunError("\(folders[0])/\(RunSlice.recordFile): \(key) is \(reference[key].map { "\($0)" } ?? "missing"), expected a whole number from \(range.lowerBound) to \(range.upperBound)", isInputProblem: true)
        }
        var seen = [Bool](repeating: false, count: unitsTotal)
        for slice in slices {
            for unit in slice.units where unit.ordinal < unitsTotal { seen[unit.ordinal] = true }
        }
        if let missing = seen.firstIndex(of: false) {
            throw RunError("\(directory): unit \(missing) of \(unitsTotal) was written by no slice", isInputProblem: true)
        }

        // The whole run's files go (only those longweave wrote); the slices stay until the
        // merge is complete.
        let sideFiles = Set((reference["side_files"]?.arrayValue ?? []).compactMap { $0["file"]?.stringValue })
        let owned = try OutputFolder.ownedEntries(of: directory, sideFiles: sideFiles)
        try FileSystem.remove(directory + "/manifest.json")
        try OutputFolder.remove(owned.filter { $0 != SliceFolders.folderName }, in: directory)

        let maxRecords = int(reference["max_records"])
        let manifest = try JSONValue.parse(file: slices[0].folder + "/manifest.json")
        let limits = ShardLimits(maxRecords: maxRecords, maxBytes: int(reference["max_bytes"]))
        let zstdLevel = Int32(int(reference["zstd_level"]))
        var streams: [StreamStats] = []
        var moved = 0, rewritten = 0
        for name in (reference["streams"]?.arrayValue ?? []).compactMap(\.stringValue) {
            var units: [(folder: String, block: Int, stats: StreamStats)] = []
            for slice in slices {
                for unit in slice.units where unit.stream == name {
                    units.append((slice.folder + "/" + SliceUnits.folder(stream: name, block: unit.block), unit.block, unit.stats))
                }
            }
            units.sort { $0.block < $1.block }
            let (stream, counts) = try join(units, stream: name, into: directory, limits: limits, zstdLevel: zstdLevel)
            streams.append(stream)
            moved += counts.moved
            rewritten += counts.rewritten
        }

        // Rejects: those before the output (the same in every slice, streamed from the first),
        // then the output's, in record order.
        let before = int(reference["rejects_before_output"])
        let rejects = try RejectsWriter(path: directory + "/rejects.jsonl")
        struct Enough: Error {}
        do {
            try LineReader.forEachLine(in: slices[0].folder + "/rejects.jsonl") { line, _ in
                guard rejects.count < before else { throw Enough() }
                try rejects.append(line: line, kind: Reject.kind(of: try parseLine(line)["reason"]?.stringValue ?? ""))
            }
        } catch is Enough {}
        guard rejects.count == before else {
            throw RunError("\(slices[0].folder)/rejects.jsonl: \(rejects.count) rejects, but \(RunSlice.recordFile) says \(before) come before the output", isInputProblem: true)
        }
        var outputRejects: [(stream: Int, record: Int, line: String, kind: String)] = []
        for slice in slices {
            for reject in slice.json["rejects"]?.arrayValue ?? [] {
                outputRejects.append((int(reject["stream"]), int(reject["record"]), reject["line"]?.stringValue ?? "", reject["kind"]?.stringValue ?? ""))
            }
        }
        outputRejects.sort { ($0.stream, $0.record) < ($1.stream, $1.record) }
        for reject in outputRejects {
            var line = reject.line
            try line.withUTF8 { try rejects.append(line: UnsafeRawBufferPointer($0), kind: reject.kind) }
        }
        try rejects.finish()

        // The stages' side files, each as its stage declared.
        for entry in reference["side_files"]?.arrayValue ?? [] {
            guard let file = entry["file"]?.stringValue, let merge = entry["merge"]?.stringValue.flatMap(SideFile.Merge.init(rawValue:)) else {
                throw RunError("\(slices[0].folder)/\(RunSlice.recordFile): side_files: expected {file, merge} entries, found \(entry)", isInputProblem: true)
            }
            switch merge {
            case .sameInEverySlice:
                try FileSystem.writeAtomically(try FileSystem.readAll(slices[0].folder + "/" + file), to: directory + "/" + file)
            }
        }

        // Statistics: the assembling stage's output and rejects are the slices' together.
        let written = streams.reduce(0) { $0 + $1.records }
        var stageLines = try FileSystem.readAll(slices[0].folder + "/stats.jsonl").split(separator: 0x0A).map { try parseLine($0) }
        var stages = manifest["stages"]?.arrayValue ?? []
        if let assembling = reference["assembling_stage"]?.intValue, assembling >= 0 {
            if assembling < stages.count && assembling < stageLines.count {
                // Rejects the stage made while preparing (before any record) are in every slice's count.
                let prepared = int(stages[assembling]["rejected"]) - (slices[0].json["rejects"]?.arrayValue ?? []).count
                stages[assembling] = patched(stages[assembling], out: written, rejected: prepared + outputRejects.count)
                stageLines[assembling] = patched(stageLines[assembling], out: written, rejected: prepared + outputRejects.count)
            }
        }
        var stats = JSONWriter()
        for line in stageLines {
            stats.value(line)
            stats.newline()
        }
        try FileSystem.writeAtomically(stats.bytes, to: directory + "/stats.jsonl")

        guard case .object(var merged) = manifest else { throw RunError("\(slices[0].folder)/manifest.json: not an object", isInputProblem: true) }
        merged.set("levels", Manifest.levels(streams))
        merged.set("shards", Manifest.shards(streams))
        merged.set("stages", .array(stages))
        merged.set("rejects", Manifest.rejectsSection(byKind: rejects.kinds, sha256: try Digest.sha256Hex(ofFile: directory + "/rejects.jsonl").hex))
        if var run = manifest["run"]?.objectValue {
            run.set("slice", .string("merged from \(count)"))
            merged.set("run", .object(run))
        }
        try FileSystem.writeAtomically(JSONValue.object(merged).prettyPrinted(), to: directory + "/manifest.json")
        try SliceFolders.removeAll(in: directory, ownFiles: OutputFolder.pipelineFiles(sideFiles: sideFiles))
        return Summary(slices: count, streams: streams, rejects: rejects.count, shardsMoved: moved, shardsRewritten: rewritten)
    }

    /// One output folder from its units in block order: shards renamed while every unit
    /// starts a shard of the whole run; from the first unit that does not end one, its last
    /// shard and everything after it read back and written again.
    private static func join(
        _ units: [(folder: String, block: Int, stats: StreamStats)], stream name: String, into directory: String,
        limits: ShardLimits, zstdLevel: Int32
    ) throws -> (StreamStats, (moved: Int, rewritten: Int)) {
        var stream = StreamStats(name: name)
        let folder = directory + "/" + name
        try FileSystem.createDirectories(folder)
        var rewriter: ShardWriter?
        var moved = 0
        var record: [UInt8] = []
        func rewrite(_ path: String) throws {
            try LineReader.forEachLine(in: path) { line, _ in
                record.removeAll(keepingCapacity: true)
                record.append(contentsOf: line)
                record.append(0x0A)
                try rewriter!.write(record: record)
            }
        }
        for (position, unit) in units.enumerated() {
            var lengths = unit.stats
            lengths.shards = []
            stream.merge(lengths)
            let isLastUnit = position == units.count - 1
            for (k, shard) in unit.stats.shards.enumerated() {
                // A slice's shard must be the file its slice wrote: inside the slice's folder
                // and with the hash it recorded.
                guard let path = FileSystem.inside(unit.folder, shard.path), FileSystem.kind(path) == .file else {
                    throw RunError("\(unit.folder): shard '\(shard.path)' is missing or leads outside the slice's folder", isInputProblem: true)
                }
                let (hex, _) = try Digest.sha256Hex(ofFile: path)
                guard hex == shard.sha256 else {
                    throw RunError("\(path): sha256 \(hex) differs from the slice's record (\(shard.sha256)); run that slice again", isInputProblem: true)
                }
                if rewriter == nil {
                    let isLastShard = k == unit.stats.shards.count - 1
                    if !isLastShard || isLastUnit || shard.records >= limits.maxRecords {
                        let name = ShardWriter.shardName(stream.shards.count)
                        // Linked, not moved: a merge that is stopped half way can run again.
                        try FileSystem.link(path, to: folder + "/" + name)
                        var info = shard
                        info.path = stream.name + "/" + name
                        stream.shards.append(info)
                        moved += 1
                        continue
                    }
                    rewriter = try ShardWriter(directory: folder, relativeDirectory: name, limits: limits, zstdLevel: zstdLevel,
                                               firstIndex: stream.shards.count)
                }
                try rewrite(path)
            }
        }
        var rewritten = 0
        if let rewriter {
            let shards = try rewriter.finish()
            stream.shards += shards
            rewritten = shards.count
        }
        return (stream, (moved, rewritten))
    }

    private static func patched(_ value: JSONValue, out: Int, rejected: Int) -> JSONValue {
        guard case .object(var object) = value else { return value }
        object.set("out", .number(Double(out)))
        object.set("rejected", .number(Double(rejected)))
        return .object(object)
    }

    /// A whole number of a slice's files; 0 when absent (never a trap on `1e400`).
    private static func int(_ value: JSONValue?) -> Int { value?.intValue ?? 0 }

    private static func parseLine(_ line: UnsafeRawBufferPointer) throws -> JSONValue {
        var parser = JSONParser(bytes: line)
        return try parser.parseDocument()
    }

    private static func parseLine(_ line: ArraySlice<UInt8>) throws -> JSONValue {
        try line.withUnsafeBytes { raw in
            var parser = JSONParser(bytes: raw)
            return try parser.parseDocument()
        }
    }
}
