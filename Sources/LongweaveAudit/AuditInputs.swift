import LongweaveCore
import LongweaveIO

/// Which texts of a sample an audit compares.
public enum AuditField: String, Sendable, CaseIterable {
    case question
    case answers
    case documents
    case context
}

/// The benchmark side of an audit: one text per sample, its chosen fields joined by newlines.
public enum AuditSamples {
    /// The text of an in-flight sample: `documents` and `context` are its documents' texts.
    public static func text(of sample: Sample, fields: [AuditField]) -> String {
        fields.flatMap { field -> [String] in
            switch field {
            case .question: [sample.question]
            case .answers: sample.answers
            case .documents, .context: sample.documents.map(\.text)
            }
        }.joined(separator: "\n")
    }

    /// The text of an output record: LV-Eval-style (`input`, `context`) or in-flight
    /// (`question`, `documents`) fields, whichever it has.
    public static func text(of record: JSONValue, fields: [AuditField]) -> String {
        func strings(_ value: JSONValue?) -> [String] {
            switch value {
            case .string(let text)?: [text]
            case .array(let items)?: items.compactMap { $0.stringValue ?? $0["text"]?.stringValue }
            default: []
            }
        }
        return fields.flatMap { field -> [String] in
            switch field {
            case .question: strings(record["question"] ?? record["input"])
            case .answers: strings(record["answers"])
            case .documents: strings(record["documents"] ?? record["context"])
            case .context: strings(record["context"] ?? record["documents"])
            }
        }.joined(separator: "\n")
    }

    /// Every sample record of a longweave output folder. A sample that appears in several levels is
    /// audited once when only its question and answers count; with its context, once per
    /// level, as `level/_id`.
    public static func fromOutput(_ directory: String, fields: [AuditField]) throws -> [(id: String, text: String)] {
        let perLevel = fields.contains(.context) || fields.contains(.documents)
        var samples: [(id: String, text: String)] = []
        var seen: Set<String> = []
        for shard in try DatasetReader.shards(at: directory) {
            let relative = shard.hasPrefix(directory + "/") ? String(shard.dropFirst(directory.count + 1)) : shard
            let stream = relative.split(separator: "/").first.map(String.init) ?? ""
            // `documents/` holds a pipeline's corpora, not its samples.
            if stream == "documents" { continue }
            try LineReader.forEachLine(in: shard) { line, number in
                let record = try JSONValue.parse(line: line, path: shard, number: number)
                guard let id = record["_id"]?.stringValue ?? record["id"]?.stringValue else {
                    throw IOError(path: shard, "line \(number): a record without _id or id")
                }
                let key = perLevel && stream != "all" ? stream + "/" + id : id
                guard seen.insert(key).inserted else { return }
                samples.append((key, text(of: record, fields: fields)))
            }
        }
        return samples
    }
}

/// One reference file of an audit and how to read it.
public struct ReferenceFile: Sendable {
    /// As given.
    public var path: String
    public var resolvedPath: String
    /// `jsonl` (a `text` field per line, streamed), `text` (the file is one document), or any
    /// ingest format (its documents, and its samples' documents).
    public var format: String

    public init(path: String, resolvedPath: String, format: String) {
        self.path = path
        self.resolvedPath = resolvedPath
        self.format = format
    }

    /// Whether slices may share the file by byte ranges: JSON Lines, uncompressed. Its
    /// documents are then known by the byte offset where their line starts.
    public var isSplittable: Bool { format == "jsonl" && InputFile.compression(of: resolvedPath) == .none }

    /// The format a file's name suggests, or nil.
    public static func inferredFormat(_ path: String) -> String? {
        let name = InputFile.uncompressedName(path)
        if name.hasSuffix(".jsonl") || name.hasSuffix(".ndjson") { return "jsonl" }
        if name.hasSuffix(".xml") || name.contains(".xml-") { return "mediawiki" }  // dumps: pages-articles1.xml-p10p30302.bz2
        if name.hasSuffix(".txt") || name.hasSuffix(".raw") { return "text" }
        if name.hasSuffix(".html") || name.hasSuffix(".htm") { return "html" }
        if name.hasSuffix(".json") { return "paragraphs" }
        return nil
    }
}

extension ReferenceDocument {
    /// The document's file (among the reference `files`) and where it is in it:
    /// `path@offset` for JSON Lines (the byte where its line starts), else `path#k` (the
    /// k-th document, from 0).
    public func label(files: [(path: String, format: String)]) -> String {
        guard file < files.count else { return "file \(file)#\(index)" }
        return files[file].path + (files[file].format == "jsonl" ? "@" : "#") + "\(index)"
    }
}

/// A part of the reference that one slice reads: a whole file, or the lines of a
/// splittable file that start in `range`.
public struct ReferencePiece: Sendable, Equatable {
    public var file: Int
    public var range: Range<Int>?

    public init(file: Int, range: Range<Int>? = nil) {
        self.file = file
        self.range = range
    }

    /// Slice `index` of `count`: its byte range of every splittable file (cut evenly; each
    /// line goes to the range it starts in), and every other file whose position is
    /// `index` modulo `count`. `sizes`: each file's size in bytes.
    public static func slice(index: Int, count: Int, of files: [ReferenceFile], sizes: [Int]) -> [ReferencePiece] {
        files.indices.compactMap { i in
            if files[i].isSplittable {
                if count == 1 { return ReferencePiece(file: i) }
                let size = sizes[i]
                return ReferencePiece(file: i, range: size * index / count..<size * (index + 1) / count)
            }
            return i % count == index ? ReferencePiece(file: i) : nil
        }
    }
}

/// What the reference reader saw in one file.
public struct ReferenceFileStats: Sendable {
    public var path: String
    public var format: String
    public var bytes = 0
    public var sha256 = ""
    public var documents = 0
    /// Documents left out with `--skip-bad-reference`, by reason.
    public var skipped: [String: Int] = [:]

    public init(_ file: ReferenceFile) {
        path = file.path
        format = file.format
    }
}

/// Streams the documents of reference files.
public enum ReferenceReader {
    /// Calls `emit` for each document of `file` (the `file`-th reference file), in order,
    /// until it returns false. A bad document (invalid UTF-8, a line that is not JSON or has
    /// no text field) is an error naming the file and line, or with `skipBad` is counted and
    /// left out.
    public static func forEachDocument(
        _ file: ReferenceFile, index fileIndex: Int, range: Range<Int>? = nil, textField: String, skipBad: Bool, registry: Registry, root: String,
        stats: inout ReferenceFileStats, _ emit: (UnsafeRawBufferPointer, ReferenceDocument, DocumentPiece) -> Bool
    ) throws {
        struct Stop: Error {}
        do {
            try read(file, index: fileIndex, range: range, textField: textField, skipBad: skipBad, registry: registry, root: root, stats: &stats) {
                if !emit($0, $1, $2) { throw Stop() }
            }
        } catch is Stop {}
    }

    /// Every document of the `selected` pieces of files (a whole file, or the lines that
    /// start in a byte range of a splittable one), in that order: the reference stream one
    /// audit, or one slice of it, scans.
    public static func forEachDocument(
        of files: [ReferenceFile], selected: [ReferencePiece], textField: String, skipBad: Bool, registry: Registry, root: String,
        stats: inout [ReferenceFileStats], _ emit: ReferenceEmitter
    ) throws {
        for piece in selected {
            let i = piece.file
            try forEachDocument(files[i], index: i, range: piece.range, textField: textField, skipBad: skipBad, registry: registry, root: root, stats: &stats[i]) {
                emit($0, $1, $2)
                return true
            }
        }
    }

    /// The longest JSON Lines line read: its text is held whole, twice (the line and the
    /// decoded field). A longer document can be given as a `text` file, which is streamed.
    static let maxLineBytes = 128 << 20
    static let overlongReason = "a JSON Lines document over 128 MiB; give it as a text file"
    /// A `text` file longer than this arrives in pieces of the size its reader reads.
    static let wholeTextBytes = 4 << 20

    /// A `text` file, one document: whole when short, else checked as UTF-8 in a first pass
    /// (so that a bad file is refused or left out before any of it is scanned) and then sent
    /// in pieces, never held whole.
    /// Whether the document was sent.
    private static func readText(_ file: ReferenceFile, emit: (UnsafeRawBufferPointer, DocumentPiece) throws -> Void,
                                 bad: (String) throws -> Void) throws -> Bool {
        var head: [UInt8] = []
        var validation = UTF8StreamValidation()
        var total = 0
        try InputFile.forEachChunk(file.resolvedPath) { chunk in
            total += chunk.count
            validation.feed(chunk)
            if total <= wholeTextBytes { head.append(contentsOf: chunk) }
        }
        guard validation.isValid else {
            try bad("not valid UTF-8")
            return false
        }
        if total <= wholeTextBytes {
            try head.withUnsafeBytes { try emit($0, .whole) }
            return true
        }
        head = []
        var sent = 0
        try InputFile.forEachChunk(file.resolvedPath) { chunk in
            guard sent + chunk.count <= total else { throw IOError(path: file.path, "the file grew while it was read") }
            try emit(chunk, DocumentPiece(isFirst: sent == 0, isLast: sent + chunk.count == total))
            sent += chunk.count
        }
        guard sent == total else { throw IOError(path: file.path, "the file shrank while it was read") }
        return true
    }

    private static func read(
        _ file: ReferenceFile, index fileIndex: Int, range: Range<Int>?, textField: String, skipBad: Bool, registry: Registry, root: String,
        stats: inout ReferenceFileStats, _ emit: (UnsafeRawBufferPointer, ReferenceDocument, DocumentPiece) throws -> Void
    ) throws {
        var next = 0
        func send(_ bytes: UnsafeRawBufferPointer, at position: Int? = nil) throws {
            try emit(bytes, ReferenceDocument(file: fileIndex, index: position ?? next), .whole)
            next += 1
            stats.documents += 1
        }
        func bad(_ reason: String, where place: String) throws {
            guard skipBad else { throw IOError(path: file.path, (place.isEmpty ? "" : place + ": ") + reason + " (--skip-bad-reference leaves such documents out)") }
            stats.skipped[reason, default: 0] += 1
        }
        switch file.format {
        case "jsonl":
            // A document is known by the byte offset of its line, which a slice reading a
            // byte range of the file knows without reading what comes before.
            // The text field's bytes are decoded into one reused buffer: no record is built.
            var text: [UInt8] = []
            // The label is made only for a bad line.
            func document(_ line: UnsafeRawBufferPointer, offset: Int, label: @autoclosure () -> String) throws {
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }
                var parser = JSONParser(bytes: line)
                var length: Int?
                do {
                    parser.beginDocument()
                    // Like Python's json, the last of duplicate keys counts.
                    try parser.readObject { parser, key in
                        if key == textField { length = try parser.readString(into: &text) } else { try parser.skipValue() }
                    }
                    try parser.finishDocument()
                } catch {
                    return try bad("not a JSON object, or invalid UTF-8", where: label())
                }
                guard let length else { return try bad("no string field '\(textField)'", where: label()) }
                try text.withUnsafeBytes { try send(UnsafeRawBufferPointer(rebasing: $0[..<length]), at: offset) }
            }
            // Counted apart: the reader keeps the count past this call.
            var overlong = 0
            defer { if overlong > 0 { stats.skipped[Self.overlongReason, default: 0] += overlong } }
            do {
                if let range {
                    try LineReader.forEachLine(in: file.resolvedPath, startingIn: range, maxLineBytes: Self.maxLineBytes, onOverlong: skipBad ? { _ in overlong += 1 } : nil) { line, offset in
                        try document(line, offset: offset, label: "byte \(offset)")
                    }
                } else {
                    // An overlong line is passed over without being held; the offsets after it still count its bytes.
                    try LineReader.forEachLine(in: file.resolvedPath, maxLineBytes: Self.maxLineBytes, onOverlong: skipBad ? { _ in overlong += 1 } : nil, withOffsets: { line, number, offset in
                        try document(line, offset: offset, label: "line \(number)")
                    })
                }
            } catch let error as IOError where error.exceedsLimit {
                throw IOError(path: file.path, error.message + " (\(Self.overlongReason); --skip-bad-reference leaves such lines out)")
            }
        case "text":
            if try readText(file, emit: { try emit($0, ReferenceDocument(file: fileIndex, index: 0), $1) }, bad: { try bad($0, where: "") }) {
                stats.documents += 1
            }
        default:
            guard let format = registry.formats[file.format] else {
                throw IOError(path: file.path, "unknown reference format '\(file.format)', expected jsonl, text or one of \(registry.formatNames.joined(separator: ", "))")
            }
            let yaml = """
                version: 1
                name: audit/reference
                seed: 0
                inputs:
                  - {id: reference, path: "\(file.resolvedPath)", format: \(file.format)}
                stages: []
                """
            let spec = try PipelineLoader.load(text: yaml, file: "(reference \(file.path))", root: root, registry: registry)
            let result = try format.read(spec.inputs[0], pipeline: spec)
            if let first = result.rejects.first {
                try bad("\(first.reason) (record \(first.record + 1))", where: first.line > 0 ? "line \(first.line)" : "")
                stats.skipped[first.reason, default: 0] += result.rejects.count - 1
            }
            var seen: Set<String> = []
            for document in result.documents + result.samples.flatMap(\.documents) where seen.insert(document.text).inserted {
                var text = document.text
                try text.withUTF8 { try send(UnsafeRawBufferPointer($0)) }
            }
        }
    }
}
