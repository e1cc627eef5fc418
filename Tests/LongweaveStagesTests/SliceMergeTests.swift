import Foundation
import PipelineTestSupport
import Testing
import LongweaveTestSupport
@testable import LongweaveCore
import LongweaveIO
import LongweaveStages

/// A run cut into slices and merged gives the bytes of one run: real HotpotQA and
/// 2WikiMultihopQA records, with records rejected between shards, shards closed on bytes,
/// and a slice that is redone after it was killed.
@Suite struct SliceMergeTests {
    func yaml(name: String, stages: String, output: String) -> String {
        """
        version: 1
        name: \(name)
        seed: 7
        language: en
        \(hotpotWikiInputs)
        stages:
          - clean: {}
          - keyword_replacement: {auto: {from: [answers, question], max_per_sample: 3}}
        \(stages)
        output: \(output)
        """
    }

    func run(_ yaml: String, in dir: String, base: String, slice: RunSlice = .whole) throws -> RunSummary {
        let spec = try loadPipeline(yaml, in: dir)
        return try Runner(spec: spec, registry: .standard, options: RunOptions(threads: 2, outputBase: base, progress: false, slice: slice), root: dir).run()
    }

    /// Every file of `whole` is in `merged` with the same bytes; the manifest apart from its
    /// `run` section and stats.jsonl apart from seconds.
    func expectSameOutput(_ whole: String, _ merged: String) throws {
        let files = try FileManager.default.subpathsOfDirectory(atPath: whole).filter { !FileSystem.isDirectory(whole + "/" + $0) }.sorted()
        let mergedFiles = try FileManager.default.subpathsOfDirectory(atPath: merged).filter { !FileSystem.isDirectory(merged + "/" + $0) }.sorted()
        #expect(files == mergedFiles)
        for file in files {
            let a = try FileSystem.readAll(whole + "/" + file), b = try FileSystem.readAll(merged + "/" + file)
            switch file {
            case "manifest.json":
                guard case .object(var x) = try JSONValue.parse(file: whole + "/" + file), case .object(var y) = try JSONValue.parse(file: merged + "/" + file) else {
                    Issue.record("manifest is not an object")
                    continue
                }
                #expect(y["run"]?["slice"]?.stringValue?.hasPrefix("merged from") == true)
                x.set("run", .null)
                y.set("run", .null)
                #expect(x == y)
            case "stats.jsonl":
                func withoutSeconds(_ bytes: [UInt8]) -> [String] {
                    String(decoding: bytes, as: UTF8.self).split(separator: "\n").map { String($0).replacing(/,"seconds":[0-9.e-]+/, with: "") }
                }
                #expect(withoutSeconds(a) == withoutSeconds(b))
            default:
                let same = a == b
                #expect(same, "\(file) differs")
            }
        }
    }

    @Test(arguments: [
        // Small shards: records rejected inside units, so shard ends move and the tail is rewritten.
        ("{shard: {max_records: 7}, zstd_level: 3}", 3),
        // Shards closed on compressed bytes before their record count.
        ("{shard: {max_records: 40, max_bytes: 60000}, zstd_level: 3}", 4),
    ])
    func slicesMergeIntoTheBytesOfOneRun(output: String, slices: Int) throws {
        let dir = TestPaths.temporaryDirectory()
        let pipeline = yaml(name: "test/sliced", stages: "  - length_buckets: {unit: words, levels: [2k, 4k], distractors: [wiki]}", output: output)
        let whole = try run(pipeline, in: dir, base: dir + "/whole")
        #expect(whole.rejects > 0, "the 4k level rejects some 2WikiMultihopQA records")
        #expect(whole.streams.allSatisfy { $0.shards.count > 2 })
        for index in 0..<slices {
            _ = try run(pipeline, in: dir, base: dir + "/sliced", slice: try RunSlice(index: index, count: slices))
        }
        let summary = try SliceMerge.merge(directory: dir + "/sliced/test/sliced")
        #expect(summary.shardsMoved > 0 && summary.shardsRewritten > 0, "\(summary.shardsMoved) moved, \(summary.shardsRewritten) rewritten")
        try expectSameOutput(dir + "/whole/test/sliced", dir + "/sliced/test/sliced")
        #expect(!FileSystem.exists(dir + "/sliced/test/sliced/slices"))
        #expect(try DatasetReader.verify(directory: dir + "/sliced/test/sliced").isEmpty)
    }

    @Test func samplesWithoutAssemblyAndAKilledSlice() throws {
        let dir = TestPaths.temporaryDirectory()
        let pipeline = yaml(name: "test/samples", stages: "", output: "{shard: {max_records: 10}, zstd_level: 3}")
        _ = try run(pipeline, in: dir, base: dir + "/whole")
        for index in 0..<4 {
            _ = try run(pipeline, in: dir, base: dir + "/sliced", slice: try RunSlice(index: index, count: 4))
        }
        // Slice 2 was killed: its marker is missing and a shard half written.
        let killed = dir + "/sliced/test/samples/slices/2-of-4"
        try FileSystem.remove(killed + "/done")
        try FileSystem.writeAtomically([0x28, 0xB5], to: killed + "/units/all/2/part-00000.jsonl.zst")
        #expect {
            try SliceMerge.merge(directory: dir + "/sliced/test/samples")
        } throws: { ($0 as? RunError)?.message.contains("slices 2 of 4 are not complete") == true }
        // Redone alone, it completes the job.
        _ = try run(pipeline, in: dir, base: dir + "/sliced", slice: try RunSlice(index: 2, count: 4))
        let slices = dir + "/sliced/test/samples/slices"
        try FileManager.default.copyItem(atPath: slices, toPath: dir + "/slices-copy")
        _ = try SliceMerge.merge(directory: dir + "/sliced/test/samples")
        try expectSameOutput(dir + "/whole/test/samples", dir + "/sliced/test/samples")
        // A merge stopped before its manifest (slices still there, outputs half written) runs again.
        try FileSystem.remove(dir + "/sliced/test/samples/manifest.json")
        try FileSystem.remove(dir + "/sliced/test/samples/all/part-00003.jsonl.zst")
        try FileManager.default.copyItem(atPath: dir + "/slices-copy", toPath: slices)
        _ = try SliceMerge.merge(directory: dir + "/sliced/test/samples")
        try expectSameOutput(dir + "/whole/test/samples", dir + "/sliced/test/samples")
    }

    @Test func slicesOfDifferentRunsAreRefused() throws {
        let dir = TestPaths.temporaryDirectory()
        let pipeline = yaml(name: "test/mixed", stages: "", output: "{shard: {max_records: 20}, zstd_level: 3}")
        _ = try run(pipeline, in: dir, base: dir + "/sliced", slice: try RunSlice(index: 0, count: 2))
        _ = try run(pipeline.replacingOccurrences(of: "seed: 7", with: "seed: 8"), in: dir, base: dir + "/sliced", slice: try RunSlice(index: 1, count: 2))
        #expect {
            try SliceMerge.merge(directory: dir + "/sliced/test/mixed")
        } throws: { ($0 as? RunError)?.message.contains("differs from slice 0's") == true }
        #expect(throws: RunError.self) { try RunSlice(index: 4, count: 4) }
    }
}
