import LongweaveIO

/// `rejects.jsonl`, written as rejects come (under a temporary name, renamed when the run
/// ends), counted by reason kind for the manifest: a run holds none of them in memory.
final class RejectsWriter {
    private let path: String
    private let file: FileDescriptor
    private var buffer = JSONWriter()
    private(set) var count = 0
    /// Rejects by `Reject.reasonKind`, for the manifest.
    private(set) var kinds: [String: Int] = [:]

    init(path: String) throws {
        self.path = path
        file = try FileDescriptor(writingTo: path + ".tmp")
    }

    func append(_ reject: Reject) throws {
        reject.write(to: &buffer)
        buffer.newline()
        count += 1
        kinds[reject.reasonKind, default: 0] += 1
        if buffer.bytes.count >= 1 << 20 { try flush() }
    }

    /// A reject already written as a JSON line (without its newline), of reason kind `kind`.
    func append(line: UnsafeRawBufferPointer, kind: String) throws {
        buffer.bytes.append(contentsOf: line)
        buffer.newline()
        count += 1
        kinds[kind, default: 0] += 1
        if buffer.bytes.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        try file.write(buffer.bytes)
        buffer.reset()
    }

    /// Writes what is left and gives the file its name.
    func finish() throws {
        try flush()
        try file.sync()
        try FileSystem.rename(path + ".tmp", to: path)
    }
}
