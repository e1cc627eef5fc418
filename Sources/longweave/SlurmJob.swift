/// A Slurm job array that runs one longweave command in slices, and the job that merges
/// the slices once every task has succeeded. Only scripts: `sbatch` does the scheduling.
public struct SlurmJob: Sendable, Equatable {
    /// Names the jobs and their log files.
    public var name: String
    /// Slices of the work: the array's size, passed to every task as `--shard-count`.
    public var tasks: Int
    /// The array indices to submit (all by default): a task that failed is resubmitted alone.
    public var indices: [Int]?
    public var partition: String?
    public var time: String?
    public var cpusPerTask: Int?
    /// Where the tasks run (paths in the commands are relative to it).
    public var workingDirectory: String
    /// Where Slurm writes each task's output.
    public var logDirectory: String
    /// Each task's command; `--shard-count` is added, the index comes from `SLURM_ARRAY_TASK_ID`.
    public var taskCommand: [String]
    /// The command that merges the slices.
    public var mergeCommand: [String]

    public init(name: String, tasks: Int, workingDirectory: String, logDirectory: String, taskCommand: [String], mergeCommand: [String]) {
        self.name = name
        self.tasks = tasks
        self.workingDirectory = workingDirectory
        self.logDirectory = logDirectory
        self.taskCommand = taskCommand
        self.mergeCommand = mergeCommand
    }

    /// `0-3`, or the indices asked for: `2` or `1,3`.
    public var arraySpec: String {
        if let indices { return indices.map(String.init).joined(separator: ",") }
        return "0-\(tasks - 1)"
    }

    /// The `sbatch --array` script: every task runs the command on its slice. The slice count
    /// is written into the command, not taken from `SLURM_ARRAY_TASK_COUNT`, so that a task
    /// resubmitted alone still knows it is one of `tasks`.
    public func arrayScript() -> String {
        script(jobName: jobName, output: logDirectory + "/task-%A_%a.log", extra: ["--array=" + arraySpec],
               comment: "slice $SLURM_ARRAY_TASK_ID of \(tasks) of \(name)",
               command: taskCommand + ["--shard-count", String(tasks)])
    }

    /// The merge job's script, to be submitted with `--dependency=afterok:<array job>`.
    public func mergeScript() -> String {
        script(jobName: jobName + "-merge", output: logDirectory + "/merge-%j.log", extra: [],
               comment: "merges the \(tasks) slices of \(name) once every task has succeeded", command: mergeCommand)
    }

    private var jobName: String {
        "lw-" + String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "-" })
    }

    private func script(jobName: String, output: String, extra: [String], comment: String, command: [String]) -> String {
        var lines = ["#!/bin/bash", "# Written by `longweave slurm`: \(comment).", "#SBATCH --job-name=\(jobName)", "#SBATCH --output=\(output)"]
        lines += extra.map { "#SBATCH " + $0 }
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        if let time { lines.append("#SBATCH --time=\(time)") }
        if let cpusPerTask { lines.append("#SBATCH --cpus-per-task=\(cpusPerTask)") }
        lines += ["set -euo pipefail", "cd " + Self.quoted(workingDirectory), "exec " + command.map(Self.quoted).joined(separator: " ")]
        return lines.joined(separator: "\n") + "\n"
    }

    /// One shell word: single-quoted unless it is plainly safe.
    public static func quoted(_ word: String) -> String {
        let safe = !word.isEmpty && word.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./=:,@+".contains($0)) }
        return safe ? word : "'" + word.map { $0 == "'" ? "'\\''" : String($0) }.joined() + "'"
    }
}
