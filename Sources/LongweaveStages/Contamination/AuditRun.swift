import Dispatch
import LongweaveCore
import LongweaveIO

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

    public init(benchmarks: [String], references: [String], outputDirectory: String, workingDirectory: String) {
        self.benchmarks = benchmarks
        self.references = references
        self.outputDirectory = outputDirectory
        self.workingDirectory = workingDirectory
    }

    func resolve(_ path: String) -> String { path.hasPrefix("/") ? path : workingDirectory + "/" + path }
}

/// Runs an audit end to end: reads the benchmark, streams the reference once, writes
/// `scores.jsonl`, `report.json` and `report.html` under the output folder.
public enum AuditRunner {
    public static func run(_ options: AuditOptions, registry: Registry) throws -> AuditReport {
        let samples = try readBenchmark(options, registry: registry)
        var files: [ReferenceFile] = []
        for path in options.references {
            guard let format = options.referenceFormat ?? ReferenceFile.inferredFormat(path) else {
                throw IOError(path: path, "cannot tell the reference format from the name: give --reference-format (jsonl, text, or an ingest format)")
            }
            let resolved = options.resolve(path)
            guard FileSystem.exists(resolved) else { throw IOError(path: path, "no such reference file") }
            files.append(ReferenceFile(path: path, resolvedPath: resolved, format: format))
        }
        // Reference files are hashed beside the scan, not before it.
        let hashes = UnsafeSlots<Result<(hex: String, bytes: Int), Error>>(count: files.count)
        let hashing = DispatchGroup()
        for (i, file) in files.enumerated() {
            DispatchQueue.global().async(group: hashing) { hashes.set(i, Result { try Digest.sha256Hex(ofFile: file.resolvedPath) }) }
        }
        var stats = files.map { ReferenceFileStats(path: $0.path) }
        let audit = ContaminationAudit(samples: samples, parameters: options.parameters)
        let result: AuditResult
        do {
            result = try audit.run(threads: options.threads) { emit in
                for (i, file) in files.enumerated() {
                    try ReferenceReader.forEachDocument(file, index: i, textField: options.referenceTextField, skipBad: options.skipBadReference,
                                                        registry: registry, root: options.workingDirectory, stats: &stats[i]) {
                        emit($0, $1)
                        return true
                    }
                }
            }
        } catch {
            hashing.wait()
            throw error
        }
        hashing.wait()
        for i in files.indices {
            let (hex, bytes) = try hashes.take(i).get()
            stats[i].sha256 = hex
            stats[i].bytes = bytes
        }
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
        let references = try referenceTexts(Set(shown.compactMap { $0.longestSpan?.referenceDocument }), files: files, options: options, registry: registry)
        let texts = Dictionary(samples.map { ($0.id, $0.text) }, uniquingKeysWith: { a, _ in a })
        let html = AuditHTML(report: report, references: references, sampleTexts: texts.filter { id, _ in shown.contains { $0.id == id } })
        try FileSystem.writeAtomically(Array(html.render().utf8), to: out + "/report.html")
        return report
    }

    /// The text of the `wanted` reference documents: their files read again, each only up to
    /// the last document wanted from it.
    static func referenceTexts(_ wanted: Set<ReferenceDocument>, files: [ReferenceFile], options: AuditOptions,
                               registry: Registry) throws -> [ReferenceDocument: String] {
        var texts: [ReferenceDocument: String] = [:]
        for (i, file) in files.enumerated() {
            let inFile = wanted.filter { $0.file == i }
            guard let last = inFile.map(\.index).max() else { continue }
            var stats = ReferenceFileStats(path: file.path)
            try ReferenceReader.forEachDocument(file, index: i, textField: options.referenceTextField, skipBad: options.skipBadReference,
                                                registry: registry, root: options.workingDirectory, stats: &stats) { bytes, document in
                if inFile.contains(document) { texts[document] = String(decoding: bytes, as: UTF8.self) }
                return document.index < last
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
