import CBzip2
import Dispatch
import Synchronization
import CZlib
import CZstd

/// Something that hands out bytes on request: a file, or a decompressor over one.
public protocol ByteSource: AnyObject {
    /// The file the bytes come from, for messages.
    var path: String { get }
    /// Fills up to `buffer.count` bytes; returns 0 only at the end of the stream.
    /// Throws when the stream is corrupt or ends early.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

extension FileDescriptor: ByteSource {}

/// Input files by name: `.zst`, `.gz` and `.bz2` are decompressed on the fly, in bounded memory.
public enum InputFile {
    public enum Compression: Sendable {
        case none, zstd, gzip, bzip2
    }

    public static let chunkSize = 1 << 20

    public static func compression(of path: String) -> Compression {
        if path.hasSuffix(".zst") { return .zstd }
        if path.hasSuffix(".gz") { return .gzip }
        if path.hasSuffix(".bz2") { return .bzip2 }
        return .none
    }

    /// The name without its compression suffix (`dump.xml.bz2` → `dump.xml`).
    public static func uncompressedName(_ path: String) -> String {
        for suffix in [".zst", ".gz", ".bz2"] where path.hasSuffix(suffix) {
            return String(path.dropLast(suffix.count))
        }
        return path
    }

    /// Opens `path` for streaming reads, decompressing by its suffix.
    public static func open(_ path: String) throws -> any ByteSource {
        let file = try FileDescriptor(readingFrom: path)
        switch compression(of: path) {
        case .none: return file
        case .zstd: return try ZstdReader(file)
        case .gzip: return try GzipReader(file)
        case .bzip2: return try Bzip2Reader(file)
        }
    }

    /// Calls `body` with each decompressed chunk of `path`.
    public static func forEachChunk(_ path: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let source = try open(path)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = try source.read(into: buffer)
            if n == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }

    /// Reads an open plain file from its current position in chunks until `body` returns
    /// false or the file ends.
    public static func forEachChunk(of file: FileDescriptor, _ body: (UnsafeRawBufferPointer) throws -> Bool) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = try file.read(into: buffer)
            if n == 0 { return }
            guard try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n])) else { return }
        }
    }

    /// The whole decompressed content of `path`; throws past `limit` bytes rather than
    /// growing without bound.
    public static func readAll(_ path: String, limit: Int = Int.max) throws -> [UInt8] {
        if compression(of: path) == .none {
            if try FileSystem.size(path) > limit { throw IOError(path: path, "larger than \(limit) bytes", exceedsLimit: true) }
            return try FileSystem.readAll(path)
        }
        var bytes: [UInt8] = []
        try forEachChunk(path) { chunk in
            if bytes.count + chunk.count > limit { throw IOError(path: path, "decompresses to more than \(limit) bytes", exceedsLimit: true) }
            bytes.append(contentsOf: chunk)
        }
        return bytes
    }
}

/// Reads the compressed file in fixed chunks for a decompressor.
private struct CompressedInput {
    let file: FileDescriptor
    let buffer: UnsafeMutableRawBufferPointer
    var available = 0
    var atEnd = false
    var sawAnyByte = false

    init(_ file: FileDescriptor) {
        self.file = file
        buffer = .allocate(byteCount: 1 << 18, alignment: 16)
    }

    /// Reads the next chunk; returns false at the end of the file.
    mutating func refill() throws -> Bool {
        guard !atEnd else { return false }
        available = try file.read(into: buffer)
        if available == 0 { atEnd = true }
        else { sawAnyByte = true }
        return available > 0
    }

    var start: UnsafeMutablePointer<UInt8> { buffer.baseAddress!.assumingMemoryBound(to: UInt8.self) }

    func deallocate() { buffer.deallocate() }
}

/// Streaming gzip (and concatenated gzip members) through zlib's `inflate`.
public final class GzipReader: ByteSource {
    public var path: String { input.file.path }
    private var input: CompressedInput
    // zlib keeps a pointer back to the stream, so it lives at a fixed address.
    private let stream: UnsafeMutablePointer<z_stream>
    private var insideMember = false
    private var finished = false

    public init(_ file: FileDescriptor) throws {
        input = CompressedInput(file)
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 15 window bits + 32: accept gzip or zlib headers.
        guard inflateInit2_(stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deallocate()
            input.deallocate()
            throw IOError(path: file.path, "cannot initialise zlib")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        input.deallocate()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !finished, buffer.count > 0 else { return 0 }
        let capacity = min(buffer.count, Int(UInt32.max))
        stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        stream.pointee.avail_out = UInt32(capacity)
        while stream.pointee.avail_out == UInt32(capacity) {
            if stream.pointee.avail_in == 0 {
                if try input.refill() {
                    stream.pointee.next_in = input.start
                    stream.pointee.avail_in = UInt32(input.available)
                } else {
                    if !input.sawAnyByte { throw IOError(path: path, "empty file, expected a gzip stream") }
                    if insideMember { throw IOError(path: path, "truncated gzip stream: the file ends inside a member") }
                    finished = true
                    break
                }
            }
            insideMember = true
            let status = inflate(stream, Z_NO_FLUSH)
            switch status {
            case Z_OK, Z_BUF_ERROR:
                continue
            case Z_STREAM_END:
                // Another member may follow.
                insideMember = false
                guard inflateReset(stream) == Z_OK else { throw IOError(path: path, "cannot reset zlib") }
            default:
                throw IOError(path: path, "not a valid gzip stream (zlib status \(status))")
            }
        }
        return capacity - Int(stream.pointee.avail_out)
    }
}

/// Streaming bzip2 (multistream files included) through libbz2.
public final class Bzip2Reader: ByteSource {
    public var path: String { input.file.path }
    private var input: CompressedInput
    // libbz2 checks that the stream has not moved, so it lives at a fixed address.
    private let stream: UnsafeMutablePointer<bz_stream>
    private var initialised = false
    private var insideStream = false
    private var finished = false

    public init(_ file: FileDescriptor) throws {
        input = CompressedInput(file)
        stream = .allocate(capacity: 1)
        stream.initialize(to: bz_stream())
        try start()
    }

    deinit {
        if initialised { BZ2_bzDecompressEnd(stream) }
        stream.deallocate()
        input.deallocate()
    }

    private func start() throws {
        // Keeps the buffers of a stream that ended mid-call for the next one.
        let old = stream.pointee
        stream.pointee = bz_stream()
        guard BZ2_bzDecompressInit(stream, 0, 0) == BZ_OK else { throw IOError(path: path, "cannot initialise libbz2") }
        initialised = true
        stream.pointee.next_in = old.next_in
        stream.pointee.avail_in = old.avail_in
        stream.pointee.next_out = old.next_out
        stream.pointee.avail_out = old.avail_out
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !finished, buffer.count > 0 else { return 0 }
        let capacity = min(buffer.count, Int(UInt32.max))
        stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: CChar.self)
        stream.pointee.avail_out = UInt32(capacity)
        while stream.pointee.avail_out == UInt32(capacity) {
            if stream.pointee.avail_in == 0 {
                if try input.refill() {
                    stream.pointee.next_in = UnsafeMutableRawPointer(input.start).assumingMemoryBound(to: CChar.self)
                    stream.pointee.avail_in = UInt32(input.available)
                } else {
                    if !input.sawAnyByte { throw IOError(path: path, "empty file, expected a bzip2 stream") }
                    if insideStream { throw IOError(path: path, "truncated bzip2 stream: the file ends inside a block") }
                    finished = true
                    break
                }
            }
            insideStream = true
            let status = BZ2_bzDecompress(stream)
            switch status {
            case BZ_OK:
                continue
            case BZ_STREAM_END:
                // A multistream file (pbzip2, Wikipedia's multistream dumps) starts again.
                insideStream = false
                BZ2_bzDecompressEnd(stream)
                initialised = false
                try start()
            case BZ_DATA_ERROR_MAGIC:
                throw IOError(path: path, "not a bzip2 stream (bad magic)")
            default:
                throw IOError(path: path, "not a valid bzip2 stream (libbz2 status \(status))")
            }
        }
        return capacity - Int(stream.pointee.avail_out)
    }
}

/// Streaming zstd through one `ZSTD_DCtx`.
public final class ZstdReader: ByteSource {
    public var path: String { input.file.path }
    private var input: CompressedInput
    private let context: OpaquePointer
    private var position = 0
    /// zstd's hint after the last call that moved anything: 0 when a frame is complete.
    private var lastHint = 0
    private var finished = false

    public init(_ file: FileDescriptor) throws {
        input = CompressedInput(file)
        guard let context = ZSTD_createDCtx() else {
            input.deallocate()
            throw IOError(path: file.path, "cannot allocate a zstd decompression context")
        }
        self.context = context
    }

    deinit {
        ZSTD_freeDCtx(context)
        input.deallocate()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !finished, buffer.count > 0 else { return 0 }
        var outBuffer = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
        while outBuffer.pos == 0 {
            if position == input.available {
                if try input.refill() {
                    position = 0
                } else {
                    // Drain what zstd may still hold, then check the frame ended.
                    var empty = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
                    let hint = ZSTD_decompressStream(context, &outBuffer, &empty)
                    if ZSTD_isError(hint) != 0 { throw IOError(path: path, "not a valid zstd stream: \(zstdErrorMessage(hint))") }
                    if outBuffer.pos > 0 || hint == 0 { lastHint = hint }
                    if outBuffer.pos > 0 { break }
                    if !input.sawAnyByte { throw IOError(path: path, "empty file, expected a zstd stream") }
                    if lastHint != 0 { throw IOError(path: path, "truncated zstd stream: the file ends inside a frame") }
                    finished = true
                    return 0
                }
            }
            var inBuffer = ZSTD_inBuffer(src: input.buffer.baseAddress, size: input.available, pos: position)
            let hint = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
            if ZSTD_isError(hint) != 0 { throw IOError(path: path, "not a valid zstd stream: \(zstdErrorMessage(hint))") }
            if outBuffer.pos > 0 || inBuffer.pos > position || hint == 0 { lastHint = hint }
            position = inBuffer.pos
        }
        return outBuffer.pos
    }
}

/// Reads ahead from another source on a background thread, a few chunks at most, so that
/// decompression runs on one core while the caller parses on another.
public final class ReadAheadSource: ByteSource {
    /// What the reading thread hands over, guarded by a mutex.
    private struct Queue: ~Copyable {
        var chunks: [[UInt8]] = []
        var error: (any Error)?
        var finished = false
        var cancelled = false
    }

    /// What the reading thread and the caller share.
    private final class Shared: Sendable {
        let queue = Mutex(Queue())
        let filled = DispatchSemaphore(value: 0)
        let free: DispatchSemaphore
        init(depth: Int) { free = DispatchSemaphore(value: depth) }
    }

    public let path: String
    private let shared: Shared
    private var current: [UInt8] = []
    private var offset = 0
    private var ended = false

    /// Starts reading `source` at once, `chunkSize` bytes at a time, at most `depth` chunks ahead.
    public init(_ source: any ByteSource, chunkSize: Int = 1 << 20, depth: Int = 4) {
        path = source.path
        let shared = Shared(depth: depth)
        self.shared = shared
        // Only the reading thread touches the source from here on.
        nonisolated(unsafe) let source = source
        DispatchQueue.global().async {
            while true {
                shared.free.wait()
                if shared.queue.withLock({ $0.cancelled }) { return }
                var chunk = [UInt8](repeating: 0, count: chunkSize)
                let result = Result { try chunk.withUnsafeMutableBytes { try source.read(into: $0) } }
                let finished = shared.queue.withLock { queue in
                    switch result {
                    case .success(let n) where n > 0:
                        chunk.removeLast(chunkSize - n)
                        queue.chunks.append(chunk)
                    case .success:
                        queue.finished = true
                    case .failure(let error):
                        queue.error = error
                        queue.finished = true
                    }
                    return queue.finished
                }
                shared.filled.signal()
                if finished { return }
            }
        }
    }

    deinit {
        // Wakes a reading thread that waits for room, so that it stops.
        shared.queue.withLock { $0.cancelled = true }
        shared.free.signal()
    }

    /// The next chunk whole (or what is left of one partly read), without a copy; nil at the end.
    public func nextChunk() throws -> [UInt8]? {
        if offset == current.count {
            guard try refill() else { return nil }
        }
        let chunk = offset == 0 ? current : Array(current[offset...])
        offset = current.count
        return chunk
    }

    /// Takes the next chunk from the reading thread; false at the end.
    private func refill() throws -> Bool {
        if ended { return false }
        shared.filled.wait()
        let (next, error) = shared.queue.withLock { queue -> ([UInt8]?, (any Error)?) in
            queue.chunks.isEmpty ? (nil, queue.error) : (queue.chunks.removeFirst(), nil)
        }
        guard let next else {
            ended = true
            if let error { throw error }
            return false
        }
        shared.free.signal()
        current = next
        offset = 0
        return true
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while offset == current.count {
            guard try refill() else { return 0 }
        }
        let n = min(buffer.count, current.count - offset)
        current.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
        offset += n
        return n
    }
}
