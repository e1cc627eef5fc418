import Dispatch
import LongweaveIO
import Synchronization

/// The shard writer, single thread, against the zstd CLI (-T1) on the same bytes; then on
/// all cores (one stream per core) against the single-thread CLI.
enum WriterBenchmark: Benchmark {
    static let section = BenchSection.writer

    static func run(_ bench: inout BenchRun) throws {
        let records = try bench.records()
        let scratch = bench.scratch
        for (level, count) in [(Int32(3), records.count), (Int32(19), records.count / 12)] {
            let subset = records[0..<count]
            let bytes = subset.reduce(0) { $0 + $1.count }
            try FileSystem.writeAtomically(Array(subset.joined()), to: scratch + "/subset.jsonl")
            let runs = level == 19 ? 2 : 3
            let ours = try best(runs) { try writeShards(subset, level: level, directory: scratch + "/w\(level)") }
            let cli = try best(runs) { try shell("zstd -q -f -T1 -\(level) \(scratch)/subset.jsonl -o \(scratch)/subset.zst") }
            bench.compare("writer, level \(level), 1 thread", ours: ours, reference: cli, referenceName: "zstd -T1 -\(level)", bytes: bytes, target: .ratio(0.9))
        }
        let cores = bench.cores
        let parallel = try best {
            let chunk = (records.count + cores - 1) / cores
            let failures = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: cores) { i in
                let slice = records[min(i * chunk, records.count)..<min((i + 1) * chunk, records.count)]
                do { try writeShards(slice, level: 3, directory: scratch + "/p\(i)") } catch { failures.add(1, ordering: .relaxed) }
            }
            if failures.load(ordering: .relaxed) > 0 { throw IOError(path: scratch, "a parallel writer failed") }
        }
        let cliLevel3 = try best { try shell("zstd -q -f -T1 -3 \(scratch)/records.jsonl -o \(scratch)/records.zst") }
        // 0.85x per core: the cores share one memory bus and the VM's other tenants.
        bench.compare("writer, level 3, \(cores) parallel shards", ours: parallel, reference: cliLevel3, referenceName: "zstd -T1 -3",
                      bytes: records.reduce(0) { $0 + $1.count }, target: .ratio(0.85 * Double(cores)))
    }

    static func writeShards(_ records: ArraySlice<[UInt8]>, level: Int32, directory: String) throws {
        let writer = try ShardWriter(directory: directory, relativeDirectory: "", limits: ShardLimits(maxRecords: Int.max, maxBytes: Int.max), zstdLevel: level)
        for record in records { try writer.write(record: record) }
        _ = try writer.finish()
    }
}
