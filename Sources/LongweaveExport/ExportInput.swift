import LongweaveCore
import LongweaveIO

/// What an output's records are, from its first record: LV-Eval's (`input`, `context`,
/// `length_level`), M4LE's (`instruction`, `input`, `length_bucket`), or in-flight samples.
public enum RecordKind: String, Sendable {
    case lveval
    case m4le
    case samples
}

/// A finished pipeline output that an export reads: its manifest, what its records are, and
/// its streams' shards in the manifest's order.
public struct ExportInput: Sendable {
    public struct Stream: Sendable {
        /// The level or bucket folder (`16k`).
        public var name: String
        /// The shards as the manifest names them, in order, their paths made full.
        public var shards: [ShardInfo]
        public var records: Int
        public var uncompressedBytes: Int
    }

    public var directory: String
    /// The pipeline's `name:` (`lveval/hotpotwikiqa_mixup`).
    public var pipeline: String
    public var manifest: JSONValue
    public var manifestSHA256: String
    public var kind: RecordKind
    /// LV-Eval: the records' `dataset`. M4LE: `meta.dataset` (the source).
    public var dataset: String
    /// M4LE: `meta.ability` (`explicit-single`, ...).
    public var ability: String?
    public var language: String?
    public var streams: [Stream]

    /// Every finished output at or under `path`, in path order: the folder itself when it has
    /// a `manifest.json`, else the folders below it that have one. Export folders (with an
    /// `export-manifest.json`), slices, staging folders and links are passed over.
    public static func find(under path: String) throws -> [ExportInput] {
        guard FileSystem.kind(path) == .directory else { throw IOError(path: path, "not a folder of longweave outputs") }
        var found: [ExportInput] = []
        func walk(_ directory: String, depth: Int) throws {
            if FileSystem.kind(directory + "/manifest.json") == .file {
                found.append(try read(directory))
                return
            }
            guard depth < 4, FileSystem.kind(directory + "/" + ExportFolder.manifestName) == .missing else { return }
            for name in try FileSystem.list(directory).sorted() where !name.hasPrefix(".") && name != "slices" {
                let child = directory + "/" + name
                if FileSystem.kind(child) == .directory { try walk(child, depth: depth + 1) }
            }
        }
        try walk(path, depth: 0)
        guard !found.isEmpty else { throw IOError(path: path, "no longweave output (a folder with manifest.json) at or under it") }
        return found
    }

    /// The output in `directory`: its manifest, and its first record for what it holds.
    public static func read(_ directory: String) throws -> ExportInput {
        let manifestPath = directory + "/manifest.json"
        let manifest = try Manifest.read(manifestPath)
        guard let pipeline = manifest["pipeline"]?["name"]?.stringValue, let shards = manifest["shards"]?.arrayValue,
              case .object(let levels)? = manifest["levels"] else {
            throw IOError(path: manifestPath, "expected a longweave manifest with pipeline.name, levels and shards")
        }
        var streams: [Stream] = []
        for (name, level) in levels.members {
            var stream = Stream(name: name, shards: [], records: level["records"]?.intValue ?? 0, uncompressedBytes: level["uncompressed_bytes"]?.intValue ?? 0)
            for entry in shards {
                guard var shard = Manifest.shard(entry) else {
                    throw IOError(path: manifestPath, "a shard entry lacks path, sha256, or whole-number sizes and records")
                }
                guard shard.path.hasPrefix(name + "/") else { continue }
                guard let full = FileSystem.inside(directory, shard.path) else {
                    throw IOError(path: manifestPath, "shard path '\(shard.path)' leads out of the folder")
                }
                shard.path = full
                stream.shards.append(shard)
            }
            streams.append(stream)
        }
        var input = ExportInput(directory: directory, pipeline: pipeline, manifest: manifest,
                                manifestSHA256: try Digest.sha256Hex(ofFile: manifestPath).hex, kind: .samples,
                                dataset: pipeline.split(separator: "/").last.map(String.init) ?? pipeline, ability: nil, language: nil, streams: streams)
        if let first = try firstRecord(of: streams) {
            if first["instruction"] != nil && first["length_bucket"] != nil {
                input.kind = .m4le
                input.dataset = first["meta"]?["dataset"]?.stringValue ?? input.dataset
                input.ability = first["meta"]?["ability"]?.stringValue
                input.language = first["meta"]?["language"]?.stringValue
            } else if first["input"] != nil && first["context"] != nil && first["length_level"] != nil {
                input.kind = .lveval
                input.dataset = first["dataset"]?.stringValue ?? input.dataset
                input.language = first["language"]?.stringValue
            }
        }
        return input
    }

    private static func firstRecord(of streams: [Stream]) throws -> JSONValue? {
        struct Found: Error { var record: JSONValue }
        for shard in streams.flatMap(\.shards).map(\.path) {
            do {
                try LineReader.forEachLine(in: shard) { line, number in
                    var parser = JSONParser(bytes: line)
                    do {
                        throw Found(record: try parser.parseDocument())
                    } catch let error as JSONSyntaxError {
                        throw IOError(path: shard, "line \(number): \(error)")
                    }
                }
            } catch let found as Found {
                return found.record
            }
        }
        return nil
    }
}
