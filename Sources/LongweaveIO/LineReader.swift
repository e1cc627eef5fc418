#if canImport(Glibc)
import Glibc
#endif

/// Splits a stream of byte chunks into lines (without their `\n`), with `memchr`.
/// A line longer than `maxLineBytes` is an error rather than unbounded memory.
public struct LineSplitter {
    public let maxLineBytes: Int
    private var pending: [UInt8] = []
    /// 1-based number of the next line to be delivered.
    public private(set) var lineNumber = 1

    public init(maxLineBytes: Int = 1 << 30) {
        self.maxLineBytes = maxLineBytes
    }

    /// Feeds a chunk; calls `body(line, lineNumber)` for each complete line.
    public mutating func feed(
        _ chunk: UnsafeRawBufferPointer, path: String,
        _ body: (UnsafeRawBufferPointer, Int) throws -> Void
    ) throws {
        guard let base = chunk.baseAddress else { return }
        var start = 0
        while start < chunk.count {
            guard let hit = memchr(base + start, 0x0A, chunk.count - start) else {
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start...]))
                if pending.count > maxLineBytes { throw tooLong(path) }
                return
            }
            let end = UnsafeRawPointer(hit) - base
            if pending.isEmpty {
                if end - start > maxLineBytes { throw tooLong(path) }
                try body(UnsafeRawBufferPointer(rebasing: chunk[start..<end]), lineNumber)
            } else {
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<end]))
                if pending.count > maxLineBytes { throw tooLong(path) }
                try pending.withUnsafeBytes { try body($0, lineNumber) }
                pending.removeAll(keepingCapacity: true)
            }
            lineNumber += 1
            start = end + 1
        }
    }

    /// Delivers a last line that had no trailing newline.
    public mutating func finish(_ body: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
        if !pending.isEmpty {
            try pending.withUnsafeBytes { try body($0, lineNumber) }
            pending.removeAll()
            lineNumber += 1
        }
    }

    private func tooLong(_ path: String) -> IOError {
        IOError(path: path, "line \(lineNumber) is longer than \(maxLineBytes) bytes")
    }
}

/// Reads a file line by line in 1 MiB chunks; `.zst`, `.gz` and `.bz2` files are decompressed.
public enum LineReader {
    /// Calls `body(line, lineNumber)` for every line of `path`.
    public static func forEachLine(
        in path: String, maxLineBytes: Int = 1 << 30,
        _ body: (UnsafeRawBufferPointer, Int) throws -> Void
    ) throws {
        var splitter = LineSplitter(maxLineBytes: maxLineBytes)
        try InputFile.forEachChunk(path) { chunk in
            try splitter.feed(chunk, path: path, body)
        }
        try splitter.finish(body)
    }
}
