/// Reading back: `longweave cat` of a shard to /dev/null against `zstd -dc`.
enum CatBenchmark: Benchmark {
    static let section = BenchSection.cat

    static func run(_ bench: inout BenchRun) throws {
        let bytes = try bench.records().reduce(0) { $0 + $1.count }
        let shard = bench.scratch + "/records.zst"
        try shell("zstd -q -f -T1 -3 \(bench.scratch)/records.jsonl -o \(shard)")
        let ours = try best { try shell("\(bench.longweave) cat \(shard) > /dev/null") }
        let zstd = try best { try shell("zstd -dc -q \(shard) > /dev/null") }
        bench.compare("cat of a shard", ours: ours, reference: zstd, referenceName: "zstd -dc", bytes: bytes, target: .ratio(0.8))
    }
}
