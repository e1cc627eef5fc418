import Foundation
import LongweaveCore
import LongweaveIO

/// `longweave export --to lveval` of hotpotwikiqa_mixup (all five levels) against `zstd -dc`
/// of the same shards into one file: both decompress and write every byte.
enum ExportBenchmark: Benchmark {
    static let section = BenchSection.export

    static func run(_ bench: inout BenchRun) throws {
        let out = bench.scratch + "/lveval"
        let split = out + "/lveval/hotpotwikiqa_mixup"
        if !FileManager.default.fileExists(atPath: split + "/manifest.json") {
            try shell("\(bench.longweave) run --quiet --threads \(bench.cores) --out \(out) pipelines/lveval/hotpotwikiqa_mixup.yaml > /dev/null")
        }
        let shards = try ["16k", "32k", "64k", "128k", "256k"].flatMap { try DatasetReader.shards(at: split + "/" + $0) }
        var bytes = 0
        for shard in shards { try InputFile.forEachChunk(shard) { bytes += $0.count } }
        let ours = try best(3) { try shell("\(bench.longweave) export --to lveval \(split) \(bench.scratch)/export > /dev/null") }
        let zstd = try best(3) { try shell("zstd -dc -q \(shards.joined(separator: " ")) > \(bench.scratch)/decompressed.jsonl") }
        bench.compare("export --to lveval (hotpotwikiqa_mixup)", ours: ours, reference: zstd, referenceName: "zstd -dc > file", bytes: bytes, target: .ratio(0.8))
    }
}
