import Foundation
import LongweaveCore
import LongweaveIO
import LongweaveStages

/// Building every M4LE pipeline (pipelines/m4le/, one process: ingest, planning, rendering,
/// compression; without their models, whose cost the `prompts` row measures) against
/// compressing their output bytes with the zstd CLI at the same level.
enum M4LEBenchmark: Benchmark {
    static let section = BenchSection.m4le

    static func run(_ bench: inout BenchRun) throws {
        let cores = bench.cores
        let out = bench.scratch + "/m4le"
        let pipelines = try FileManager.default.contentsOfDirectory(atPath: bench.root + "/pipelines/m4le").filter { $0.hasSuffix(".yaml") }.sorted()
        var levels = Set<Int>()
        var files: [String] = []
        for pipeline in pipelines {
            files.append(try bench.withoutModels("pipelines/m4le/" + pipeline))
            levels.insert(try PipelineLoader.load(file: files.last!, root: bench.root, registry: .standard).output.zstdLevel)
        }
        guard levels.count == 1, let level = levels.first else { throw IOError(path: "pipelines/m4le", "the pipelines use several zstd levels: \(levels.sorted())") }
        let arguments = files.joined(separator: " ")
        let build = try best(2) { try shell("\(bench.longweave) run --quiet --threads \(cores) --root \(bench.root) --out \(out) \(arguments) > /dev/null") }
        let joined = bench.scratch + "/m4le.jsonl"
        let shards = try pipelines.flatMap { try DatasetReader.shards(at: out + "/m4le/" + String($0.dropLast(5))) }
        let (bytes, records) = try bench.concatenate(shards, into: joined)
        let cli = try best(2) { try shell("zstd -q -f -T\(cores) -\(level) \(joined) -o \(joined).zst") }
        print("m4le: \(pipelines.count) pipelines, \(records) records, \(bytes / 1_000_000) MB of JSON Lines")
        bench.compare("m4le pipelines build (\(cores) threads)", ours: build, reference: cli, referenceName: "zstd -T\(cores) -\(level)", bytes: bytes, target: .ratio(0.7))
    }
}
