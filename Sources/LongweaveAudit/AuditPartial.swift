import LongweaveCore
import LongweaveIO

/// One slice's findings, written by `longweave audit --shard-index I --shard-count N` and
/// combined by `longweave audit-merge`: a JSON header line (the audit's options, the slice,
/// a fingerprint of the benchmark and parameters, the reference files it read) and then the
/// raw counts and span candidates as little-endian integers, in `slices/I-of-N/audit.bin`.
struct AuditPartial {
    var header: JSONObject
    var scanner: ReferenceScanner

    /// The partial's name in its slice's folder.
    static let fileName = "audit.bin"

    /// What the benchmark and parameters are, so that slices of different audits never merge.
    static func fingerprint(_ benchmark: AuditBenchmark) -> String {
        var json = JSONWriter()
        json.value(.array([.string(benchmark.parameters.tokenizer.description), .number(Double(benchmark.parameters.n)),
                           .number(Double(benchmark.parameters.mincount)), .number(Double(benchmark.parameters.skipBudget))]))
        for (id, text) in zip(benchmark.ids, benchmark.texts) {
            json.string(id)
            json.string(text)
        }
        return Digest.sha256Hex(json.bytes)
    }

    func write(to path: String) throws {
        var bytes = JSONWriter()
        bytes.value(.object(header))
        bytes.newline()
        var out = bytes.bytes
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) } }
        for count in scanner.rawCounts { append(count) }
        for count in scanner.normalizedCounts { append(count) }
        for span in scanner.spans {
            append(span.length)
            append(Int64(span.document))
            append(Int64(span.offset))
        }
        try FileSystem.writeAtomically(out, to: path)
    }

    /// Only the header of a partial file, read up to its first line break (not the counts).
    static func header(_ path: String) throws -> JSONObject {
        struct Found: Error {}
        var prefix: [UInt8] = []
        do {
            try InputFile.forEachChunk(path) { chunk in
                if let newline = chunk.firstIndex(of: 0x0A) {
                    prefix += chunk[..<newline]
                    throw Found()
                }
                prefix += chunk
            }
        } catch is Found {}
        let parsed = prefix.withUnsafeBytes { raw -> JSONValue? in
            var parser = JSONParser(bytes: raw)
            return try? parser.parseDocument()
        }
        guard case .object(let header)? = parsed else { throw IOError(path: path, "not a longweave audit partial: no JSON header line") }
        return header
    }

    /// Reads a partial file for `found`'s benchmark, checking it was made for it, and adds its
    /// counts and span candidates to `found`: its header. No scanner is built per partial.
    static func read(_ path: String, into found: inout ReferenceScanner) throws -> JSONObject {
        let bytes = try FileSystem.readAll(path)
        guard let newline = bytes.firstIndex(of: 0x0A) else { throw IOError(path: path, "not a longweave audit partial: no header line") }
        let parsed = try bytes.withUnsafeBytes { raw in
            var parser = JSONParser(bytes: UnsafeRawBufferPointer(rebasing: raw[..<newline]))
            return try parser.parseDocument()
        }
        guard case .object(let header) = parsed else { throw IOError(path: path, "not a longweave audit partial: the header is not an object") }
        guard header["fingerprint"]?.stringValue == fingerprint(found.benchmark) else {
            throw IOError(path: path, "made for another benchmark or other parameters than the other slices")
        }
        let expected = 4 * (found.rawCounts.count + found.normalizedCounts.count) + 20 * found.spans.count
        guard bytes.count - newline - 1 == expected else {
            throw IOError(path: path, "\(bytes.count - newline - 1) bytes of counts, expected \(expected): truncated or from another version")
        }
        bytes.withUnsafeBytes { raw in
            var offset = newline + 1
            func next<T: FixedWidthInteger>(_: T.Type) -> T {
                defer { offset += MemoryLayout<T>.size }
                return T(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: T.self))
            }
            for g in found.rawCounts.indices { found.rawCounts[g] += next(Int32.self) }
            for g in found.normalizedCounts.indices { found.normalizedCounts[g] += next(Int32.self) }
            for i in found.spans.indices {
                let length = next(Int32.self)
                let document = Int(next(Int64.self))
                let offset = Int(next(Int64.self))
                if length > 0 { found.offer(SpanCandidate(length: length, document: document, offset: offset), slot: i) }
            }
        }
        found.documents += header["documents"]?.intValue ?? 0
        found.tokens += header["tokens"]?.intValue ?? 0
        return header
    }
}
