import Foundation
import LongweaveCore
import LongweaveStages

/// Building hotpotwikiqa_mixup (all five levels: ingest, clean, KPR, confusing facts,
/// assembly, compression) against compressing its output bytes with the zstd CLI at the same
/// level on the same cores; then every pipeline of `make datasets` in one process, for its
/// peak memory.
enum LVEvalBenchmark: Benchmark {
    static let section = BenchSection.lveval

    static func run(_ bench: inout BenchRun) throws {
        let cores = bench.cores
        let out = bench.scratch + "/lveval"
        let pipeline = try bench.withoutModels("pipelines/lveval/hotpotwikiqa_mixup.yaml")
        let level = try PipelineLoader.load(file: pipeline, root: bench.root, registry: .standard).output.zstdLevel
        let build = try best(2) { try shell("\(bench.longweave) run --quiet --threads \(cores) --root \(bench.root) --out \(out) \(pipeline) > /dev/null") }
        let joined = bench.scratch + "/hotpotwikiqa_mixup.jsonl"
        let shards = try ["16k", "32k", "64k", "128k", "256k"].flatMap { try DatasetReader.shards(at: out + "/lveval/hotpotwikiqa_mixup/" + $0) }
        let (bytes, _) = try bench.concatenate(shards, into: joined)
        let cli = try best(2) { try shell("zstd -q -f -T\(cores) -\(level) \(joined) -o \(joined).zst") }
        bench.compare("hotpotwikiqa_mixup build (\(cores) threads)", ours: build, reference: cli, referenceName: "zstd -T\(cores) -\(level)", bytes: bytes, target: .ratio(0.7))

        let pipelines = try FileManager.default.subpathsOfDirectory(atPath: bench.root + "/pipelines").filter { $0.hasSuffix(".yaml") }.sorted()
        let all = try timed(bench.longweave, ["run", "--quiet", "--threads", String(cores), "--out", bench.scratch + "/all"] + pipelines.map { "pipelines/" + $0 })
        let peak = peakMemory(all.output) ?? .infinity
        bench.measure("make datasets (\(pipelines.count) pipelines), peak", peak, shown: String(format: "%8.0f MiB, one process", peak), target: .memory(mebibytes: 1024))
    }
}
