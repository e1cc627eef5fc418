#if canImport(Glibc)
import Glibc
#endif

/// Splits a stream of byte chunks into lines (without their `\n`), with `memchr`.
/// A line longer than `maxLineBytes` is an error rather than unbounded memory.
public struct LineSplitter {
    public let maxLineBytes: Int
    /// Called with the number and offset of a line longer than `maxLineBytes`, which is then
    /// skipped; when nil such a line is an error.
    private let onOverlong: ((Int, Int) throws -> Void)?
    private var skipping = false
    private var pending: [UInt8] = []
    /// 1-based number of the next line to be delivered.
    public private(set) var lineNumber = 1
    /// Where the next line starts in the stream, and the bytes fed before the current chunk.
    private var lineOffset = 0
    private var fed = 0

    public init(maxLineBytes: Int = 1 << 30, onOverlong: ((Int) throws -> Void)? = nil) {
        self.maxLineBytes = maxLineBytes
        self.onOverlong = onOverlong.map { report in { number, _ in try report(number) } }
    }

    /// `onOverlong` gets the line's number and the byte where it starts in the stream.
    public init(maxLineBytes: Int, onOverlongAt onOverlong: ((Int, Int) throws -> Void)?) {
        self.maxLineBytes = maxLineBytes
        self.onOverlong = onOverlong
    }

    /// An over-long line: skipped (reported once) or an error.
    private mutating func overlong(_ path: String) throws {
        guard let onOverlong else { throw tooLong(path) }
        if !skipping { try onOverlong(lineNumber, lineOffset) }
        skipping = true
        pending.removeAll()
    }

    /// Feeds a chunk; calls `body(line, lineNumber)` for each complete line.
    public mutating func feed(
        _ chunk: UnsafeRawBufferPointer, path: String,
        _ body: (UnsafeRawBufferPointer, Int) throws -> Void
    ) throws {
        try feed(chunk, path: path, withOffsets: { line, number, _ in try body(line, number) })
    }

    /// Feeds a chunk; calls `body(line, lineNumber, offset)` for each complete line, with the
    /// byte where the line starts in the stream (skipped lines count).
    public mutating func feed(
        _ chunk: UnsafeRawBufferPointer, path: String,
        withOffsets body: (UnsafeRawBufferPointer, Int, Int) throws -> Void
    ) throws {
        defer { fed += chunk.count }
        guard let base = chunk.baseAddress else { return }
        var start = 0
        while start < chunk.count {
            guard let hit = memchr(base + start, 0x0A, chunk.count - start) else {
                if !skipping {
                    pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start...]))
                    if pending.count > maxLineBytes { try overlong(path) }
                }
                return
            }
            let end = UnsafeRawPointer(hit) - base
            if skipping {
                skipping = false
            } else if pending.isEmpty {
                if end - start > maxLineBytes {
                    try overlong(path)
                    skipping = false
                } else {
                    try body(UnsafeRawBufferPointer(rebasing: chunk[start..<end]), lineNumber, lineOffset)
                }
            } else {
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<end]))
                if pending.count > maxLineBytes {
                    try overlong(path)
                    skipping = false
                } else {
                    try pending.withUnsafeBytes { try body($0, lineNumber, lineOffset) }
                }
                pending.removeAll(keepingCapacity: pending.capacity <= 1 << 24)
            }
            lineNumber += 1
            start = end + 1
            lineOffset = fed + start
        }
    }

    /// Delivers a last line that had no trailing newline.
    public mutating func finish(_ body: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
        try finish(withOffsets: { line, number, _ in try body(line, number) })
    }

    /// Delivers a last line that had no trailing newline, with its offset.
    public mutating func finish(withOffsets body: (UnsafeRawBufferPointer, Int, Int) throws -> Void) throws {
        if !pending.isEmpty && !skipping {
            try pending.withUnsafeBytes { try body($0, lineNumber, lineOffset) }
            pending.removeAll()
            lineNumber += 1
        }
    }

    private func tooLong(_ path: String) -> IOError {
        IOError(path: path, "line \(lineNumber) is longer than \(maxLineBytes) bytes", exceedsLimit: true)
    }
}

/// Reads a file line by line in 1 MiB chunks; `.zst`, `.gz` and `.bz2` files are decompressed.
public enum LineReader {
    /// Calls `body(line, lineNumber)` for every line of `path`.
    /// A line longer than `maxLineBytes` goes to `onOverlong` and is skipped; without it, it is an error.
    public static func forEachLine(
        in path: String, maxLineBytes: Int = 1 << 30, onOverlong: ((Int) throws -> Void)? = nil,
        _ body: (UnsafeRawBufferPointer, Int) throws -> Void
    ) throws {
        var splitter = LineSplitter(maxLineBytes: maxLineBytes, onOverlong: onOverlong)
        try InputFile.forEachChunk(path) { chunk in
            try splitter.feed(chunk, path: path, body)
        }
        try splitter.finish(body)
    }

    /// Calls `body(line, lineNumber, offset)` for every line of `path`, with the byte where
    /// the line starts in the (decompressed) file; otherwise as `forEachLine`.
    public static func forEachLine(
        in path: String, maxLineBytes: Int = 1 << 30, onOverlong: ((Int) throws -> Void)? = nil,
        withOffsets body: (UnsafeRawBufferPointer, Int, Int) throws -> Void
    ) throws {
        var splitter = LineSplitter(maxLineBytes: maxLineBytes, onOverlong: onOverlong)
        try InputFile.forEachChunk(path) { chunk in
            try splitter.feed(chunk, path: path, withOffsets: body)
        }
        try splitter.finish(withOffsets: body)
    }

    /// Calls `body(line, offset)` for every line of the uncompressed file `path` that starts
    /// in `range` (`offset`: where the line starts in the file). Slices of a large file
    /// given adjacent ranges read each line exactly once between them.
    /// A line longer than `maxLineBytes` goes to `onOverlong` and is skipped; without it, it is an error.
    public static func forEachLine(
        in path: String, startingIn range: Range<Int>, maxLineBytes: Int = 1 << 30, onOverlong: ((Int) throws -> Void)? = nil,
        _ body: (UnsafeRawBufferPointer, Int) throws -> Void
    ) throws {
        guard InputFile.compression(of: path) == .none else {
            throw IOError(path: path, "a compressed file cannot be read from a byte offset")
        }
        let file = try FileDescriptor(readingFrom: path)
        var start = range.lowerBound
        if start > 0 {
            // The line that holds byte start - 1 belongs to the range before, unless it ends there.
            try file.seek(to: start - 1)
            var byte: UInt8 = 0
            let n = try withUnsafeMutableBytes(of: &byte) { try file.read(into: $0) }
            if n == 1 && byte != 0x0A {
                var found = false
                try InputFile.forEachChunk(of: file) { chunk in
                    guard !found else { return false }
                    if let hit = memchr(chunk.baseAddress!, 0x0A, chunk.count) {
                        start += UnsafeRawPointer(hit) - chunk.baseAddress! + 1
                        found = true
                        return false
                    }
                    start += chunk.count
                    return true
                }
                if !found { return }
            }
        }
        guard start < range.upperBound else { return }
        try file.seek(to: start)
        struct Done: Error {}
        // An overlong line that starts past the range is the next range's.
        var splitter = LineSplitter(maxLineBytes: maxLineBytes, onOverlongAt: onOverlong.map { report in { number, offset in
            guard start + offset < range.upperBound else { throw Done() }
            try report(number)
        } })
        do {
            try InputFile.forEachChunk(of: file) { chunk in
                try splitter.feed(chunk, path: path, withOffsets: { line, _, offset in
                    guard start + offset < range.upperBound else { throw Done() }
                    try body(line, start + offset)
                })
                return true
            }
            try splitter.finish(withOffsets: { line, _, offset in
                if start + offset < range.upperBound { try body(line, start + offset) }
            })
        } catch is Done {}
    }
}
