import ArgumentParser
import Foundation
import LongweaveIO

/// `make bench`: longweave's throughput and memory, each row a ratio against a reference run
/// in the same process or script (the zstd CLI, Foundation, tiktoken, Hugging Face
/// tokenizers, trafilatura, gensim, Python's json, datatrove), with its target and PASS or
/// FALL SHORT. Exits 1 when a row falls short.
@main
struct LongweaveBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "LongweaveBench",
        abstract: "Measure longweave against reference tools; exit 1 when a row falls short of its target.")

    @Argument(help: "The benchmarks to run (default: all): \(BenchSection.allCases.map(\.rawValue).joined(separator: ", ")).")
    var sections: [BenchSection] = []

    func run() throws {
        var bench = try BenchRun()
        defer { bench.removeScratch() }
        let chosen = sections.isEmpty ? BenchSection.allCases : sections
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; \(bench.zstdVersion)")
        for benchmark in benchmarks where chosen.contains(benchmark.section) {
            try benchmark.run(&bench)
        }
        let short = bench.rows.filter { $0.status == .fallsShort }
        print("\nbench: \(bench.rows.filter { $0.status == .pass }.count) passed, \(short.count) fell short, \(bench.rows.filter { $0.status == .skipped }.count) skipped")
        if !short.isEmpty { throw ExitCode(1) }
    }
}

/// Every benchmark, in the order `make bench` runs them. Adding one is a new file plus a line here.
let benchmarks: [any Benchmark.Type] = [
    WriterBenchmark.self,
    JSONWriterBenchmark.self,
    CatBenchmark.self,
    TokenizerBenchmark.self,
    PromptBenchmark.self,
    IngestBenchmark.self,
    LVEvalBenchmark.self,
    ExportBenchmark.self,
    M4LEBenchmark.self,
    AuditBenchmark.self,
    HostileBenchmark.self,
]

/// The names a benchmark can be chosen by.
enum BenchSection: String, CaseIterable, ExpressibleByArgument {
    case writer, json, cat, tokenizers, prompts, ingest, lveval, export, m4le, audit, hostile
}

/// One benchmark: what it measures, as rows of `bench`.
protocol Benchmark {
    static var section: BenchSection { get }
    static func run(_ bench: inout BenchRun) throws
}
