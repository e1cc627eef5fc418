import ArgumentParser
import Foundation
import LongweaveCore
import LongweaveIO
import LongweaveAudit
import LongweaveStages
import LongweaveText

@main
struct Longweave: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "longweave",
        abstract: "Build long-context evaluation datasets from short real ones, reproducibly.",
        version: Runner.toolVersion,
        subcommands: [Run.self, Validate.self, ListStages.self, Verify.self, Cat.self, Stats.self, Tokenize.self, FetchRaw.self, Audit.self, AuditMerge.self, Merge.self, Slurm.self])
}

/// Exit codes: 0 done, 1 bad input or config, 2 internal error.
enum Exit {
    static func badInput(_ message: String) -> ExitCode {
        printError(message)
        return ExitCode(1)
    }

    static func internalError(_ message: String) -> ExitCode {
        printError("internal error: " + message)
        return ExitCode(2)
    }

    /// Runs `body`: a bad file or pipeline becomes exit 1, anything else exit 2.
    static func reporting<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as IOError {
            throw badInput(error.description)
        } catch let error as PipelineValidationError {
            throw badInput(error.description)
        } catch let error as RunError {
            throw error.isInputProblem ? badInput(error.message) : internalError(error.message)
        } catch {
            throw internalError("\(error)")
        }
    }

    /// `--shard-index`/`--shard-count`, else Slurm's array variables, else the whole job.
    static func slice(index: Int?, count: Int?) throws -> RunSlice {
        let environment = ProcessInfo.processInfo.environment
        let count = count ?? environment["SLURM_ARRAY_TASK_COUNT"].flatMap { Int($0) } ?? 1
        let index = index ?? environment["SLURM_ARRAY_TASK_ID"].flatMap { Int($0) } ?? 0
        return try reporting { try RunSlice(index: index, count: count) }
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}

/// Turns a pipeline path into an absolute one and finds the repository root.
struct PipelineLocation {
    var file: String
    var root: String
    /// The path as the user typed it, for messages.
    var given: String

    init(_ path: String, root: String?) {
        given = path
        let cwd = FileManager.default.currentDirectoryPath
        file = path.hasPrefix("/") ? path : cwd + "/" + path
        let chosen = root ?? PipelineLoader.defaultRoot(for: file, currentDirectory: cwd)
        self.root = chosen.hasPrefix("/") ? chosen : cwd + "/" + chosen
    }

    func load() throws -> PipelineSpec {
        do {
            return try PipelineLoader.load(file: file, root: root, registry: .standard)
        } catch var error as PipelineValidationError {
            for i in error.diagnostics.indices where error.diagnostics[i].file == file {
                error.diagnostics[i].file = given
            }
            throw error
        }
    }
}

extension Longweave {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run pipeline files: ingest, stages, shards, manifest.")

        @Argument(help: "Pipeline files (YAML).")
        var pipelines: [String]

        @Option(help: "Worker threads (default: all cores). The output does not depend on it.")
        var threads: Int = ProcessInfo.processInfo.activeProcessorCount

        @Option(help: "Folder that receives <pipeline name>/ (default: <root>/build).")
        var out: String?

        @Option(help: "Repository root that pipeline paths are relative to (default: the parent of pipelines/).")
        var root: String?

        @Flag(help: "No progress line on stderr.")
        var quiet = false

        @Option(name: .customLong("shard-index"), help: "This slice of the output (default: SLURM_ARRAY_TASK_ID, else 0).")
        var shardIndex: Int?

        @Option(name: .customLong("shard-count"), help: "Slices (default: SLURM_ARRAY_TASK_COUNT, else 1). Above 1, a slice writes <name>/slices/I-of-N/ for `longweave merge`.")
        var shardCount: Int?

        func run() throws {
            let slice = try Exit.slice(index: shardIndex, count: shardCount)
            // Every file is checked before any runs: nothing is written when one is invalid.
            var runners: [Runner] = []
            for path in pipelines {
                let location = PipelineLocation(path, root: root)
                let spec: PipelineSpec
                do {
                    spec = try location.load()
                } catch let error as PipelineValidationError {
                    throw Exit.badInput(error.description)
                }
                let base = out.map { $0.hasPrefix("/") ? $0 : FileManager.default.currentDirectoryPath + "/" + $0 } ?? location.root + "/build"
                runners.append(Runner(spec: spec, registry: .standard,
                                      options: RunOptions(threads: threads, outputBase: base, progress: !quiet, slice: slice), root: location.root))
            }
            for runner in runners {
                let summary: RunSummary
                do {
                    summary = try runner.run()
                } catch let error as RunError {
                    throw error.isInputProblem ? Exit.badInput(error.message) : Exit.internalError(error.message)
                } catch let error as IOError {
                    throw Exit.badInput(error.description)
                } catch {
                    throw Exit.internalError("\(error)")
                }
                Self.report(summary, runner: runner, slice: slice)
            }
            print("peak memory: \(ResourceUsage.peakResidentBytes() >> 20) MiB")
        }

        static func report(_ summary: RunSummary, runner: Runner, slice: RunSlice) {
            let records = summary.streams.map { "\($0.name): \($0.records)" }.joined(separator: ", ")
            print("\(runner.spec.name): \(records); \(summary.rejects) rejected -> \(summary.outputDirectory)")
            if !slice.isWhole {
                print("slice \(slice.name) done; run `longweave merge \(runner.outputDirectory)` when every slice is done")
            }
        }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check pipeline files without running them.")

        @Argument(help: "Pipeline files (YAML).")
        var pipelines: [String]

        @Option(help: "Repository root that pipeline paths are relative to.")
        var root: String?

        func run() throws {
            var failed = false
            for path in pipelines {
                do {
                    let spec = try PipelineLocation(path, root: root).load()
                    print("\(path): ok (\(spec.name): \(spec.inputs.count) inputs, \(spec.stages.count) stages)")
                } catch let error as PipelineValidationError {
                    Exit.printError(error.description)
                    failed = true
                }
            }
            if failed { throw ExitCode(1) }
        }
    }

    struct ListStages: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list-stages", abstract: "Print every stage and ingest format with its keys.")

        func run() {
            let registry = Registry.standard
            print("Stages")
            for name in registry.stageNames {
                let d = registry.stages[name]!.descriptor
                print("\n  \(d.name) (\(d.kind.rawValue)): \(d.summary)")
                printParameters(d.parameters)
            }
            for spelling in registry.spellings.values.sorted(by: { $0.name < $1.name }) {
                let choices = spelling.stages.keys.sorted().map { "\(spelling.key): \($0) runs \(spelling.stages[$0]!)" }
                print("\n  \(spelling.name): the older spelling of several stages (\(choices.joined(separator: "; ")); default \(spelling.key) \(spelling.defaultValue)); the other keys are that stage's")
            }
            print("\nIngest formats (inputs: {id, path, format, ...})")
            for name in registry.formatNames {
                let d = registry.formats[name]!.descriptor
                print("\n  \(d.name) (gives \(d.product.rawValue)): \(d.summary)")
                printParameters(d.parameters)
            }
            print("\nOutput section (output: {...})")
            printParameters(PipelineLoader.outputParameters)
        }

        /// Sizes as people write them (`256MiB`), everything else as validated.
        func display(_ value: ConfigValue, type: ParameterType) -> String {
            switch (value, type) {
            case (.int(let bytes), .byteSize) where bytes % (1 << 20) == 0: return "\(bytes >> 20)MiB"
            case (.string(""), _): return "none"
            case (.mapping(let m), .mapping(let specs)):
                return "{" + m.entries.map { key, v in
                    "\(key): " + display(v, type: specs.first { $0.name == key }?.type ?? .string)
                }.joined(separator: ", ") + "}"
            default: return value.display
            }
        }

        func printParameters(_ parameters: [ParameterSpec], indent: String = "    ") {
            for p in parameters {
                let requirement = p.defaultValue.map { "default \(display($0, type: p.type))" } ?? (p.optional ? "optional" : "required")
                print("\(indent)\(p.name): \(p.type.description); \(requirement). \(p.doc)")
                if case .mapping(let nested) = p.type { printParameters(nested, indent: indent + "  ") }
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-hash every shard against the manifest; check every LV-Eval-style record's validity.")

        @Argument(help: "A dataset folder (build/<pipeline name>).")
        var directory: String

        func run() throws {
            let findings: [DatasetReader.Finding]
            do {
                let integrity = try DatasetReader.verify(directory: directory)
                // Records are read only from shards that match the manifest.
                findings = integrity.isEmpty ? try LVEvalValidity.verify(directory: directory) : integrity
            } catch {
                throw Exit.badInput("\(error)")
            }
            if findings.isEmpty {
                print("\(directory): every shard matches the manifest, every record passes the validity checks")
                return
            }
            for finding in findings { Exit.printError("\(directory)/\(finding)") }
            throw ExitCode(1)
        }
    }

    struct Cat: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print records as JSON Lines.")

        @Argument(help: "A shard, a level folder or a dataset folder.")
        var path: String

        @Option(help: "Stop after this many records.")
        var limit: Int?

        func run() throws {
            do {
                try DatasetReader.cat(path, limit: limit, to: FileDescriptor(borrowing: 1, name: "stdout"))
            } catch {
                throw Exit.badInput("\(error)")
            }
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A table of records, lengths and bytes per level.")

        @Argument(help: "A dataset folder (build/<pipeline name>).")
        var directory: String

        func run() throws {
            let rows: [DatasetReader.LevelRow]
            do {
                rows = try DatasetReader.levelRows(directory: directory)
            } catch {
                throw Exit.badInput("\(error)")
            }
            let header = ["level", "records", "min", "mean", "max", "shards", "bytes", "compressed"]
            let table = rows.map { r in
                [r.level, "\(r.records)", "\(r.minLength)", String(format: "%.1f", r.meanLength), "\(r.maxLength)",
                 "\(r.shards)", "\(r.uncompressedBytes)", "\(r.compressedBytes)"]
            }
            let widths = header.indices.map { i in ([header[i]] + table.map { $0[i] }).map(\.count).max()! }
            for row in [header] + table {
                print(row.enumerated().map { i, cell in
                    let pad = String(repeating: " ", count: widths[i] - cell.count)
                    return i == 0 ? cell + pad : pad + cell
                }.joined(separator: "  "))
            }
        }
    }

    struct FetchRaw: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fetch-raw", abstract: "Fill raw/ from a local mirror or upstream, checking each sha256.")

        @Option(help: "The catalog.")
        var catalog = "raw/SOURCES.yaml"

        @Option(help: "Folder that receives the files.")
        var raw = "raw"

        @Option(help: "A local mirror with the same layout (tried before downloading).")
        var mirror: String?

        func run() throws {
            do {
                let sources = try RawSources.load(catalog)
                try sources.fetch(into: raw, mirror: mirror) { print($0) }
            } catch {
                throw Exit.badInput("\(error)")
            }
        }
    }

    struct Tokenize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Token ids or counts of each line of text files, exactly as the reference libraries give them.")

        @Option(help: "words, chars, tiktoken:PATH or hf:PATH.")
        var tokenizer: String

        @Option(help: "The tiktoken encoding when the file name does not say it (gpt2, r50k_base, cl100k_base, o200k_base, qwen).")
        var encoding: String?

        @Flag(help: "Print one count per line instead of ids.")
        var count = false

        @Flag(help: "Print ids (the default).")
        var ids = false

        @Flag(help: "Each input line is a JSON string (so texts may hold newlines).")
        var records = false

        @Flag(help: "Recognise special tokens such as <|endoftext|> instead of treating them as text.")
        var allowSpecial = false

        @Argument(help: "Text files; each line (without its newline) is one text.")
        var files: [String]

        func validate() throws {
            if count && ids { throw ValidationError("--count and --ids exclude each other") }
        }

        func run() throws {
            let loaded: LongweaveText.Tokenizer
            do {
                loaded = try TokenizerSpec(tokenizer, encoding: encoding, root: FileManager.default.currentDirectoryPath).load()
            } catch {
                throw Exit.badInput("\(error)")
            }
            let output = FileDescriptor(borrowing: 1, name: "stdout")
            var buffer: [UInt8] = []
            buffer.reserveCapacity(1 << 20)
            do {
                for file in files {
                    try LineReader.forEachLine(in: file) { line, number in
                        let text: String
                        if records {
                            var parser = JSONParser(bytes: line)
                            guard case .string(let s) = try parser.parseDocument() else {
                                throw IOError(path: file, "line \(number): expected a JSON string")
                            }
                            text = s
                        } else {
                            text = String(decoding: line, as: UTF8.self)
                        }
                        if count {
                            buffer.append(contentsOf: String(loaded.count(text)).utf8)
                        } else {
                            guard case .bpe(let bpe) = loaded else {
                                throw IOError(path: file, "ids need a BPE tokenizer; words and chars only count (use --count)")
                            }
                            var first = true
                            for id in bpe.encode(text, allowSpecial: allowSpecial) {
                                if !first { buffer.append(0x20) }
                                first = false
                                buffer.append(contentsOf: String(id).utf8)
                            }
                        }
                        buffer.append(0x0A)
                        if buffer.count >= 1 << 20 {
                            try output.write(buffer)
                            buffer.removeAll(keepingCapacity: true)
                        }
                    }
                }
                try output.write(buffer)
            } catch {
                throw Exit.badInput("\(error)")
            }
        }
    }
}

extension Longweave {
    struct Audit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score a benchmark's contamination against a reference corpus with ConTAM's four n-gram metrics.",
            discussion: "Writes DIR/scores.jsonl (per sample) and DIR/report.json (distributions, shares flagged per threshold, and with --scores the ConTAM threshold per model and metric).")

        @Option(name: .customLong("benchmark"), parsing: .upToNextOption, help: "longweave output folders, or files read with --format.")
        var benchmarks: [String]

        @Option(help: "Ingest format of benchmark files (not needed for output folders).")
        var format: String?

        @Option(name: .customLong("reference"), parsing: .upToNextOption, help: "Reference files: JSON Lines with a text field, text, a Wikipedia dump, or any ingest format; .zst/.gz/.bz2 read as they stream.")
        var references: [String]

        @Option(name: .customLong("reference-format"), help: "jsonl, text or an ingest format (default: from each file's name).")
        var referenceFormat: String?

        @Option(name: .customLong("reference-field"), help: "The text field of jsonl references.")
        var referenceField = "text"

        @Option(help: "Sample fields audited, joined by newlines: question, answers, documents, context.")
        var fields = "question,answers"

        @Option(help: "What n-grams are made of: words (Python str.split), chars, tiktoken:PATH or hf:PATH (a model's tokens).")
        var tokenizer = "words"

        @Option(help: "The tiktoken encoding when the rank file's name does not say it (cl100k_base, o200k_base, gpt2, qwen).")
        var encoding: String?

        @Option(help: "n-gram length.")
        var n = 8

        @Option(help: "Occurrences in the reference that make an n-gram a seed.")
        var mincount = 1

        @Option(name: .customLong("skip-budget"), help: "Mismatched tokens a matching span may bridge.")
        var skipBudget = 0

        @Option(help: "Output folder.")
        var out: String

        @Option(name: .customLong("scores"), parsing: .upToNextOption, help: "MODEL=FILE: a model's per-sample scores (JSON Lines {_id, score}) for the ConTAM threshold analysis.")
        var modelScores: [String] = []

        @Option(name: .customLong("min-clean"), help: "Clean samples a chosen threshold must leave.")
        var minClean = 1

        @Option(help: "Worker threads (default: all cores). The scores do not depend on it.")
        var threads: Int = ProcessInfo.processInfo.activeProcessorCount

        @Flag(name: .customLong("skip-bad-reference"), help: "Leave out reference documents with invalid UTF-8 or broken records (counted in the report) instead of stopping.")
        var skipBadReference = false

        @Option(name: .customLong("shard-index"), help: "This slice of the reference files (default: SLURM_ARRAY_TASK_ID, else 0).")
        var shardIndex: Int?

        @Option(name: .customLong("shard-count"), help: "Slices (default: SLURM_ARRAY_TASK_COUNT, else 1). Above 1, a slice writes DIR/slices/I-of-N/ for audit-merge.")
        var shardCount: Int?

        func run() throws {
            let cwd = FileManager.default.currentDirectoryPath
            var options = AuditOptions(benchmarks: benchmarks, references: references, outputDirectory: out, workingDirectory: cwd)
            options.benchmarkFormat = format
            options.referenceFormat = referenceFormat
            options.referenceTextField = referenceField
            options.threads = threads
            options.minClean = minClean
            options.skipBadReference = skipBadReference
            var parsedFields: [AuditField] = []
            for name in fields.split(separator: ",") {
                guard let field = AuditField(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                    throw Exit.badInput("--fields: unknown field '\(name)', expected question, answers, documents or context")
                }
                parsedFields.append(field)
            }
            options.fields = parsedFields
            let kind: AuditTokenizer
            do {
                kind = try AuditTokenizer(TokenizerSpec(tokenizer, encoding: encoding, root: cwd))
            } catch {
                throw Exit.badInput("--tokenizer: \(error)")
            }
            guard n >= 1, mincount >= 1, skipBudget >= 0 else { throw Exit.badInput("--n and --mincount must be at least 1, --skip-budget at least 0") }
            options.parameters = AuditParameters(tokenizer: kind, n: n, mincount: mincount, skipBudget: skipBudget)
            for pair in modelScores {
                guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else { throw Exit.badInput("--scores: expected MODEL=FILE, found '\(pair)'") }
                options.models.append((String(pair[..<equals]), String(pair[pair.index(after: equals)...])))
            }
            options.slice = try Exit.slice(index: shardIndex, count: shardCount)
            guard let report = try Exit.reporting({ try AuditRunner.run(options, registry: .standard) }) else {
                print("slice \(options.slice.index) of \(options.slice.count) written to \(out)/slices; run `longweave audit-merge \(out)` when every slice is done")
                return
            }
            let flagged = report.result.scores.filter { $0.longestMatch > 0 }.count
            print("\(report.result.scores.count) samples against \(report.result.referenceDocuments) reference documents (\(report.result.referenceTokens) tokens); \(flagged) share at least one \(n)-gram span -> \(out)")
            print("peak memory: \(ResourceUsage.peakResidentBytes() >> 20) MiB")
        }
    }
}

extension Longweave {
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Join the slices of a pipeline run (DIR/slices/) into the output of a single run.")

        @Argument(help: "The pipeline's output folder, e.g. build/lveval/hotpotqa_fill.")
        var directory: String

        func run() throws {
            let folder = directory.hasPrefix("/") ? directory : FileManager.default.currentDirectoryPath + "/" + directory
            let clock = ContinuousClock.now
            let summary = try Exit.reporting { try SliceMerge.merge(directory: folder) }
            let records = summary.streams.map { "\($0.name): \($0.records)" }.joined(separator: ", ")
            print("\(summary.slices) slices merged: \(records); \(summary.rejects) rejected; \(summary.shardsMoved) shards moved, \(summary.shardsRewritten) rewritten in \(ContinuousClock.now - clock) -> \(directory)")
        }
    }

    struct AuditMerge: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "audit-merge",
            abstract: "Combine the slices of an audit (DIR/slices/) into the scores and reports of a single run.")

        @Argument(help: "The audit's output folder.")
        var directory: String

        func run() throws {
            let report = try Exit.reporting { try AuditRunner.merge(directory: directory, registry: .standard) }
            print("\(report.result.scores.count) samples against \(report.result.referenceDocuments) reference documents merged -> \(directory)")
        }
    }
}
