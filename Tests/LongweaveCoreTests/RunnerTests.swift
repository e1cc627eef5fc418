import Foundation
import Testing
import LongweaveTestSupport
@testable import LongweaveCore
import LongweaveIO

/// A format for these tests: each line `id|question|answer` of a text file is a sample.
enum PipeLinesFormat: IngestFormat {
    static let descriptor = FormatDescriptor(name: "pipe_lines", summary: "id|question|answer per line", product: .samples)

    static func read(_ input: InputSpec, pipeline: PipelineSpec) throws -> IngestResult {
        var result = IngestResult()
        var record = 0
        try LineReader.forEachLine(in: input.resolvedPath) { line, number in
            defer { record += 1 }
            let fields = String(decoding: line, as: UTF8.self).split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3 else {
                result.rejects.append(Reject(file: input.path, line: number, record: record, stage: "ingest:\(input.id)",
                                             reason: "missing field: expected id|question|answer"))
                return
            }
            result.samples.append(Sample(id: fields[0], dataset: "test", language: pipeline.language, question: fields[1],
                                         answers: [fields[2]], documents: [Document(title: fields[0], text: fields[1], evidence: true)],
                                         meta: JSONObject([("source", .source(file: input.path, line: number, record: record))])))
        }
        return result
    }
}

/// A streaming stage for these tests: uppercases questions, drops answers "drop",
/// rejects empty questions, and records one seeded draw per sample.
enum ShoutStage: StageFactory {
    static let descriptor = StageDescriptor(name: "shout", summary: "uppercase questions", kind: .streaming, parameters: [
        ParameterSpec("limit", .integer(min: 1, max: 1_000_000), default: .int(1000), doc: "draws below this"),
    ])

    struct Instance: StreamingStage {
        let limit: Int
        func process(_ sample: inout Sample, random: inout SeededRandom) -> StageVerdict {
            if sample.question.isEmpty { return .reject(reason: "empty question") }
            if sample.answers == ["drop"] { return .drop(reason: "filtered") }
            sample.question = sample.question.uppercased()
            sample.meta.set("draw", .number(Double(random.below(limit))))
            return .keep
        }
    }

    static func make(_ setup: StageSetup) throws(StageSetupError) -> StageInstance {
        .streaming(Instance(limit: setup.config.int("limit")))
    }
}

@Suite struct RunnerTests {
    let registry = Registry(stages: [ShoutStage.self], formats: [PipeLinesFormat.self])

    func makePipeline(in dir: String, lines: [String]) throws -> String {
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/samples.txt", atomically: true, encoding: .utf8)
        let yaml = """
        version: 1
        name: test/shout
        seed: 7
        inputs:
          - {id: s, path: samples.txt, format: pipe_lines}
        stages:
          - shout: {limit: 100000}
        output: {shard: {max_records: 300}, zstd_level: 3}
        """
        try yaml.write(toFile: dir + "/p.yaml", atomically: true, encoding: .utf8)
        return dir + "/p.yaml"
    }

    func run(_ file: String, root: String, threads: Int, out: String) throws -> RunSummary {
        let spec = try PipelineLoader.load(file: file, root: root, registry: registry)
        return try Runner(spec: spec, registry: registry, options: RunOptions(threads: threads, outputBase: out, progress: false), root: root).run()
    }

    func readRecords(_ dir: String) throws -> [JSONValue] {
        var records: [JSONValue] = []
        for shard in try DatasetReader.shards(at: dir) {
            try LineReader.forEachLine(in: shard) { line, _ in
                var parser = JSONParser(bytes: line)
                records.append(try parser.parseDocument())
            }
        }
        return records
    }

    @Test func streamingStageKeepsOrderCountsDropsAndRejects() throws {
        let dir = TestPaths.temporaryDirectory()
        var lines = (0..<1000).map { "q\($0)|question \($0)|answer \($0)" }
        lines[10] = "q10|question 10|drop"
        lines[20] = "q20||answer"
        lines[30] = "broken line without fields"
        lines[40] = "q39|duplicate id|x"
        let file = try makePipeline(in: dir, lines: lines)
        let summary = try run(file, root: dir, threads: 2, out: dir + "/build")
        let output = dir + "/build/test/shout"
        let records = try readRecords(output)
        #expect(records.count == 996)
        #expect(summary.streams.map(\.name) == ["all"])
        #expect(summary.streams[0].shards.count == 4)
        #expect(records.first?["question"]?.stringValue == "QUESTION 0")
        let ids = records.compactMap { $0["id"]?.stringValue }
        #expect(ids == lines.indices.filter { ![10, 20, 30, 40].contains($0) }.map { "q\($0)" })

        let rejects = try String(contentsOfFile: output + "/rejects.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(rejects.count == 3)
        #expect(rejects[0].contains(#""line":31"#) && rejects[0].contains("missing field"))
        #expect(rejects[1].contains("duplicate id"))
        #expect(rejects[2].contains(#""stage":"shout""#) && rejects[2].contains(#""id":"q20""#) && rejects[2].contains(#""line":21"#))
        let shout = try #require(summary.stages.first { $0.stage == "shout" })
        #expect(shout.recordsIn == 998 && shout.recordsOut == 996 && shout.dropped == ["filtered": 1] && shout.rejected == 1)

        let manifest = try Manifest.read(output + "/manifest.json")
        #expect(manifest["rejects"]?["count"] == .number(3))
        #expect(manifest["levels"]?["all"]?["records"] == .number(996))
        #expect(manifest["config"]?["stages"]?.arrayValue?.first?["shout"]?["limit"] == .number(100000))
    }

    @Test func outputBytesDoNotDependOnThreads() throws {
        let dir = TestPaths.temporaryDirectory()
        let file = try makePipeline(in: dir, lines: (0..<2000).map { "id\($0)|q \($0)|a" })
        _ = try run(file, root: dir, threads: 1, out: dir + "/one")
        _ = try run(file, root: dir, threads: 2, out: dir + "/two")
        for name in ["all/part-00000.jsonl.zst", "all/part-00006.jsonl.zst", "rejects.jsonl"] {
            let a = try FileSystem.readAll(dir + "/one/test/shout/" + name)
            let b = try FileSystem.readAll(dir + "/two/test/shout/" + name)
            #expect(a == b, "\(name)")
        }
        var one = try Manifest.read(dir + "/one/test/shout/manifest.json").objectValue!
        var two = try Manifest.read(dir + "/two/test/shout/manifest.json").objectValue!
        one.set("run", .null)
        two.set("run", .null)
        #expect(one == two)
        // Draws depend on the sample id, not on its position.
        let records = try readRecords(dir + "/one/test/shout")
        var random = SeededRandom(seed: 7, stage: "shout", key: "id1234")
        #expect(records[1234]["meta"]?["draw"] == .number(Double(random.below(100000))))
    }

    @Test func aRerunReplacesLeftoversOfAnInterruptedRun() throws {
        let dir = TestPaths.temporaryDirectory()
        let file = try makePipeline(in: dir, lines: (0..<700).map { "id\($0)|q|a" })
        let output = dir + "/build/test/shout"
        try FileSystem.createDirectories(output + "/all")
        try Data("stale".utf8).write(to: URL(fileURLWithPath: output + "/all/.part-00000.jsonl.zst.tmp"))
        try Data("stale".utf8).write(to: URL(fileURLWithPath: output + "/all/part-00009.jsonl.zst"))
        _ = try run(file, root: dir, threads: 2, out: dir + "/build")
        #expect(try FileSystem.list(output + "/all") == ["part-00000.jsonl.zst", "part-00001.jsonl.zst", "part-00002.jsonl.zst"])
        #expect(try DatasetReader.verify(directory: output).isEmpty)
    }
}

@Suite struct SeededRandomTests {
    @Test func sameKeySameDrawsOtherKeyOtherDraws() {
        var a = SeededRandom(seed: 1, stage: "s", key: "x")
        var b = SeededRandom(seed: 1, stage: "s", key: "x")
        var c = SeededRandom(seed: 1, stage: "s", key: "y")
        var d = SeededRandom(seed: 2, stage: "s", key: "x")
        let drawsA = (0..<8).map { _ in a.next() }
        #expect(drawsA == (0..<8).map { _ in b.next() })
        #expect(drawsA != (0..<8).map { _ in c.next() })
        #expect(drawsA != (0..<8).map { _ in d.next() })
    }

    @Test func belowIsInRangeAndRoughlyUniform() {
        var random = SeededRandom(seed: 3, stage: "t", key: "k")
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[random.below(7)] += 1 }
        #expect(counts.allSatisfy { (9_000...11_000).contains($0) })
        var items = Array(0..<50)
        random.shuffle(&items)
        #expect(items.sorted() == Array(0..<50))
        #expect(items != Array(0..<50))
    }
}

@Suite struct ValueSyntaxTests {
    @Test func levelsAndSizes() {
        #expect(ValueSyntax.length("16k") == 16_000)
        #expect(ValueSyntax.length("1000") == 1000)
        for bad in ["16K", "-1", "0", "1.5k", "k", "16kb", "", "１６k"] { #expect(ValueSyntax.length(bad) == nil, "\(bad)") }
        #expect(ValueSyntax.levelName(128_000) == "128k")
        #expect(ValueSyntax.levelName(1500) == "1500")
        #expect(ValueSyntax.byteSize("256MiB") == 256 << 20)
        #expect(ValueSyntax.byteSize("500MB") == 500_000_000)
        #expect(ValueSyntax.byteSize("4096") == 4096)
        for bad in ["-5MiB", "5 parsecs", "MiB", "1.5GiB"] { #expect(ValueSyntax.byteSize(bad) == nil, "\(bad)") }
    }

    @Test func suggestions() {
        #expect(Suggestion.closest(to: "lenght_buckets", in: ["length_buckets", "clean"]) == "length_buckets")
        #expect(Suggestion.closest(to: "levles", in: ["levels", "unit", "mode"]) == "levels")
        #expect(Suggestion.closest(to: "zzz", in: ["levels", "unit"]) == nil)
    }
}
