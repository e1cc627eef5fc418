import Dispatch
import LongweaveCore
import LongweaveIO

/// The folder an export writes. Only what an earlier export wrote there (the files its
/// `export-manifest.json` names) is replaced or removed; any other entry, or a link, stops the
/// export before anything is written. One export at a time holds the folder's lock. Files are
/// written under a temporary name and renamed; the manifest is removed first and written last.
public final class ExportFolder {
    public static let manifestName = "export-manifest.json"

    /// One file the export wrote.
    public struct Entry: Sendable {
        public var path: String
        public var records: Int
        public var bytes: Int
        public var sha256: String
    }

    public let path: String
    private let lock: OutputLock
    private var previous: Set<String> = []
    public private(set) var entries: [Entry] = []

    public init(_ path: String) throws {
        guard FileSystem.kind(path) != .link else { throw RunError("\(path) is a link; longweave never writes through one", isInputProblem: true) }
        lock = try OutputLock(path)
        self.path = path
        let manifestPath = path + "/" + Self.manifestName
        if FileSystem.kind(manifestPath) == .file {
            let manifest = try Manifest.read(manifestPath)
            for file in manifest["files"]?.arrayValue ?? [] {
                guard let name = file["path"]?.stringValue, FileSystem.inside(path, name) != nil else {
                    throw RunError("\(manifestPath): a file entry without a path inside the folder", isInputProblem: true)
                }
                previous.insert(name)
            }
        }
        // Everything already here must be this export's own.
        func check(_ relative: String) throws {
            let full = relative.isEmpty ? path : path + "/" + relative
            for name in try FileSystem.list(full) {
                let entry = relative.isEmpty ? name : relative + "/" + name
                if relative.isEmpty && (name == OutputLock.fileName || name == Self.manifestName) { continue }
                switch FileSystem.kind(full + "/" + name) {
                case .directory:
                    guard previous.contains(where: { $0.hasPrefix(entry + "/") }) else { throw foreign(entry) }
                    try check(entry)
                case .file:
                    let own = entry.hasSuffix(".tmp") ? String(entry.dropLast(4)) : entry
                    guard previous.contains(own) else { throw foreign(entry) }
                default:
                    throw foreign(entry)
                }
            }
        }
        try check("")
        if FileSystem.kind(manifestPath) == .file { try FileSystem.remove(manifestPath) }
    }

    /// Names `name` in the in-progress manifest before it is written, once.
    private func claim(_ name: String) throws {
        guard previous.insert(name).inserted else { return }
        try begin()
    }

    private func foreign(_ entry: String) -> RunError {
        RunError("\(path)/\(entry) was not written by a longweave export; nothing was changed (move it, or export to another folder)", isInputProblem: true)
    }

    /// Writes `name` (a path inside the folder) from what `body` gives to its writer: under a
    /// temporary name, hashed as written, renamed when complete.
    public func write(_ name: String, records: Int, _ body: (inout FileWriter) throws -> Void) throws {
        guard let full = FileSystem.inside(path, name) else { throw RunError("export file '\(name)' would lead out of \(path)", isInputProblem: true) }
        try claim(name)
        if let slash = full.lastIndex(of: "/") { try FileSystem.createDirectories(String(full[..<slash])) }
        var writer = FileWriter(file: try FileDescriptor(writingTo: full + ".tmp"))
        try body(&writer)
        try writer.finish()
        try FileSystem.rename(full + ".tmp", to: full)
        entries.append(Entry(path: name, records: records, bytes: writer.bytes, sha256: writer.sha256))
    }

    /// Gives an existing file (a shard) a second name `name` in the folder, or copies it
    /// where it cannot be linked; `sha256` and the counts are the shard manifest's.
    public func link(_ source: String, as name: String, records: Int, bytes: Int, sha256: String) throws {
        guard let full = FileSystem.inside(path, name) else { throw RunError("export file '\(name)' would lead out of \(path)", isInputProblem: true) }
        try claim(name)
        if let slash = full.lastIndex(of: "/") { try FileSystem.createDirectories(String(full[..<slash])) }
        // The shard is what its manifest says, or the card would vouch for other bytes.
        let (hex, size) = try Digest.sha256Hex(ofFile: source)
        guard hex == sha256 && size == bytes else {
            throw RunError("\(source) differs from its manifest (sha256 \(hex), \(size) bytes); run longweave verify on its output", isInputProblem: true)
        }
        if FileSystem.kind(full) != .missing { try FileSystem.remove(full) }
        do {
            try FileSystem.link(source, to: full)
        } catch {
            // Another file system: copied a chunk at a time.
            let copy = try FileDescriptor(writingTo: full + ".tmp")
            try InputFile.forEachChunk(of: try FileDescriptor(readingFrom: source)) { chunk in
                try copy.write(chunk)
                return true
            }
            try FileSystem.rename(full + ".tmp", to: full)
        }
        entries.append(Entry(path: name, records: records, bytes: bytes, sha256: sha256))
    }

    /// Writes a manifest that marks the export incomplete and names what it will write (the
    /// earlier export's files too, until they are replaced), so that an export stopped half-way
    /// leaves a folder the next one may clean. Each file is added to it before it is written.
    public func begin() throws {
        var manifest = JSONObject()
        manifest.set("complete", .bool(false))
        manifest.set("files", .array(previous.sorted().map { .object(JSONObject([("path", .string($0))])) }))
        try FileSystem.writeAtomically(JSONValue.object(manifest).prettyPrinted(), to: path + "/" + Self.manifestName)
    }

    /// Removes what the earlier export wrote and this one did not, then writes the manifest:
    /// `format`, the inputs' manifests, and every file with its records, bytes and sha256.
    public func finish(format: String, inputs: [ExportInput], extra: [(String, JSONValue)] = []) throws {
        let now = Set(entries.map(\.path))
        for stale in previous.subtracting(now).sorted() {
            if let full = FileSystem.inside(path, stale), FileSystem.kind(full) == .file { try FileSystem.remove(full) }
        }
        // Folders the earlier export made and that are now empty.
        for stale in previous.subtracting(now).sorted(by: >) {
            var folder = stale
            while let slash = folder.lastIndex(of: "/") {
                folder = String(folder[..<slash])
                let full = path + "/" + folder
                if FileSystem.kind(full) == .directory, (try? FileSystem.list(full).isEmpty) == true { try FileSystem.remove(full) }
            }
        }
        var manifest = JSONObject()
        manifest.set("tool", .object(JSONObject([("name", .string("longweave")), ("version", .string(Runner.toolVersion))])))
        manifest.set("format", .string(format))
        manifest.set("inputs", .array(inputs.map { input in
            .object(JSONObject([("pipeline", .string(input.pipeline)), ("manifest_sha256", .string(input.manifestSHA256))]))
        }))
        for (key, value) in extra { manifest.set(key, value) }
        manifest.set("files", .array(entries.sorted { $0.path < $1.path }.map { entry in
            .object(JSONObject([("path", .string(entry.path)), ("records", .number(Double(entry.records))), ("bytes", .number(Double(entry.bytes))),
                                ("sha256", .string(entry.sha256))]))
        }))
        try FileSystem.writeAtomically(JSONValue.object(manifest).prettyPrinted(), to: path + "/" + Self.manifestName)
    }
}

/// Writes a file in 1 MiB blocks, counting what it writes and hashing it on another thread,
/// so that the hash costs no time beside decompressing and writing.
public struct FileWriter {
    private let file: FileDescriptor
    private var buffer: [UInt8] = []
    public private(set) var bytes = 0
    fileprivate let hasher = BackgroundSHA256()

    init(file: FileDescriptor) {
        self.file = file
        buffer.reserveCapacity(1 << 20)
    }

    public mutating func write(_ data: UnsafeRawBufferPointer) throws {
        bytes += data.count
        if buffer.count + data.count > 1 << 20 { try flush() }
        if data.count >= 1 << 20 {
            hasher.update(Array(data))
            try file.write(data)
        } else {
            buffer.append(contentsOf: data)
        }
    }

    public mutating func write(_ data: [UInt8]) throws {
        guard data.count >= 1 << 16 else { return try data.withUnsafeBytes { try write($0) } }
        // A block of its own: hashed and written without a copy.
        try flush()
        bytes += data.count
        hasher.update(data)
        try file.write(data)
    }

    private mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        hasher.update(buffer)
        try file.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is left. The file is renamed into place, not synced: the export manifest,
    /// written last and synced, is what says the export is complete.
    mutating func finish() throws {
        try flush()
    }

    /// The sha256 of everything written, once the hashing thread has caught up.
    var sha256: String { hasher.finish() }
}

/// sha256 on a serial queue, at most eight blocks behind.
final class BackgroundSHA256: @unchecked Sendable {
    private var state = StreamingSHA256()
    private let queue = DispatchQueue(label: "longweave.export.sha256")
    private let room = DispatchSemaphore(value: 8)

    func update(_ block: [UInt8]) {
        room.wait()
        queue.async {
            block.withUnsafeBytes { self.state.update($0) }
            self.room.signal()
        }
    }

    func finish() -> String {
        queue.sync { state.hex() }
    }
}
