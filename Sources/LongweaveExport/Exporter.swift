import LongweaveCore
import LongweaveIO

/// The layouts `longweave export` writes, each as another project's code reads it.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// `{dataset}_{level}.jsonl`, as LV-Eval's `load_LVEval_dataset` reads them.
    case lveval
    /// `{task}.jsonl` per split, named as M4LE's `evaluation.py` names the task.
    case m4le
    /// A Hugging Face dataset folder: `README.md` with one config per split and level.
    case hf
    /// LongBench's record format, `{dataset}_{level}.jsonl`.
    case longbench
}

/// What an export did: the files it wrote, and the outputs it passed over with the reason.
public struct ExportSummary: Sendable {
    public var files: [ExportFolder.Entry]
    public var skipped: [(pipeline: String, reason: String)]
}

/// Writes an export of the outputs at or under a folder, streaming every record from the
/// shards: no split is ever held in memory.
public enum Exporter {
    public static func export(_ format: ExportFormat, from builds: [String], to out: String, progress showProgress: Bool = false,
                              root: String = ".") throws -> ExportSummary {
        let inputs = try builds.flatMap { try ExportInput.find(under: $0) }
        // The whole plan first: a clash or an output with nothing to give stops the export
        // before the folder is touched.
        var skipped: [(String, String)] = []
        var plan: [(input: ExportInput, files: [String])] = []
        var used: [String: String] = [:]
        var empty: [String] = []
        for var input in inputs {
            // A level with no records gives no file: LV-Eval's scoring divides by the count,
            // and a Hugging Face config needs data files.
            for stream in input.streams where stream.records == 0 { empty.append("\(input.pipeline)/\(stream.name)") }
            input.streams.removeAll { $0.records == 0 }
            var files: [String] = []
            switch (format, input.kind) {
            case (_, .samples):
                skipped.append((input.pipeline, "holds in-flight samples, not LV-Eval or M4LE records"))
                continue
            case (.lveval, .m4le):
                skipped.append((input.pipeline, "holds M4LE records (export them with --to m4le)"))
                continue
            case (.m4le, .lveval):
                skipped.append((input.pipeline, "holds LV-Eval records (export them with --to lveval)"))
                continue
            case (.lveval, .lveval), (.longbench, _):
                files = input.streams.map { "\(splitName(input))_\($0.name).jsonl" }
            case (.m4le, .m4le):
                files = [M4LETaskName(input).name + ".jsonl"]
            case (.hf, _):
                files = input.streams.map { "data/" + HuggingFaceCard.configName(input, $0) }
            }
            for name in files {
                if let other = used[name] {
                    throw RunError("\(input.directory) and \(other) would both export \(name); export them apart, or give one another dataset name", isInputProblem: true)
                }
                used[name] = input.directory
            }
            plan.append((input, files))
        }
        guard !plan.isEmpty else {
            throw RunError("nothing under \(builds.joined(separator: ", ")) exports to \(format.rawValue): " + skipped.map { "\($0.0) \($0.1)" }.joined(separator: "; "), isInputProblem: true)
        }

        let folder = try ExportFolder(out)
        let exported = plan.map(\.input)
        try folder.begin()
        let progress = Progress(total: exported.reduce(0) { $0 + $1.streams.reduce(0) { $0 + $1.records } }, enabled: showProgress)
        for (input, files) in plan {
            switch format {
            case .lveval:
                for (stream, name) in zip(input.streams, files) {
                    try folder.write(name, records: stream.records) { writer in try copy(stream, into: &writer, progress: progress) }
                }
            case .m4le:
                // Every bucket in one file, smallest first, as M4LE's files hold them.
                let streams = input.streams.sorted { bucketSize($0.name) < bucketSize($1.name) }
                try folder.write(files[0], records: streams.reduce(0) { $0 + $1.records }) { writer in
                    for stream in streams { try copy(stream, into: &writer, progress: progress) }
                }
            case .longbench:
                for (stream, name) in zip(input.streams, files) {
                    try folder.write(name, records: stream.records) { writer in
                        try LongBenchRecords.write(stream, kind: input.kind, dataset: splitName(input), into: &writer, progress: progress)
                    }
                }
            case .hf:
                for (stream, folderName) in zip(input.streams, files) {
                    for (i, shard) in stream.shards.enumerated() {
                        try folder.link(shard.path, as: folderName + "/part-\(String(format: "%05d", i)).jsonl.zst", records: shard.records,
                                        bytes: shard.compressedBytes, sha256: shard.sha256)
                    }
                    progress.add(records: stream.records, bytes: stream.uncompressedBytes)
                }
            }
        }
        if format == .hf {
            let card = try HuggingFaceCard.render(exported, emptyLevels: empty, root: root)
            try folder.write("README.md", records: 0) { try $0.write(Array(card.utf8)) }
        }
        progress.finish()
        try folder.finish(format: format.rawValue, inputs: exported, extra: [
            ("skipped", .array(skipped.map { .object(JSONObject([("pipeline", .string($0.0)), ("reason", .string($0.1))])) })),
            ("empty_levels", .array(empty.map { .string($0) })),
        ])
        return ExportSummary(files: folder.entries, skipped: skipped)
    }

    /// A split's name in file and config names: LV-Eval's `dataset`, or M4LE's task name.
    static func splitName(_ input: ExportInput) -> String {
        input.kind == .m4le ? M4LETaskName(input).name : input.dataset
    }

    /// The decompressed bytes of a stream's shards, passed straight through.
    static func copy(_ stream: ExportInput.Stream, into writer: inout FileWriter, progress: Progress) throws {
        for shard in stream.shards {
            var bytes = 0
            // Decompressed on another thread, each chunk handed over whole.
            let source = ReadAheadSource(try InputFile.open(shard.path))
            while let chunk = try source.nextChunk() {
                try writer.write(chunk)
                bytes += chunk.count
            }
            progress.add(records: shard.records, bytes: bytes)
        }
    }

    /// `1k` -> 1000, `128k` -> 128000; anything else sorts last.
    static func bucketSize(_ name: String) -> Int {
        guard name.hasSuffix("k"), let thousands = Int(name.dropLast()) else { return Int.max }
        return thousands * 1000
    }
}
