import ArgumentParser
import Foundation
import LongweaveCore
import LongweaveIO

@main
struct Longweave: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "longweave",
        abstract: "Build long-context evaluation datasets from short real ones, reproducibly.",
        version: Runner.toolVersion,
        subcommands: [Run.self, Validate.self, ListStages.self, Verify.self, Cat.self, Stats.self, Tokenize.self, Export.self, FetchRaw.self, Audit.self, AuditMerge.self, Merge.self, Slurm.self])

    /// As swift-argument-parser runs a command, but a bad argument exits 1 (bad input), as
    /// every other bad input does, not 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                Exit.printError(fullMessage(for: error))
                Foundation.exit(1)
            }
            exit(withError: error)
        }
    }
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
        func variable(_ name: String) throws -> Int? {
            guard let text = environment[name] else { return nil }
            guard let value = Int(text) else { throw badInput("\(name)=\(text): expected a whole number") }
            return value
        }
        let count = try count ?? variable("SLURM_ARRAY_TASK_COUNT") ?? 1
        let index = try index ?? variable("SLURM_ARRAY_TASK_ID") ?? 0
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
