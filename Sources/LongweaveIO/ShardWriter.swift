import Crypto

/// What was written to one finished shard.
public struct ShardInfo: Sendable, Equatable {
    /// The shard's path relative to the dataset folder, e.g. `16k/part-00000.jsonl.zst`.
    public var path: String
    public var records: Int
    public var uncompressedBytes: Int
    public var compressedBytes: Int
    /// Lowercase hex sha256 of the compressed file.
    public var sha256: String

    public init(path: String, records: Int, uncompressedBytes: Int, compressedBytes: Int, sha256: String) {
        self.path = path
        self.records = records
        self.uncompressedBytes = uncompressedBytes
        self.compressedBytes = compressedBytes
        self.sha256 = sha256
    }
}

/// Limits that end a shard.
public struct ShardLimits: Sendable, Equatable {
    public var maxRecords: Int
    /// A cap on the compressed file size; a single record larger than this gets a shard of its own.
    public var maxBytes: Int

    public init(maxRecords: Int, maxBytes: Int) {
        self.maxRecords = maxRecords
        self.maxBytes = maxBytes
    }
}

/// Writes JSON Lines records into `part-NNNNN.jsonl.zst` shards of one folder.
///
/// Each shard is one zstd frame written under a temporary name and renamed when it is
/// complete. A shard ends before a record that would take it past `maxRecords`
/// records or `maxBytes` compressed bytes: the writer flushes zstd to learn the real
/// compressed size when the worst case of the next record could cross the cap.
public final class ShardWriter {
    public let directory: String
    /// The prefix of shard paths in `ShardInfo` (the folder's name inside the dataset).
    public let relativeDirectory: String
    public let limits: ShardLimits
    private let compressor: ZstdCompressor
    public private(set) var finished: [ShardInfo] = []
    /// The number of the first shard written: a merge that re-shards the tail of a folder
    /// continues its numbering.
    public let firstIndex: Int

    private var file: FileDescriptor?
    private var hasher = SHA256()
    private var records = 0
    private var uncompressed = 0
    private var compressedWritten = 0
    /// Input bytes given to zstd since the last flush: what it may still hold back.
    private var unflushed = 0
    private var outputBuffer: [UInt8] = []

    public init(directory: String, relativeDirectory: String, limits: ShardLimits, zstdLevel: Int32, firstIndex: Int = 0) throws {
        self.directory = directory
        self.firstIndex = firstIndex
        self.relativeDirectory = relativeDirectory
        self.limits = limits
        self.compressor = try ZstdCompressor(level: zstdLevel)
        outputBuffer.reserveCapacity(1 << 20)
        try FileSystem.createDirectories(directory)
    }

    /// `part-00000.jsonl.zst`, numbered from 0 within the folder.
    public static func shardName(_ index: Int) -> String {
        let digits = String(index)
        return "part-" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits + ".jsonl.zst"
    }

    private var shardName: String { Self.shardName(firstIndex + finished.count) }
    private var temporaryPath: String { directory + "/." + shardName + ".tmp" }

    /// Appends one record; `record` must be one JSON value followed by `\n`.
    public func write(record: UnsafeRawBufferPointer) throws {
        if file != nil {
            if records >= limits.maxRecords {
                try closeShard()
            } else {
                // Frame epilogue (last block header + checksum) and a little slack.
                let epilogue = 16
                var worstCase = compressedWritten + ZstdCompressor.bound(unflushed + record.count) + epilogue
                if worstCase > limits.maxBytes && unflushed > 0 {
                    try compressor.flush { (bytes) throws in try emit(bytes) }
                    try drain()
                    unflushed = 0
                    worstCase = compressedWritten + ZstdCompressor.bound(record.count) + epilogue
                }
                if worstCase > limits.maxBytes { try closeShard() }
            }
        }
        if file == nil { try openShard() }
        try compressor.compress(record) { (bytes) throws in try emit(bytes) }
        try drainIfLarge()
        records += 1
        uncompressed += record.count
        unflushed += record.count
    }

    public func write(record: [UInt8]) throws {
        try record.withUnsafeBytes { (raw) throws in try write(record: raw) }
    }

    /// Ends the last shard; returns every shard written.
    public func finish() throws -> [ShardInfo] {
        if file != nil { try closeShard() }
        return finished
    }

    private func openShard() throws {
        file = try FileDescriptor(writingTo: temporaryPath)
        hasher = SHA256()
        records = 0
        uncompressed = 0
        compressedWritten = 0
        unflushed = 0
    }

    private func emit(_ bytes: UnsafeRawBufferPointer) throws {
        outputBuffer.append(contentsOf: bytes)
        compressedWritten += bytes.count
    }

    private func drainIfLarge() throws {
        if outputBuffer.count >= 1 << 20 { try drain() }
    }

    private func drain() throws {
        guard let file, !outputBuffer.isEmpty else { return }
        try outputBuffer.withUnsafeBytes { (raw) throws in
            hasher.update(bufferPointer: raw)
            try file.write(raw)
        }
        outputBuffer.removeAll(keepingCapacity: true)
    }

    private func closeShard() throws {
        try compressor.finish { (bytes) throws in try emit(bytes) }
        try drain()
        try file?.sync()
        file = nil
        let name = shardName
        try FileSystem.rename(temporaryPath, to: directory + "/" + name)
        let digest = Digest.hex(hasher.finalize())
        finished.append(ShardInfo(
            path: relativeDirectory.isEmpty ? name : relativeDirectory + "/" + name,
            records: records, uncompressedBytes: uncompressed,
            compressedBytes: compressedWritten, sha256: digest))
    }
}
