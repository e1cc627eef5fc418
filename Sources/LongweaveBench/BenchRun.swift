import Dispatch
import Foundation
import LongweaveIO

/// The state of one bench process: where things are, and the rows printed so far.
struct BenchRun {
    let root = FileManager.default.currentDirectoryPath
    let binDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
    let scratch = NSTemporaryDirectory() + "longweave-bench-\(getpid())"
    let cores = ProcessInfo.processInfo.activeProcessorCount
    let zstdVersion: String
    private(set) var rows: [BenchRow] = []
    /// The LV-Eval-style records that the writer, JSON and cat rows share, built once.
    var sharedRecords: [[UInt8]]?

    init() throws {
        try FileSystem.createDirectories(scratch)
        zstdVersion = (commandOutput("zstd --version") ?? "zstd not found").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func removeScratch() { try? FileSystem.remove(scratch) }

    var longweave: String { binDirectory + "/longweave" }

    /// A Python script of `scripts/bench/`.
    func script(_ name: String) -> String { root + "/scripts/bench/" + name }

    /// The Python of `make bench`'s virtual environment, or the system's.
    var benchPython: String {
        let venv = root + "/.build/venv-bench/bin/python"
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : "/usr/bin/env python3"
    }

    /// Prints and keeps a row comparing our time with a reference's on `bytes` bytes.
    mutating func compare(_ name: String, ours: Double, reference: Double, referenceName: String, bytes: Int, target: BenchTarget) {
        let mb = Double(bytes) / 1e6
        let ratio = reference / ours
        let measured = String(format: "%8.1f MB/s", mb / ours) + "   vs " + pad(referenceName, 24) + String(format: "%8.1f MB/s   ratio %5.2fx", mb / reference, ratio)
        let value: Double
        if case .throughput = target { value = mb / ours } else { value = ratio }
        add(BenchRow(name: name, measured: measured, status: target.isMet(by: value) ? .pass : .fallsShort, target: target))
    }

    /// Prints and keeps a row of one measured value against its target.
    mutating func measure(_ name: String, _ value: Double, shown: String, target: BenchTarget) {
        add(BenchRow(name: name, measured: shown, status: target.isMet(by: value) ? .pass : .fallsShort, target: target))
    }

    /// A row whose reference cannot run here.
    mutating func skip(_ name: String, because reason: String, target: BenchTarget) {
        add(BenchRow(name: name, measured: reason, status: .skipped, target: target))
    }

    private mutating func add(_ row: BenchRow) {
        print(row.line)
        rows.append(row)
    }
}

/// Best wall time of `runs` calls, in seconds.
func best(_ runs: Int = 3, _ body: () throws -> Void) rethrows -> Double {
    var times: [Double] = []
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return times.min()!
}

/// Runs a shell command; throws when it fails.
func shell(_ command: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw IOError(path: command, "exited with \(process.terminationStatus)") }
}

/// The standard output of a shell command, or nil when it cannot run or fails.
func commandOutput(_ command: String) -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
}

/// Runs a command, returns its wall seconds and standard output.
func timed(_ executable: String, _ arguments: [String]) throws -> (seconds: Double, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    let start = DispatchTime.now().uptimeNanoseconds
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    guard process.terminationStatus == 0 else { throw IOError(path: executable, "exited with \(process.terminationStatus)") }
    return (seconds, output)
}

/// Runs several commands at once and waits for all; throws if one fails.
func timedTogether(_ executable: String, _ argumentLists: [[String]]) throws {
    let processes = try argumentLists.map { arguments in
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }
    for process in processes {
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw IOError(path: executable, "exited with \(process.terminationStatus)") }
    }
}

/// The `peak memory: N MiB` that `longweave run` and `audit` print last, in MiB.
func peakMemory(_ output: String) -> Double? {
    output.split(separator: "\n").last { $0.hasPrefix("peak memory:") }
        .flatMap { Double($0.dropFirst(13).split(separator: " ").first ?? "") }
}
