import Foundation
import LongweaveCore
import LongweaveIO
import LongweaveText

/// Everything `longweave audit` was asked for.
public struct AuditOptions: Sendable {
    /// longweave output folders, or files read with `benchmarkFormat`.
    public var benchmarks: [String]
    public var benchmarkFormat: String?
    public var references: [String]
    /// For every reference file; nil infers it from each file's name.
    public var referenceFormat: String?
    public var referenceTextField = "text"
    public var fields: [AuditField] = [.question, .answers]
    public var parameters = AuditParameters()
    public var outputDirectory: String
    /// `MODEL=FILE` pairs.
    public var models: [(name: String, path: String)] = []
    public var minClean = 1
    public var threads = 1
    public var skipBadReference = false
    /// Relative paths are resolved against it.
    public var workingDirectory: String
    /// This run's slice of the reference (see `ReferencePiece.slice`); with a count above 1
    /// the run writes a partial result for `longweave audit-merge`.
    public var slice = RunSlice.whole

    public init(benchmarks: [String], references: [String], outputDirectory: String, workingDirectory: String) {
        self.benchmarks = benchmarks
        self.references = references
        self.outputDirectory = outputDirectory
        self.workingDirectory = workingDirectory
    }

    func resolve(_ path: String) -> String { path.hasPrefix("/") ? path : workingDirectory + "/" + path }

    /// As written in a partial's header, so that the merge repeats the audit's choices.
    var json: JSONValue {
        func strings(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }
        return .object(JSONObject([
            ("benchmarks", strings(benchmarks)), ("benchmark_format", benchmarkFormat.map { .string($0) } ?? .null),
            ("references", strings(references)), ("reference_format", referenceFormat.map { .string($0) } ?? .null),
            ("reference_field", .string(referenceTextField)), ("fields", strings(fields.map(\.rawValue))),
            ("tokenizer", .string(parameters.tokenizer.description)),
            ("tokenizer_encoding", parameters.tokenizer.spec.encoding.map { .string($0) } ?? .null), ("n", .number(Double(parameters.n))),
            ("mincount", .number(Double(parameters.mincount))), ("skip_budget", .number(Double(parameters.skipBudget))),
            ("models", .array(models.map { .array([.string($0.name), .string($0.path)]) })), ("min_clean", .number(Double(minClean))),
            ("skip_bad_reference", .bool(skipBadReference)), ("working_directory", .string(workingDirectory)),
            ("output_directory", .string(outputDirectory)),
        ]))
    }

    init(json: JSONValue, shownAs path: String) throws {
        func strings(_ key: String) -> [String] { json[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        func int(_ key: String) throws -> Int {
            guard let value = json[key]?.intValue, value >= 0 else { throw IOError(path: path, "the header has no whole number '\(key)'") }
            return value
        }
        guard let working = json["working_directory"]?.stringValue, let out = json["output_directory"]?.stringValue,
              let written = json["tokenizer"]?.stringValue else {
            throw IOError(path: path, "not a longweave audit partial header")
        }
        let tokenizer: AuditTokenizer
        do {
            tokenizer = try AuditTokenizer(TokenizerSpec(written, encoding: json["tokenizer_encoding"]?.stringValue, root: working))
        } catch {
            throw IOError(path: path, "tokenizer: \(error)")
        }
        self.init(benchmarks: strings("benchmarks"), references: strings("references"), outputDirectory: out, workingDirectory: working)
        benchmarkFormat = json["benchmark_format"]?.stringValue
        referenceFormat = json["reference_format"]?.stringValue
        referenceTextField = json["reference_field"]?.stringValue ?? "text"
        fields = strings("fields").compactMap(AuditField.init(rawValue:))
        parameters = AuditParameters(tokenizer: tokenizer, n: try int("n"), mincount: try int("mincount"), skipBudget: try int("skip_budget"))
        models = json["models"]?.arrayValue?.compactMap { pair in
            guard let name = pair.arrayValue?.first?.stringValue, let file = pair.arrayValue?.last?.stringValue else { return nil }
            return (name, file)
        } ?? []
        minClean = try int("min_clean")
        if case .bool(let skip)? = json["skip_bad_reference"] { skipBadReference = skip }
    }
}

/// Runs an audit end to end: reads the benchmark, streams the reference once, writes
/// `scores.jsonl`, `report.json` and `report.html` under the output folder.
public enum AuditRunner {
    /// Runs the audit, or with a slice count above 1 its slice, which writes
    /// `slices/I-of-N/audit.bin` under the output folder (see `SliceFolders`) and returns nil.
    public static func run(_ options: AuditOptions, registry: Registry) throws -> AuditReport? {
        let slice = options.slice
        let outputFolder = options.resolve(options.outputDirectory)
        let locks = slice.isWhole ? [try OutputLock(outputFolder)] : try SliceFolders.lock(slice, in: outputFolder)
        defer { withExtendedLifetime(locks) {} }
        let samples = try readBenchmark(options, registry: registry)
        let files = try referenceFiles(options)
        let audit = ContaminationAudit(samples: samples, parameters: options.parameters)
        let sizes = try files.map { try FileSystem.size($0.resolvedPath) }
        let mine = ReferencePiece.slice(index: slice.index, count: slice.count, of: files, sizes: sizes)
        // Each file is hashed whole by one slice: the one its position falls to.
        let hashed = files.indices.filter { $0 % slice.count == slice.index }
        let (found, stats) = try scan(audit, files: files, sizes: sizes, selected: mine, hashed: hashed, options: options, registry: registry)
        let out = options.resolve(options.outputDirectory)
        if !slice.isWhole {
            var header = JSONObject([
                ("format", .string("longweave-audit-partial")), ("version", .number(1)),
                ("shard_index", .number(Double(slice.index))), ("shard_count", .number(Double(slice.count))),
                ("fingerprint", .string(AuditPartial.fingerprint(audit.benchmark))), ("options", options.json),
                ("documents", .number(Double(found.documents))), ("tokens", .number(Double(found.tokens))),
            ])
            header.set("files", .array(Set(mine.map(\.file) + hashed).sorted().map { i in
                .object(JSONObject([("index", .number(Double(i))), ("bytes", .number(Double(stats[i].bytes))),
                                    ("sha256", hashed.contains(i) ? .string(stats[i].sha256) : .null),
                                    ("documents", .number(Double(stats[i].documents))),
                                    ("skipped", .object(JSONObject(stats[i].skipped.map { ($0.key, .number(Double($0.value))) }.sorted { $0.0 < $1.0 })))]))
            }))
            let folder = try SliceFolders.prepare(slice, in: out, ownFiles: [AuditPartial.fileName, SliceFolders.doneMarker])
            try AuditPartial(header: header, scanner: found).write(to: folder + "/" + AuditPartial.fileName)
            try SliceFolders.markDone(slice, in: out)
            return nil
        }
        return try finish(audit, samples: samples, files: files, stats: stats, found: found, options: options, registry: registry)
    }

    /// Combines the slices under `directory/slices/` into the report a single run writes,
    /// in `directory` (relative to the current directory).
    public static func merge(directory given: String, registry: Registry) throws -> AuditReport {
        let directory = given.hasPrefix("/") ? given : FileManager.default.currentDirectoryPath + "/" + given
        let lock = try OutputLock(directory)
        defer { withExtendedLifetime(lock) {} }
        let partials = try SliceFolders.complete(in: directory, what: "longweave audit --shard-count N").map { $0 + "/" + AuditPartial.fileName }
        let count = partials.count
        let firstHeader = try AuditPartial.header(partials[0])
        guard firstHeader["shard_count"]?.numberValue == Double(count), let optionsJSON = firstHeader["options"] else {
            throw IOError(path: partials[0], "not the header of slice 0 of \(count) of a longweave audit")
        }
        let options = try AuditOptions(json: optionsJSON, shownAs: partials[0])
        let samples = try readBenchmark(options, registry: registry)
        let files = try referenceFiles(options)
        let audit = ContaminationAudit(samples: samples, parameters: options.parameters)
        var found = audit.emptyScan()
        var stats = files.map(ReferenceFileStats.init)
        for partial in partials {
            let header = try AuditPartial.read(partial, into: &found)
            for file in header["files"]?.arrayValue ?? [] {
                guard let i = file["index"]?.intValue, stats.indices.contains(i) else { continue }
                // A file split by byte ranges is counted by every slice and hashed by one.
                stats[i].bytes = file["bytes"]?.intValue ?? 0
                if let sha256 = file["sha256"]?.stringValue { stats[i].sha256 = sha256 }
                stats[i].documents += file["documents"]?.intValue ?? 0
                for (reason, value) in file["skipped"]?.objectValue?.members ?? [] { stats[i].skipped[reason, default: 0] += value.intValue ?? 0 }
            }
        }
        var merged = options
        merged.outputDirectory = directory
        return try finish(audit, samples: samples, files: files, stats: stats, found: found, options: merged, registry: registry)
    }

    static func referenceFiles(_ options: AuditOptions) throws -> [ReferenceFile] {
        var files: [ReferenceFile] = []
        for path in options.references {
            guard let format = options.referenceFormat ?? ReferenceFile.inferredFormat(path) else {
                throw IOError(path: path, "cannot tell the reference format from the name: give --reference-format (jsonl, text, or an ingest format)")
            }
            let resolved = options.resolve(path)
            guard FileSystem.exists(resolved) else { throw IOError(path: path, "no such reference file") }
            files.append(ReferenceFile(path: path, resolvedPath: resolved, format: format))
        }
        return files
    }

    /// Streams the `selected` pieces of the reference once, hashing the `hashed` files whole
    /// beside the scan. `sizes`: each file's size in bytes.
    static func scan(_ audit: ContaminationAudit, files: [ReferenceFile], sizes: [Int], selected: [ReferencePiece], hashed: [Int], options: AuditOptions,
                     registry: Registry) throws -> (ReferenceScanner, [ReferenceFileStats]) {
        let hashes = UnsafeSlots<Result<(hex: String, bytes: Int), Error>>(count: files.count)
        let hashing = DispatchGroup()
        for i in hashed {
            let file = files[i]
            DispatchQueue.global().async(group: hashing) { hashes.set(i, Result { try Digest.sha256Hex(ofFile: file.resolvedPath) }) }
        }
        var stats = files.map(ReferenceFileStats.init)
        for piece in selected { stats[piece.file].bytes = sizes[piece.file] }
        let found: ReferenceScanner
        do {
            found = try audit.scan(threads: options.threads) { emit in
                try ReferenceReader.forEachDocument(of: files, selected: selected, textField: options.referenceTextField, skipBad: options.skipBadReference,
                                                    registry: registry, root: options.workingDirectory, stats: &stats, emit)
            }
        } catch {
            hashing.wait()
            throw error
        }
        hashing.wait()
        for i in hashed {
            let (hex, bytes) = try hashes.take(i).get()
            stats[i].sha256 = hex
            stats[i].bytes = bytes
        }
        return (found, stats)
    }

    /// Scores, reads the model scores, and writes scores.jsonl, report.json and report.html.
    static func finish(_ audit: ContaminationAudit, samples: [(id: String, text: String)], files: [ReferenceFile], stats: [ReferenceFileStats],
                       found: ReferenceScanner, options: AuditOptions, registry: Registry) throws -> AuditReport {
        let result = audit.result(of: found)
        let ids = samples.map(\.id)
        var models: [(name: String, scores: [String: Double])] = []
        for (name, path) in options.models {
            models.append((name, try AuditReport.readModelScores(options.resolve(path), sampleIDs: ids)))
        }
        let report = AuditReport(parameters: options.parameters, fields: options.fields, benchmarkInputs: options.benchmarks,
                                 result: result, referenceFiles: stats, models: models, minClean: options.minClean)
        let out = options.resolve(options.outputDirectory)
        try FileSystem.createDirectories(out)
        try FileSystem.writeAtomically(report.scoresJSONLines(), to: out + "/scores.jsonl")
        try FileSystem.writeAtomically(report.reportJSON().prettyPrinted(), to: out + "/report.json")
        let shown = AuditHTML.top(result.scores)
        let references = try referenceTexts(Dictionary(grouping: shown.compactMap(\.longestSpan), by: \.referenceDocument).mapValues { $0.map(\.referenceOffset) },
                                            files: files, options: options, registry: registry)
        let texts = Dictionary(samples.map { ($0.id, $0.text) }, uniquingKeysWith: { a, _ in a })
        let html = AuditHTML(report: report, references: references, sampleTexts: texts.filter { id, _ in shown.contains { $0.id == id } })
        try FileSystem.writeAtomically(Array(html.render().utf8), to: out + "/report.html")
        return report
    }

    /// The text of the `wanted` reference documents around the character offsets wanted in
    /// them: read at their offsets in uncompressed JSON Lines, else their files read again,
    /// each only up to the last document wanted from it. Of a document that arrives in
    /// pieces, `excerptBytes` are kept from a little before the first offset wanted.
    static func referenceTexts(_ wanted: [ReferenceDocument: [Int]], files: [ReferenceFile], options: AuditOptions,
                               registry: Registry) throws -> [ReferenceDocument: ReferenceExcerptSource] {
        var texts: [ReferenceDocument: ReferenceExcerptSource] = [:]
        for (i, file) in files.enumerated() {
            let inFile = wanted.keys.filter { $0.file == i }
            guard let last = inFile.map(\.index).max() else { continue }
            var stats = ReferenceFileStats(file)
            if file.isSplittable {
                // Known by the byte where its line starts: read just that line.
                for document in inFile {
                    try ReferenceReader.forEachDocument(file, index: i, range: document.index..<document.index + 1, textField: options.referenceTextField,
                                                        skipBad: options.skipBadReference, registry: registry, root: options.workingDirectory, stats: &stats) { bytes, _, _ in
                        texts[document] = ReferenceExcerptSource(bytes)
                        return false
                    }
                }
                continue
            }
            var window = ExcerptWindow()
            try ReferenceReader.forEachDocument(file, index: i, textField: options.referenceTextField, skipBad: options.skipBadReference,
                                                registry: registry, root: options.workingDirectory, stats: &stats) { bytes, document, piece in
                if let offsets = wanted[document] {
                    if piece == .whole {
                        texts[document] = ReferenceExcerptSource(bytes)
                    } else {
                        if piece.isFirst { window = ExcerptWindow(from: max(0, (offsets.min() ?? 0) - 1000)) }
                        window.take(bytes)
                        if piece.isLast { texts[document] = window.source }
                    }
                }
                return document.index < last || !piece.isLast
            }
        }
        return texts
    }

    /// The samples of every benchmark input, ids unique across them.
    static func readBenchmark(_ options: AuditOptions, registry: Registry) throws -> [(id: String, text: String)] {
        var samples: [(id: String, text: String)] = []
        var seen: Set<String> = []
        for path in options.benchmarks {
            let resolved = options.resolve(path)
            guard FileSystem.exists(resolved) else { throw IOError(path: path, "no such benchmark file or folder") }
            var read: [(id: String, text: String)]
            if FileSystem.isDirectory(resolved) && FileSystem.exists(resolved + "/manifest.json") {
                read = try AuditSamples.fromOutput(resolved, fields: options.fields)
            } else {
                guard let formatName = options.benchmarkFormat else {
                    throw IOError(path: path, "not a longweave output folder: give --format (one of \(registry.formatNames.joined(separator: ", ")))")
                }
                guard let format = registry.formats[formatName], format.descriptor.product == .samples else {
                    throw IOError(path: path, "--format \(formatName): expected an ingest format that gives samples")
                }
                let yaml = """
                    version: 1
                    name: audit/benchmark
                    seed: 0
                    inputs:
                      - {id: benchmark, path: "\(resolved)", format: \(formatName)}
                    stages: []
                    """
                let spec = try PipelineLoader.load(text: yaml, file: "(benchmark \(path))", root: options.workingDirectory, registry: registry)
                read = try format.read(spec.inputs[0], pipeline: spec).samples.map { ($0.id, AuditSamples.text(of: $0, fields: options.fields)) }
            }
            for sample in read {
                guard seen.insert(sample.id).inserted else { throw IOError(path: path, "sample id '\(sample.id)' appears twice in the benchmark") }
                samples.append(sample)
            }
        }
        return samples
    }
}
