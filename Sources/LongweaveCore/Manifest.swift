import LongweaveIO

/// Builds and reads `manifest.json`.
///
/// Everything in it is a function of the inputs, the pipeline file and the seed, except
/// the `run` section (threads, seconds, slices), which says how this run went.
public enum Manifest {
    public static func build(
        spec: PipelineSpec, root: String, stats: [StageStats], streams: [StreamStats],
        rejectKinds: [String: Int], rejectsSHA256: String, sideFiles: [SideFileEntry] = [], threads: Int,
        slice: RunSlice = .whole
    ) throws -> JSONValue {
        var manifest = JSONObject()
        manifest.set("tool", .object(JSONObject([("name", .string("longweave")), ("version", .string(Runner.toolVersion))])))
        manifest.set("pipeline", .object(JSONObject([
            ("file", .string(relative(spec.file, to: root))),
            ("sha256", .string(spec.fileSHA256)),
            ("name", .string(spec.name)),
        ])))
        manifest.set("seed", .number(Double(spec.seed)))
        manifest.set("config", spec.resolved)

        var inputs: [JSONValue] = []
        for input in spec.inputs {
            var entry = JSONObject([("id", .string(input.id)), ("path", .string(input.path)), ("format", .string(input.format))])
            if FileSystem.isDirectory(input.resolvedPath) {
                // A folder input lists each file it holds, in name order.
                var files: [JSONValue] = []
                var total = 0
                for name in try FileSystem.list(input.resolvedPath) where !name.hasPrefix(".") && !FileSystem.isDirectory(input.resolvedPath + "/" + name) {
                    let (hex, bytes) = try Digest.sha256Hex(ofFile: input.resolvedPath + "/" + name)
                    total += bytes
                    files.append(.object(JSONObject([("name", .string(name)), ("bytes", .number(Double(bytes))), ("sha256", .string(hex))])))
                }
                entry.set("bytes", .number(Double(total)))
                entry.set("files", .array(files))
            } else {
                let (hex, bytes) = try Digest.sha256Hex(ofFile: input.resolvedPath)
                entry.set("bytes", .number(Double(bytes)))
                entry.set("sha256", .string(hex))
            }
            inputs.append(.object(entry))
        }
        manifest.set("inputs", .array(inputs))

        manifest.set("levels", levels(streams))
        manifest.set("shards", shards(streams))
        manifest.set("stages", .array(stats.map { $0.json(withSeconds: false) }))

        manifest.set("rejects", rejectsSection(byKind: rejectKinds, sha256: rejectsSHA256))
        for entry in sideFiles {
            manifest.set(entry.file.section, .object(JSONObject([("file", .string(entry.file.file))] + entry.file.fields + [("sha256", .string(entry.sha256))])))
        }
        manifest.set("run", .object(JSONObject((slice.isWhole ? [] : [("slice", .string(slice.name))]) + [
            ("threads", .number(Double(threads))),
            ("seconds", .object(JSONObject(stats.map { ($0.label, .number(($0.seconds * 1000).rounded() / 1000)) }))),
        ])))
        return .object(manifest)
    }

    /// A stage's side file as the manifest pins it.
    public struct SideFileEntry: Sendable {
        public var file: SideFile
        public var sha256: String
    }

    /// The sections that pin a file beside the shards (`rejects`, side files): name, file,
    /// sha256. The `pipeline` section pins a file of the repository instead.
    public static func pinnedFiles(_ manifest: JSONValue) -> [(section: String, file: String, sha256: String)] {
        guard let object = manifest.objectValue else { return [] }
        return object.members.compactMap { key, value in
            guard key != "pipeline", let file = value["file"]?.stringValue, let sha = value["sha256"]?.stringValue else { return nil }
            return (key, file, sha)
        }
    }

    /// Per output folder: records, lengths, shards and bytes.
    static func levels(_ streams: [StreamStats]) -> JSONValue {
        var levels = JSONObject()
        for stream in streams {
            let mean = stream.records > 0 ? Double(stream.totalLength) / Double(stream.records) : 0
            levels.set(stream.name, .object(JSONObject([
                ("records", .number(Double(stream.records))),
                ("min_length", .number(Double(stream.records > 0 ? stream.minLength : 0))),
                ("mean_length", .number((mean * 10).rounded() / 10)),
                ("max_length", .number(Double(stream.maxLength))),
                ("shards", .number(Double(stream.shards.count))),
                ("uncompressed_bytes", .number(Double(stream.shards.reduce(0) { $0 + $1.uncompressedBytes }))),
                ("compressed_bytes", .number(Double(stream.shards.reduce(0) { $0 + $1.compressedBytes }))),
            ] + (stream.promptTokens.isEmpty ? [] : [
                ("prompt_tokens", .object(JSONObject(stream.promptTokens.map { ($0.model, $0.json) }))),
            ]))))
        }
        return .object(levels)
    }

    /// A `shards` entry read back, or nil when it lacks its path, sha256, or whole-number
    /// sizes and records.
    public static func shard(_ entry: JSONValue) -> ShardInfo? {
        guard let path = entry["path"]?.stringValue, let sha = entry["sha256"]?.stringValue,
              let compressed = entry["compressed_bytes"]?.intValue, let uncompressed = entry["uncompressed_bytes"]?.intValue,
              let records = entry["records"]?.intValue else { return nil }
        return ShardInfo(path: path, records: records, uncompressedBytes: uncompressed, compressedBytes: compressed, sha256: sha)
    }

    /// Every shard of every output folder, in order.
    static func shards(_ streams: [StreamStats]) -> JSONValue {
        .array(streams.flatMap(\.shards).map { shard in
            .object(JSONObject([
                ("path", .string(shard.path)), ("records", .number(Double(shard.records))),
                ("uncompressed_bytes", .number(Double(shard.uncompressedBytes))),
                ("compressed_bytes", .number(Double(shard.compressedBytes))),
                ("sha256", .string(shard.sha256)),
            ]))
        })
    }

    /// The rejects file, its count by reason kind and its sha256.
    static func rejectsSection(byKind byReason: [String: Int], sha256: String) -> JSONValue {
        .object(JSONObject([
            ("file", .string("rejects.jsonl")),
            ("count", .number(Double(byReason.values.reduce(0, +)))),
            ("by_reason", .object(JSONObject(byReason.keys.sorted().map { ($0, .number(Double(byReason[$0]!))) }))),
            ("sha256", .string(sha256)),
        ]))
    }

    /// `path` relative to `root` when it lies inside it.
    static func relative(_ path: String, to root: String) -> String {
        let prefix = root.hasSuffix("/") ? root : root + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }

    /// Reads a manifest back.
    public static func read(_ path: String) throws -> JSONValue {
        try JSONValue.parse(file: path)
    }
}
