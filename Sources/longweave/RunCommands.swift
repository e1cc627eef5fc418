import ArgumentParser
import Foundation
import LongweaveCore
import LongweaveIO
import LongweaveStages

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
            let clashes = PipelineLoader.checkNames(runners.map(\.spec))
            if !clashes.isEmpty { throw Exit.badInput(PipelineValidationError(clashes).description) }
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
            var specs: [PipelineSpec] = []
            for path in pipelines {
                do {
                    let spec = try PipelineLocation(path, root: root).load()
                    specs.append(spec)
                    print("\(path): ok (\(spec.name): \(spec.inputs.count) inputs, \(spec.stages.count) stages)")
                } catch let error as PipelineValidationError {
                    Exit.printError(error.description)
                    failed = true
                }
            }
            let clashes = PipelineLoader.checkNames(specs)
            if !clashes.isEmpty {
                Exit.printError(PipelineValidationError(clashes).description)
                failed = true
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
}
