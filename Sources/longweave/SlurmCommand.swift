import ArgumentParser
import Foundation
import LongweaveCore

extension Longweave {
    struct Slurm: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write, and with --submit submit, a Slurm job array that runs a pipeline or an audit in slices, and the merge job after it.",
            discussion: """
                longweave slurm --tasks 4 [--submit] pipelines/lveval/hotpotqa_fill.yaml
                longweave slurm --tasks 8 [--submit] audit --benchmark ... --reference ... --out DIR
                Each task runs `longweave run` (or `audit`) with --shard-count N and its index from
                SLURM_ARRAY_TASK_ID; the merge job (sbatch --dependency=afterok) runs `longweave merge`
                (or `audit-merge`). A task that failed is resubmitted alone with --only I.
                """)

        @Option(help: "Array tasks: the number of slices.")
        var tasks: Int

        @Option(help: "Slurm partition.")
        var partition: String?

        @Option(help: "Slurm time limit per task, e.g. 2:00:00.")
        var time: String?

        @Option(name: .customLong("cpus-per-task"), help: "CPUs per task; the tasks use as many threads.")
        var cpusPerTask: Int?

        @Option(help: "Submit only these array indices (e.g. 2 or 1,3), with a new merge job after them.")
        var only: String?

        @Option(help: "Folder for the pipeline's output (default: <root>/build), as for `run`.")
        var out: String?

        @Option(help: "Folder for the scripts and the task logs (default: build/slurm/<name>).")
        var scripts: String?

        @Flag(help: "Submit the array and the merge job with sbatch and print their job ids.")
        var submit = false

        @Flag(name: .customLong("dry-run"), help: "Print the two scripts and write nothing.")
        var dryRun = false

        @Argument(parsing: .captureForPassthrough, help: "A pipeline file, or `audit` and its options (with --out).")
        var command: [String] = []

        func run() throws {
            guard tasks >= 1 else { throw Exit.badInput("--tasks must be at least 1") }
            guard let first = command.first else { throw Exit.badInput("expected a pipeline file or `audit ...` after the options") }
            let cwd = FileManager.default.currentDirectoryPath
            func absolute(_ path: String) -> String { path.hasPrefix("/") ? path : cwd + "/" + path }
            let binary = try Self.executablePath()
            var job: SlurmJob
            var threads: [String] = cpusPerTask.map { ["--threads", String($0)] } ?? []
            if first == "audit" {
                let arguments = Array(command.dropFirst())
                guard let outIndex = arguments.firstIndex(of: "--out"), outIndex + 1 < arguments.count else {
                    throw Exit.badInput("an audit needs --out DIR: the slices write DIR/slices/ and the merge job reads them")
                }
                if arguments.contains(where: { $0 == "--shard-index" || $0 == "--shard-count" }) {
                    throw Exit.badInput("leave --shard-index and --shard-count out: each task gets them from the array")
                }
                if arguments.contains("--threads") { threads = [] }
                let output = absolute(arguments[outIndex + 1])
                job = SlurmJob(name: "audit-" + URL(fileURLWithPath: output).lastPathComponent, tasks: tasks, workingDirectory: cwd,
                               logDirectory: "", taskCommand: [binary, "audit"] + arguments + threads, mergeCommand: [binary, "audit-merge", output])
            } else {
                guard command.count == 1 else { throw Exit.badInput("expected one pipeline file, found \(command.joined(separator: " "))") }
                let location = PipelineLocation(first, root: nil)
                let spec: PipelineSpec
                do {
                    spec = try location.load()
                } catch let error as PipelineValidationError {
                    throw Exit.badInput(error.description)
                }
                let base = out.map(absolute) ?? location.root + "/build"
                job = SlurmJob(name: spec.name.replacingOccurrences(of: "/", with: "-"), tasks: tasks, workingDirectory: cwd, logDirectory: "",
                               taskCommand: [binary, "run", absolute(first), "--out", base, "--quiet"] + threads,
                               mergeCommand: [binary, "merge", base + "/" + spec.name])
            }
            let folder = absolute(scripts ?? "build/slurm/" + job.name)
            job.logDirectory = folder
            job.partition = partition
            job.time = time
            job.cpusPerTask = cpusPerTask
            if let only {
                let indices = only.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard indices.allSatisfy({ $0 != nil && (0..<tasks).contains($0!) }) else {
                    throw Exit.badInput("--only: expected array indices from 0 to \(tasks - 1), found '\(only)'")
                }
                job.indices = indices.map { $0! }
            }
            if dryRun {
                print(job.arrayScript())
                print(job.mergeScript(), terminator: "")
                return
            }
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let arrayPath = folder + "/array.sbatch", mergePath = folder + "/merge.sbatch"
            try job.arrayScript().write(toFile: arrayPath, atomically: true, encoding: .utf8)
            try job.mergeScript().write(toFile: mergePath, atomically: true, encoding: .utf8)
            guard submit else {
                print("wrote \(arrayPath) and \(mergePath); submit them with")
                print("  id=$(sbatch --parsable \(arrayPath)) && sbatch --dependency=afterok:$id \(mergePath)")
                print("or run `longweave slurm --submit` with the same arguments")
                return
            }
            let arrayID = try Self.sbatch([arrayPath])
            let mergeID = try Self.sbatch(["--dependency=afterok:" + arrayID, mergePath])
            print("array job \(arrayID) (tasks \(job.arraySpec) of \(tasks)), merge job \(mergeID) after it; logs in \(folder)")
        }

        /// The job id that `sbatch --parsable` prints.
        static func sbatch(_ arguments: [String]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["sbatch", "--parsable"] + arguments
            let output = Pipe(), errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            do {
                try process.run()
            } catch {
                throw Exit.badInput("cannot run sbatch: \(error)")
            }
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            guard process.terminationStatus == 0, let id = text.split(separator: ";").first?.trimmingCharacters(in: .whitespacesAndNewlines), !id.isEmpty else {
                throw Exit.badInput("sbatch \(arguments.joined(separator: " ")) failed: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
            return id
        }

        /// This program's own path, for the scripts to run.
        static func executablePath() throws -> String {
            let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            return link.hasPrefix("/") ? link : FileManager.default.currentDirectoryPath + "/" + link
        }
    }
}
