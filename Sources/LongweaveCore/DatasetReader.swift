import LongweaveIO

/// Reads finished outputs back: shard lists, verification, and per-level tables.
public enum DatasetReader {
    /// One problem that `verify` found.
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        public var path: String
        public var problem: String
        public var description: String { "\(path): \(problem)" }

        public init(path: String, problem: String) {
            self.path = path
            self.problem = problem
        }
    }

    /// Re-hashes and decompresses every shard named in `directory/manifest.json` and
    /// compares it with the manifest, re-hashes `rejects.jsonl` and the stages' side files; also flags shard-like files that the manifest
    /// does not name (left-overs of an interrupted run). Empty when everything matches.
    public static func verify(directory: String) throws -> [Finding] {
        let manifest = try Manifest.read(directory + "/manifest.json")
        guard let shards = manifest["shards"]?.arrayValue else {
            throw IOError(path: directory + "/manifest.json", "no 'shards' list, expected a longweave manifest")
        }
        var findings: [Finding] = []
        var named: Set<String> = []
        for entry in shards {
            guard let shard = Manifest.shard(entry) else {
                throw IOError(path: directory + "/manifest.json", "a shard entry lacks path, sha256, or whole-number sizes and records")
            }
            let (path, sha, compressed, uncompressed, records) = (shard.path, shard.sha256, shard.compressedBytes, shard.uncompressedBytes, shard.records)
            named.insert(path)
            guard let full = FileSystem.inside(directory, path) else {
                findings.append(Finding(path: path, problem: outsideTheFolder))
                continue
            }
            guard FileSystem.kind(full) == .file else {
                findings.append(Finding(path: path, problem: "missing"))
                continue
            }
            let (hex, size) = try Digest.sha256Hex(ofFile: full)
            if hex != sha || size != compressed {
                findings.append(Finding(path: path, problem: "differs from the manifest (sha256 \(hex), \(size) bytes; expected \(sha), \(compressed) bytes)"))
            }
            var bytes = 0
            var lines = 0
            do {
                try InputFile.forEachChunk(full) { chunk in
                    bytes += chunk.count
                    for byte in chunk where byte == 0x0A { lines += 1 }
                }
                if bytes != uncompressed || lines != records {
                    findings.append(Finding(path: path, problem: "decompresses to \(bytes) bytes in \(lines) records; expected \(uncompressed) bytes in \(records)"))
                }
            } catch let error as IOError {
                findings.append(Finding(path: path, problem: "not a complete zstd stream: \(error.message)"))
            }
        }
        // The files the manifest pins beside the shards: rejects.jsonl and the stages' side files.
        for (_, file, sha) in Manifest.pinnedFiles(manifest) {
            guard FileSystem.inside(directory, file) != nil else {
                findings.append(Finding(path: file, problem: outsideTheFolder))
                continue
            }
            guard FileSystem.exists(directory + "/" + file) else {
                findings.append(Finding(path: file, problem: "missing"))
                continue
            }
            let (hex, _) = try Digest.sha256Hex(ofFile: directory + "/" + file)
            if hex != sha { findings.append(Finding(path: file, problem: "differs from the manifest (sha256 \(hex); expected \(sha))")) }
        }
        for folder in try shardFolders(directory) {
            for name in try FileSystem.list(directory + "/" + folder) {
                let relative = folder + "/" + name
                if (name.hasSuffix(".jsonl.zst") || name.hasSuffix(".tmp")) && !named.contains(relative) {
                    findings.append(Finding(path: relative, problem: "not named in the manifest (left over from an interrupted run?)"))
                }
            }
        }
        return findings
    }

    /// What `verify` says of a path that leads out of the folder it is read from.
    static let outsideTheFolder = "outside the folder (an absolute path, '..' or a link on the way); not read"

    /// Sub-folders of a dataset folder that hold shards.
    static func shardFolders(_ directory: String) throws -> [String] {
        // `.staging` is a build that has not been swapped in, `slices` a job array's parts:
        // neither is part of the output.
        try FileSystem.list(directory).filter { $0 != OutputFolder.stagingFolder && $0 != SliceFolders.folderName && FileSystem.isDirectory(directory + "/" + $0) }
    }

    /// The shard files that `path` stands for, in order: a shard itself, a level folder's
    /// `part-*.jsonl.zst`, or a dataset folder's shards in manifest order.
    public static func shards(at path: String) throws -> [String] {
        if !FileSystem.isDirectory(path) {
            guard FileSystem.exists(path) else { throw IOError(path: path, "no such file or folder") }
            // A shard is one zstd frame: anything else is not printed as if it were records.
            let file = try FileDescriptor(readingFrom: path)
            var magic = [UInt8](repeating: 0, count: 4)
            let count = try magic.withUnsafeMutableBytes { try file.read(into: $0) }
            guard count == 4, magic == [0x28, 0xB5, 0x2F, 0xFD] else { throw IOError(path: path, "not a zstd shard (no zstd frame at its start)") }
            return [path]
        }
        if FileSystem.exists(path + "/manifest.json") {
            let manifest = try Manifest.read(path + "/manifest.json")
            return try (manifest["shards"]?.arrayValue ?? []).compactMap { $0["path"]?.stringValue }.map { relative in
                guard let full = FileSystem.inside(path, relative) else {
                    throw IOError(path: path + "/manifest.json", "shard path '\(relative)' leads outside the folder (an absolute path, '..' or a link on the way)")
                }
                return full
            }
        }
        let parts = try FileSystem.list(path).filter { $0.hasPrefix("part-") && $0.hasSuffix(".jsonl.zst") }
        guard !parts.isEmpty else { throw IOError(path: path, "no manifest.json and no part-*.jsonl.zst here") }
        return parts.map { path + "/" + $0 }
    }

    /// Streams the JSON Lines of `path` (see `shards(at:)`) to `output`, at most `limit` records.
    public static func cat(_ path: String, limit: Int?, to output: FileDescriptor) throws {
        var remaining = limit ?? Int.max
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        for shard in try shards(at: path) where remaining > 0 {
            if limit == nil {
                // Whole shards: pass decompressed chunks straight through.
                try InputFile.forEachChunk(shard) { chunk in try output.write(chunk) }
                continue
            }
            struct Done: Error {}
            do {
                try LineReader.forEachLine(in: shard) { line, _ in
                    buffer.append(contentsOf: line)
                    buffer.append(0x0A)
                    if buffer.count >= 1 << 20 {
                        try output.write(buffer)
                        buffer.removeAll(keepingCapacity: true)
                    }
                    remaining -= 1
                    if remaining == 0 { throw Done() }
                }
            } catch is Done {}
        }
        if !buffer.isEmpty { try output.write(buffer) }
    }

    /// One row of `stats`.
    public struct LevelRow: Sendable {
        public var level: String
        public var records: Int
        public var minLength: Int
        public var meanLength: Double
        public var maxLength: Int
        public var shards: Int
        public var uncompressedBytes: Int
        public var compressedBytes: Int
        /// Per model of `models:`: its records' prompt tokens and how many overflow its window.
        public var promptTokens: [(model: String, min: Int, mean: Double, max: Int, overWindow: Int)] = []
    }

    public static func levelRows(directory: String) throws -> [LevelRow] {
        let manifest = try Manifest.read(directory + "/manifest.json")
        guard let levels = manifest["levels"]?.objectValue else {
            throw IOError(path: directory + "/manifest.json", "no 'levels', expected a longweave manifest")
        }
        return levels.members.map { name, value in
            func n(_ key: String) -> Double { value[key]?.numberValue ?? 0 }
            let tokens = (value["prompt_tokens"]?.objectValue?.members ?? []).map { model, stats in
                (model: model, min: stats["min"]?.intValue ?? 0, mean: stats["mean"]?.numberValue ?? 0,
                 max: stats["max"]?.intValue ?? 0, overWindow: stats["over_window"]?.intValue ?? 0)
            }
            return LevelRow(level: name, records: Int(n("records")), minLength: Int(n("min_length")), meanLength: n("mean_length"),
                            maxLength: Int(n("max_length")), shards: Int(n("shards")),
                            uncompressedBytes: Int(n("uncompressed_bytes")), compressedBytes: Int(n("compressed_bytes")),
                            promptTokens: tokens)
        }
    }
}
