import ArgumentParser
import Foundation
import LongweaveAudit
import LongweaveCore
import LongweaveIO
import LongweaveStages
import LongweaveText

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

        // `.unconditional`: `--n -1` is a value (then refused), not a missing one.
        @Option(parsing: .unconditional, help: "n-gram length.")
        var n = 8

        @Option(parsing: .unconditional, help: "Occurrences in the reference that make an n-gram a seed.")
        var mincount = 1

        @Option(name: .customLong("skip-budget"), parsing: .unconditional, help: "Mismatched tokens a matching span may bridge.")
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
