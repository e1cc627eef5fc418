import LongweaveIO

/// The rejects of one ingest input as they are found: the first few thousand in memory, the
/// rest in an anonymous temporary file, so that a file of millions of bad records takes no
/// more memory than a few thousand. (Copies share the file: an `IngestResult` is moved, not
/// copied.)
public struct RejectList: Sendable {
    static let inMemory = 4096
    private var head: [Reject] = []
    private var spill: RejectSpill?
    public private(set) var count = 0
    public private(set) var first: Reject?
    /// Whether every reject is a missing or mistyped field (the file is in another format).
    public private(set) var onlyFieldErrors = true

    public init() {}

    public var isEmpty: Bool { count == 0 }

    public mutating func append(_ reject: Reject) {
        if first == nil { first = reject }
        if !(reject.reason.hasPrefix("missing field") || reject.reason.hasPrefix("wrong type")) { onlyFieldErrors = false }
        count += 1
        if head.count < Self.inMemory {
            head.append(reject)
            return
        }
        if spill == nil { spill = RejectSpill() }
        spill!.append(reject)
    }

    public mutating func append(contentsOf other: RejectList) throws {
        try other.forEach { append($0) }
    }

    /// Every reject, read back into memory (for small inputs and tests).
    public func collected() throws -> [Reject] {
        var all: [Reject] = []
        try forEach { all.append($0) }
        return all
    }

    /// Every reject, in the order they were appended.
    public func forEach(_ body: (Reject) throws -> Void) throws {
        for reject in head { try body(reject) }
        try spill?.forEach(body)
    }
}

/// Where a `RejectList` keeps what does not fit in memory: JSON lines in an anonymous file.
final class RejectSpill: @unchecked Sendable {
    private var file: FileDescriptor?
    private var failure: Error?
    private var buffer = JSONWriter()

    func append(_ reject: Reject) {
        reject.write(to: &buffer)
        buffer.newline()
        if buffer.bytes.count >= 1 << 20 { flush() }
    }

    private func flush() {
        guard failure == nil, !buffer.bytes.isEmpty else { return }
        do {
            if file == nil { file = try FileDescriptor.anonymousTemporary() }
            try file!.write(buffer.bytes)
        } catch {
            failure = error
        }
        buffer.reset()
    }

    /// Reads the rejects back, in order; a write that failed is reported here.
    func forEach(_ body: (Reject) throws -> Void) throws {
        flush()
        if let failure { throw failure }
        guard let file else { return }
        try file.seek(to: 0)
        var pending: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { chunk.deallocate() }
        while true {
            let n = try file.read(into: chunk)
            if n == 0 { break }
            pending.append(contentsOf: chunk[..<n])
            var start = 0
            while let newline = pending[start...].firstIndex(of: 0x0A) {
                try body(try Reject(jsonLine: pending[start..<newline]))
                start = newline + 1
            }
            pending.removeFirst(start)
        }
    }
}

extension Reject {
    /// A reject read back from the line `write(to:)` made.
    init(jsonLine line: ArraySlice<UInt8>) throws {
        let value = try line.withUnsafeBytes { raw in
            var parser = JSONParser(bytes: raw)
            return try parser.parseDocument()
        }
        self.init(file: value["file"]?.stringValue ?? "", line: value["line"]?.intValue ?? 0, record: value["record"]?.intValue ?? -1,
                  stage: value["stage"]?.stringValue ?? "", reason: value["reason"]?.stringValue ?? "", id: value["id"]?.stringValue)
    }
}
