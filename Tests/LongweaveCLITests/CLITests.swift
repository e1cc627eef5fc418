import Foundation
import Testing
import LongweaveTestSupport
import LongweaveIO

/// The built `longweave` binary, beside the test bundle.
let longweave: String = {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    if dir.lastPathComponent.hasSuffix(".xctest") { dir.deleteLastPathComponent() }
    let candidate = dir.appendingPathComponent("longweave").path
    if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    return TestPaths.packageRoot + "/.build/debug/longweave"
}()

/// A small real pipeline: HotpotQA dev questions filled to 2k and 4k words.
func writePipeline(in dir: String, levels: String = "[2k, 4k]", maxRecords: Int = 40) throws -> String {
    let yaml = """
    version: 1
    name: lveval/cli_fill
    seed: 5
    language: en
    inputs:
      - {id: dev, path: "\(TestPaths.data("hotpotqa/hotpot_dev_distractor_v1_100.json"))", format: hotpotqa}
      - {id: wiki, path: "\(TestPaths.data("wiki_paragraphs/2wikimultihopqa_corpus.json"))", format: paragraphs}
    stages:
      - length_buckets: {mode: fill, unit: words, levels: \(levels), distractors: [wiki]}
    output: {shard: {max_records: \(maxRecords), max_bytes: 64MiB}, zstd_level: 3}
    """
    try yaml.write(toFile: dir + "/fill.yaml", atomically: true, encoding: .utf8)
    return dir + "/fill.yaml"
}

func shardFiles(_ dataset: String) throws -> [String] {
    try FileSystem.list(dataset).filter { FileSystem.isDirectory(dataset + "/" + $0) }.flatMap { level in
        try FileSystem.list(dataset + "/" + level).map { dataset + "/" + level + "/" + $0 }
    }
}

@Suite(.serialized) struct CLITests {
    @Test func runWritesShardsThatOtherToolsRead() throws {
        let dir = TestPaths.temporaryDirectory()
        let pipeline = try writePipeline(in: dir)
        let result = try runProcess(longweave, ["run", "--quiet", "--root", dir, "--out", dir + "/build", pipeline])
        #expect(result.status == 0, "\(result.stderr)")
        let dataset = dir + "/build/lveval/cli_fill"
        let shards = try shardFiles(dataset)
        #expect(shards.map { $0.replacingOccurrences(of: dataset + "/", with: "") }
            == ["2k/part-00000.jsonl.zst", "2k/part-00001.jsonl.zst", "2k/part-00002.jsonl.zst",
                "4k/part-00000.jsonl.zst", "4k/part-00001.jsonl.zst", "4k/part-00002.jsonl.zst"])
        #expect(try runProcess("/usr/bin/env", ["zstd", "-tq"] + shards).status == 0)
        #expect(try runProcess(longweave, ["verify", dataset]).status == 0)

        // Python's zstandard + json read every record, and str.split() agrees with `length`.
        let script = """
        import io, json, sys, zstandard
        n = 0
        for path in sys.argv[1:]:
            level = int(path.split('/')[-2][:-1]) * 1000
            with open(path, 'rb') as f:
                for line in io.TextIOWrapper(zstandard.ZstdDecompressor().stream_reader(f), encoding='utf-8'):
                    r = json.loads(line)
                    assert r['meta']['context_length'] == len(r['context'].split()) >= level, r['_id']
                    assert r['length'] == len(r['input'].split()) + len(r['context'].split()) + sum(len(a.split()) for a in r['answers']), r['_id']
                    assert set(r) >= {'input', 'context', 'answers', 'length', 'dataset', 'language', 'answer_keywords', 'confusing_facts', 'all_classes', '_id', 'length_level'}
                    n += 1
        print(n)
        """
        let python = try runProcess("/usr/bin/env", ["python3", "-c", script] + shards)
        #expect(python.status == 0, "\(python.stderr)")
        #expect(String(decoding: python.stdout, as: UTF8.self) == "206\n")

        // cat and stats read it back.
        let cat = try runProcess(longweave, ["cat", "--limit", "3", dataset + "/4k"])
        #expect(cat.status == 0)
        #expect(String(decoding: cat.stdout, as: UTF8.self).split(separator: "\n").count == 3)
        let all = try runProcess(longweave, ["cat", dataset])
        #expect(String(decoding: all.stdout, as: UTF8.self).split(separator: "\n").count == 206)
        let stats = try runProcess(longweave, ["stats", dataset])
        let table = String(decoding: stats.stdout, as: UTF8.self).split(separator: "\n")
        #expect(table.count == 3)
        #expect(table[0].hasPrefix("level") && table[1].hasPrefix("2k ") && table[1].contains(" 103 "))
    }

    @Test func rerunsAndThreadCountsGiveTheSameBytes() throws {
        let dir = TestPaths.temporaryDirectory()
        let pipeline = try writePipeline(in: dir)
        var digests: [[String]] = []
        for (threads, out) in [(2, "a"), (2, "a"), (1, "b")] {
            let result = try runProcess(longweave, ["run", "--quiet", "--threads", "\(threads)", "--root", dir, "--out", dir + "/" + out, pipeline])
            #expect(result.status == 0)
            let dataset = dir + "/" + out + "/lveval/cli_fill"
            var files = try shardFiles(dataset).map { try Digest.sha256Hex(ofFile: $0).hex }
            files.append(try Digest.sha256Hex(ofFile: dataset + "/rejects.jsonl").hex)
            // The manifest is identical apart from its `run` section (threads, seconds).
            let manifest = try String(contentsOfFile: dataset + "/manifest.json", encoding: .utf8)
            files.append(String(manifest[..<manifest.range(of: "\"run\":")!.lowerBound]))
            digests.append(files)
        }
        #expect(digests[0] == digests[1])
        #expect(digests[0] == digests[2])
    }

    /// Three slices of a run and `merge` give the shards of one run; an incomplete set is
    /// refused with exit 1; `slurm --dry-run` prints the array and merge scripts.
    @Test func slicesMergeAndSlurmScripts() throws {
        let dir = TestPaths.temporaryDirectory()
        let pipeline = try writePipeline(in: dir, maxRecords: 30)
        #expect(try runProcess(longweave, ["run", "--quiet", "--root", dir, "--out", dir + "/whole", pipeline]).status == 0)
        for index in [0, 2] {
            let result = try runProcess(longweave, ["run", "--quiet", "--root", dir, "--out", dir + "/sliced", "--shard-index", "\(index)", "--shard-count", "3", pipeline])
            #expect(result.status == 0)
            #expect(String(decoding: result.stdout, as: UTF8.self).contains("slice \(index)-of-3 done"))
        }
        let dataset = dir + "/sliced/lveval/cli_fill"
        let incomplete = try runProcess(longweave, ["merge", dataset])
        #expect(incomplete.status == 1 && incomplete.stderr.contains("slices 1 of 3 are not complete"))
        #expect(try runProcess(longweave, ["run", "--quiet", "--root", dir, "--out", dir + "/sliced", "--shard-index", "1", "--shard-count", "3", pipeline]).status == 0)
        let merged = try runProcess(longweave, ["merge", dataset])
        #expect(merged.status == 0, "\(merged.stderr)")
        let whole = try shardFiles(dir + "/whole/lveval/cli_fill").map { try Digest.sha256Hex(ofFile: $0).hex }
        #expect(try shardFiles(dataset).map { try Digest.sha256Hex(ofFile: $0).hex } == whole)
        #expect(try runProcess(longweave, ["verify", dataset]).status == 0)
        #expect(try runProcess(longweave, ["run", "--quiet", "--root", dir, "--shard-index", "3", "--shard-count", "3", pipeline]).status == 1)

        let scripts = try runProcess(longweave, ["slurm", "--tasks", "3", "--time", "1:00:00", "--dry-run", pipeline])
        let text = String(decoding: scripts.stdout, as: UTF8.self)
        #expect(scripts.status == 0)
        #expect(text.contains("#SBATCH --array=0-2") && text.contains("#SBATCH --time=1:00:00"))
        #expect(text.contains(" run ") && text.contains("--shard-count 3") && text.contains(" merge ") && text.hasSuffix("/build/lveval/cli_fill\n"))
        let audit = try runProcess(longweave, ["slurm", "--tasks", "2", "--dry-run", "audit", "--benchmark", "b.jsonl", "--reference", "r.jsonl"])
        #expect(audit.status == 1 && audit.stderr.contains("needs --out"))
    }

    @Test func verifyNamesEveryDamagedShard() throws {
        let dir = TestPaths.temporaryDirectory()
        let pipeline = try writePipeline(in: dir)
        #expect(try runProcess(longweave, ["run", "--quiet", "--root", dir, "--out", dir + "/build", pipeline]).status == 0)
        let dataset = dir + "/build/lveval/cli_fill"
        // One flipped byte, one truncated shard, one deleted shard.
        var flipped = try FileSystem.readAll(dataset + "/2k/part-00001.jsonl.zst")
        flipped[flipped.count / 2] ^= 0x01
        try FileSystem.writeAtomically(flipped, to: dataset + "/2k/part-00001.jsonl.zst")
        let whole = try FileSystem.readAll(dataset + "/4k/part-00000.jsonl.zst")
        try FileSystem.writeAtomically(Array(whole.prefix(whole.count - 100)), to: dataset + "/4k/part-00000.jsonl.zst")
        try FileSystem.remove(dataset + "/4k/part-00002.jsonl.zst")
        let result = try runProcess(longweave, ["verify", dataset])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.contains { $0.hasSuffix("2k/part-00001.jsonl.zst: differs from the manifest") || ($0.contains("2k/part-00001.jsonl.zst: differs")) })
        #expect(lines.contains { $0.contains("4k/part-00000.jsonl.zst: differs") })
        #expect(lines.contains { $0.contains("4k/part-00000.jsonl.zst: not a complete zstd stream") })
        #expect(lines.contains { $0.hasSuffix("4k/part-00002.jsonl.zst: missing") })
        #expect(!lines.contains { $0.contains("2k/part-00000") || $0.contains("4k/part-00001") })
    }

    @Test func aBrokenPipelineExitsOneWritesNothingAndSaysWhere() throws {
        let dir = TestPaths.temporaryDirectory()
        let pipeline = try writePipeline(in: dir)
        let broken = try String(contentsOfFile: pipeline, encoding: .utf8)
            .replacingOccurrences(of: "levels: [2k, 4k]", with: "levels: [2k, 4q]")
            .replacingOccurrences(of: "zstd_level: 3", with: "zstd_levle: 3")
        try broken.write(toFile: pipeline, atomically: true, encoding: .utf8)
        for command in ["run", "validate"] {
            let result = try runProcess(longweave, [command, "--root", dir] + (command == "run" ? ["--out", dir + "/build"] : []) + [pipeline])
            #expect(result.status == 1)
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 2, "\(result.stderr)")
            #expect(lines[0].hasPrefix(pipeline + ":9:") && lines[0].contains("'4q'"))
            #expect(lines[1].hasPrefix(pipeline + ":10:") && lines[1].hasSuffix("(did you mean 'zstd_level'?)"))
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/build"))
    }

    /// A run builds in `.staging` and swaps it in when complete: killed, a first run leaves
    /// nothing that looks finished, and a later one leaves the previous output whole; a rerun
    /// gives the bytes of an uninterrupted run.
    @Test func aKilledRunLeavesThePreviousOutputWholeAndARerunCompletesIt() throws {
        let dir = TestPaths.temporaryDirectory()
        let pipeline = try writePipeline(in: dir, levels: "[16k, 64k, 128k]", maxRecords: 10)
        #expect(try runProcess(longweave, ["run", "--quiet", "--root", dir, "--out", dir + "/whole", pipeline]).status == 0)
        let dataset = dir + "/killed/lveval/cli_fill"

        /// Starts a run and kills it once its staging folder holds a second shard.
        func killMidway() throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: longweave)
            process.arguments = ["run", "--quiet", "--threads", "1", "--root", dir, "--out", dir + "/killed", pipeline]
            try process.run()
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                if (try? shardFiles(dataset + "/.staging"))?.contains(where: { $0.hasSuffix("part-00001.jsonl.zst") }) == true { break }
                usleep(20_000)
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
            for shard in try shardFiles(dataset + "/.staging") where shard.hasSuffix(".jsonl.zst") {
                // Whatever carries a final name is complete.
                #expect(try runProcess("/usr/bin/env", ["zstd", "-tq", shard]).status == 0)
            }
        }

        try killMidway()
        #expect(!FileManager.default.fileExists(atPath: dataset + "/manifest.json"))
        #expect(try runProcess(longweave, ["verify", dataset]).status == 1)
        #expect(try runProcess(longweave, ["run", "--quiet", "--root", dir, "--out", dir + "/killed", pipeline]).status == 0)
        let finished = try shardFiles(dataset).map { try FileSystem.readAll($0) }

        try killMidway()
        #expect(try runProcess(longweave, ["verify", dataset]).status == 0)
        #expect(try shardFiles(dataset).filter { !$0.contains("/.staging") }.map { try FileSystem.readAll($0) } == finished)

        #expect(try runProcess(longweave, ["run", "--quiet", "--root", dir, "--out", dir + "/killed", pipeline]).status == 0)
        #expect(try runProcess(longweave, ["verify", dataset]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: dataset + "/.staging"))
        let whole = try shardFiles(dir + "/whole/lveval/cli_fill")
        let rerun = try shardFiles(dataset)
        #expect(whole.count == rerun.count)
        for (a, b) in zip(whole, rerun) {
            #expect(try FileSystem.readAll(a) == FileSystem.readAll(b))
        }
    }

    @Test func fetchRawChecksEverySha256() throws {
        let dir = TestPaths.temporaryDirectory()
        let catalog = """
        sources:
          - name: hotpotqa/dev.json
            mirror: hotpotqa/hotpot_dev_distractor_v1_100.json
            url: "file:///nonexistent/dev.json"
            upstream: "https://hotpotqa.github.io"
            license: "CC BY-SA 4.0"
            sha256: f764184c713165e24c511fa067f76217d2eb9ad5c87223f268a6feedf45e812b
        """
        try catalog.write(toFile: dir + "/SOURCES.yaml", atomically: true, encoding: .utf8)
        let ok = try runProcess(longweave, ["fetch-raw", "--catalog", dir + "/SOURCES.yaml", "--raw", dir + "/raw", "--mirror", TestPaths.sharedData])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(try Digest.sha256Hex(ofFile: dir + "/raw/hotpotqa/dev.json").hex == "f764184c713165e24c511fa067f76217d2eb9ad5c87223f268a6feedf45e812b")
        let again = try runProcess(longweave, ["fetch-raw", "--catalog", dir + "/SOURCES.yaml", "--raw", dir + "/raw", "--mirror", TestPaths.sharedData])
        #expect(String(decoding: again.stdout, as: UTF8.self).hasPrefix("ok "))

        // A copy that differs is refused and says what to do; so is a source found nowhere.
        let wrong = catalog.replacingOccurrences(of: "f764184c", with: "0000184c")
        try wrong.write(toFile: dir + "/SOURCES.yaml", atomically: true, encoding: .utf8)
        let mismatch = try runProcess(longweave, ["fetch-raw", "--catalog", dir + "/SOURCES.yaml", "--raw", dir + "/raw2", "--mirror", TestPaths.sharedData])
        #expect(mismatch.status == 1)
        #expect(mismatch.stderr.contains("sha256 of") && mismatch.stderr.contains("expected 0000184c"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/raw2/hotpotqa/dev.json"))
        let nowhere = try runProcess(longweave, ["fetch-raw", "--catalog", dir + "/SOURCES.yaml", "--raw", dir + "/raw3", "--mirror", dir + "/empty"])
        #expect(nowhere.status == 1)
        #expect(nowhere.stderr.contains("set RAW_MIRROR"))
    }

    @Test func listStagesShowsKeysTypesAndDefaults() throws {
        let result = try runProcess(longweave, ["list-stages"])
        let text = String(decoding: result.stdout, as: UTF8.self)
        #expect(text.contains("fill (assembling):"))
        #expect(text.contains("levels: non-empty list of length (16k, 128k, 1000); required. length levels, e.g. [16k, 32k, 64k, 128k, 256k]"))
        #expect(text.contains("tolerance: number 0...0.99; default 0.02."))
        #expect(text.contains("length_buckets: the older spelling of several stages (mode: fill runs fill; mode: m4le runs m4le; mode: needle runs needle; default mode fill)"))
        #expect(text.contains("ability: one of explicit-single|semantic-single|explicit-multiple|semantic-multiple|global"))
        #expect(text.contains("unit: string; default words. length unit: words (Python str.split), chars (Unicode scalars), tiktoken:PATH or hf:PATH (tokens)"))
        #expect(text.contains("hotpotqa (gives samples):"))
        #expect(text.contains("zstd_level: integer 1...22; default 10."))
    }
}

@Suite struct AuditCLITests {
    @Test func auditSlicesMergeAndBadInputExitsOne() throws {
        let dir = TestPaths.temporaryDirectory()
        let common = ["--benchmark", TestPaths.data("longbench/2wikimqa.jsonl"), "--format", "longbench", "--fields", "documents",
                      "--reference", TestPaths.data("wiki_paragraphs/2wikimultihopqa_corpus.json"), TestPaths.data("wikitext2/wiki.test.raw")]
        let single = try runProcess(longweave, ["audit"] + common + ["--out", dir + "/single"])
        #expect(single.status == 0, "\(single.stderr)")
        #expect(String(decoding: single.stdout, as: UTF8.self).contains("13 samples against 6120 reference documents"))
        for index in ["0", "1"] {
            // The slice comes from Slurm's array variables when no option says otherwise.
            let process = Process()
            process.executableURL = URL(fileURLWithPath: longweave)
            process.arguments = ["audit"] + common + ["--out", dir + "/sliced"]
            process.environment = ["SLURM_ARRAY_TASK_ID": index, "SLURM_ARRAY_TASK_COUNT": "2"]
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
        #expect(try runProcess(longweave, ["audit-merge", dir + "/sliced"]).status == 0)
        #expect(try FileSystem.readAll(dir + "/sliced/scores.jsonl") == FileSystem.readAll(dir + "/single/scores.jsonl"))

        let missing = try runProcess(longweave, ["audit", "--benchmark", dir + "/nothing.jsonl", "--format", "longbench",
                                                 "--reference", TestPaths.data("wikitext2/wiki.test.raw"), "--out", dir + "/x"])
        #expect(missing.status == 1 && missing.stderr.contains("nothing.jsonl: no such benchmark file or folder"))
        let badField = try runProcess(longweave, ["audit"] + common + ["--fields", "title", "--out", dir + "/x"])
        #expect(badField.status == 1 && badField.stderr.contains("--fields: unknown field 'title'"))
    }

    /// In a model's tokens: the report names the tokenizer and counts the reference in its
    /// ids; its slices merge into the single run's bytes; a tokenizer that is not there is exit 1.
    @Test func auditInAModelsTokens() throws {
        let dir = TestPaths.temporaryDirectory()
        let cl100k = TestPaths.data("tokenizers/cl100k_base/cl100k_base.tiktoken")
        let common = ["--benchmark", TestPaths.data("longbench/2wikimqa.jsonl"), "--format", "longbench", "--fields", "documents",
                      "--reference", TestPaths.data("wiki_paragraphs/2wikimultihopqa_corpus.json"), "--n", "13", "--tokenizer", "tiktoken:" + cl100k]
        let single = try runProcess(longweave, ["audit"] + common + ["--out", dir + "/single"])
        #expect(single.status == 0, "\(single.stderr)")
        let report = try JSONValue.parse(file: dir + "/single/report.json")
        #expect(report["parameters"]?["tokenizer"]?.stringValue == "tiktoken:" + cl100k)
        let words = try runProcess(longweave, ["audit"] + common.dropLast(2) + ["--out", dir + "/words"])
        #expect(words.status == 0, "\(words.stderr)")
        let wordTokens = try JSONValue.parse(file: dir + "/words/report.json")["reference"]?["tokens"]?.numberValue ?? 0
        let modelTokens = report["reference"]?["tokens"]?.numberValue ?? 0
        #expect(modelTokens > wordTokens * 1.1, "\(modelTokens) tokens against \(wordTokens) words")
        for index in 0..<2 {
            let slice = try runProcess(longweave, ["audit"] + common + ["--out", dir + "/sliced", "--shard-index", "\(index)", "--shard-count", "2"])
            #expect(slice.status == 0, "\(slice.stderr)")
        }
        #expect(try runProcess(longweave, ["audit-merge", dir + "/sliced"]).status == 0)
        #expect(try FileSystem.readAll(dir + "/sliced/scores.jsonl") == FileSystem.readAll(dir + "/single/scores.jsonl"))
        let missing = try runProcess(longweave, ["audit"] + common.dropLast(2) + ["--tokenizer", "hf:" + dir + "/none.json", "--out", dir + "/x"])
        #expect(missing.status == 1 && missing.stderr.contains("--tokenizer: tokenizer file " + dir + "/none.json does not exist"))
    }
}
