import Foundation
import LongweaveCore
import LongweaveIO
import LongweaveStages
import LongweaveTestSupport
import Testing
@testable import LongweaveExport

/// Exports of real splits (the project's pipelines at small levels), each read the way the
/// project it is for reads it.
@Suite(.serialized) struct ExportTests {
    /// LV-Eval splits at 8k and 16k and M4LE splits at 1k, 2k and 4k, built once.
    static let built: String = {
        let root = TestPaths.temporaryDirectory("export-build")
        try! FileManager.default.createSymbolicLink(atPath: root + "/raw", withDestinationPath: TestPaths.sharedData)
        try! FileManager.default.createSymbolicLink(atPath: root + "/pipelines", withDestinationPath: TestPaths.packageRoot + "/pipelines")
        for pipeline in ["hotpotwikiqa_mixup", "cmrc_mixup", "factrecall_zh"] {
            var text = try! String(contentsOfFile: TestPaths.packageRoot + "/pipelines/lveval/\(pipeline).yaml", encoding: .utf8)
            text = text.replacingOccurrences(of: "levels: [16k, 32k, 64k, 128k, 256k]", with: "levels: [8k, 16k]")
                .replacingOccurrences(of: "count: 200", with: "count: 5").replacingOccurrences(of: "zstd_level: 10", with: "zstd_level: 1")
            try! build(text, in: root)
        }
        for pipeline in ["hotpotqa_semantic_multiple", "hotpotqa_explicit_multiple", "dureader_semantic_single", "wikitext_semantic_single", "squad_explicit_single"] {
            var text = try! String(contentsOfFile: TestPaths.packageRoot + "/pipelines/m4le/\(pipeline).yaml", encoding: .utf8)
            text = text.replacing(/(?m)^(\s+)per_bucket: 200$/) { "\($0.1)per_bucket: 6\n\($0.1)buckets: [1k, 2k, 4k]" }
                .replacingOccurrences(of: ", per_bucket: 200", with: ", per_bucket: 6, buckets: [1k, 2k, 4k]")
                .replacingOccurrences(of: "zstd_level: 10", with: "zstd_level: 1")
            try! build(text, in: root)
        }
        return root + "/build"
    }()

    static func build(_ yaml: String, in root: String) throws {
        let file = root + "/pipeline.yaml"
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        let spec = try PipelineLoader.load(file: file, root: root, registry: .standard)
        _ = try Runner(spec: spec, registry: .standard, options: RunOptions(threads: 2, outputBase: root + "/build", progress: false), root: root).run()
    }

    static func lines(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    /// LV-Eval's split names, as its `config.py` lists them.
    static let lvevalSplits: Set<String> = ["hotpotwikiqa_mixup", "loogle_SD_mixup", "loogle_CR_mixup", "loogle_MIR_mixup", "multifieldqa_en_mixup",
                                            "multifieldqa_zh_mixup", "factrecall_en", "factrecall_zh", "cmrc_mixup", "lic_mixup", "dureader_mixup"]

    /// `utils.load_LVEval_dataset(f"{name}_{level}", data_path)` reads `{data_path}/{name}_{level}.jsonl`,
    /// one JSON object per line; `prediction.py` takes the split from the name with
    /// `re.split('_.{1,3}k', name)[0]`, fills the split's prompt with `{context}` and `{input}`,
    /// and keeps `answers`, `answer_keywords`, `input`, `all_classes` and `length`.
    @Test func lvevalsLoaderFindsEveryRecordWithTheFieldsItReads() throws {
        let out = TestPaths.temporaryDirectory()
        let summary = try Exporter.export(.lveval, from: [Self.built + "/lveval"], to: out)
        let inputs = try ExportInput.find(under: Self.built + "/lveval")
        var expected = 0
        for input in inputs {
            for stream in input.streams where stream.records > 0 {
                let name = "\(input.dataset)_\(stream.name)"
                let split = name.split(separator: /_.{1,3}k/, maxSplits: 1).first.map(String.init)
                #expect(split == input.dataset && Self.lvevalSplits.contains(input.dataset), "\(name)")
                let records = try Self.lines(out + "/" + name + ".jsonl")
                #expect(records.count == stream.records)
                expected += records.count
                for record in records {
                    #expect(record["input"] is String && record["context"] is String && record["length"] is Int)
                    #expect((record["answers"] as? [String])?.isEmpty == false)
                    #expect(record.keys.contains("answer_keywords") && record.keys.contains("all_classes"))
                    #expect(record["dataset"] as? String == input.dataset && record["length_level"] as? String == stream.name)
                }
            }
        }
        #expect(expected > 40 && summary.files.reduce(0) { $0 + $1.records } == expected)
        // The manifest's sha256s are the files'.
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/export-manifest.json"))) as? [String: Any])
        for file in try #require(manifest["files"] as? [[String: Any]]) {
            #expect(try Digest.sha256Hex(ofFile: out + "/" + (file["path"] as! String)).hex == file["sha256"] as? String)
        }
    }

    /// M4LE's task names (the keys of `tasks_param` in its `evaluation.py`) for the tasks
    /// built from longweave's sources, with each task's metric and end tokens.
    static let m4leTasks: [String: (metric: String, endTokens: [String])] = [
        "hotpotqa": ("acc", ["\n", "."]), "dureader": ("acc", ["\n", "。"]), "wikitext-103": ("exact_match", ["."]),
    ]
    /// The names by M4LE's scheme for sources it has no task for, scored like M4LE's task of
    /// the same kind (`drcd_explicit-single_ret`, `mnds-news_explicit-multiple_cls+ret`).
    static let schemeTasks: [String: (metric: String, endTokens: [String])] = [
        "hotpotqa_explicit-multiple_ret": ("cls_f1", []), "squad_explicit-single_ret": ("acc", ["，", "\n"]),
    ]

    /// M4LE's prompt is `instruction + "\n" + input`; its fields have its types; a gold answer
    /// scores full marks under the task's metric, after M4LE's own end-token cut.
    @Test func m4lesEvaluationFindsEveryTaskAndScoresGoldAnswersInFull() throws {
        let out = TestPaths.temporaryDirectory()
        let summary = try Exporter.export(.m4le, from: [Self.built + "/m4le"], to: out)
        #expect(Set(summary.files.map(\.path)) == Set((Self.m4leTasks.keys.map { $0 } + Self.schemeTasks.keys.map { $0 }).map { $0 + ".jsonl" }))
        var cut: [String] = []
        var total = 0
        for file in summary.files {
            let task = String(file.path.dropLast(".jsonl".count))
            let (metric, endTokens) = try #require(Self.m4leTasks[task] ?? Self.schemeTasks[task])
            let records = try Self.lines(out + "/" + file.path)
            #expect(records.count == file.records && records.count >= 6)
            total += records.count
            var buckets: [Int] = []
            for record in records {
                let instruction = try #require(record["instruction"] as? String), input = try #require(record["input"] as? String)
                #expect(!(instruction + "\n" + input).isEmpty)
                let answers = try #require(record["answers"] as? [String])
                let bucket = try #require(record["length_bucket"] as? Int)
                #expect(record["input_length"] is Int && (record["total_length"] as? Int).map { $0 <= bucket } == true)
                buckets.append(bucket)
                // The model answers with the gold answer.
                var response = answers[0]
                for token in endTokens { response = String(response.components(separatedBy: token)[0]).trimmingCharacters(in: .whitespaces) }
                let score: Double
                switch metric {
                case "acc": score = answers.contains { response.lowercased().contains($0.lowercased()) } ? 1 : 0
                case "exact_match": score = answers.contains { $0.lowercased().trimmingCharacters(in: .whitespaces) == response.lowercased() } ? 1 : 0
                default:
                    // M4LE's ID-list preprocessing: up to the first full stop, split at commas.
                    func ids(_ text: String) -> Set<String> {
                        Set(text.components(separatedBy: ".")[0].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                    }
                    score = ids(answers[0]) == ids(response) ? 1 : 0
                }
                if score < 1 {
                    // Only where M4LE's end-token cut shortened the gold answer itself.
                    #expect(endTokens.contains { answers[0].contains($0) }, "\(task): \(answers[0])")
                    cut.append("\(task): \(answers[0])")
                }
            }
            #expect(buckets == buckets.sorted(), "\(task): buckets smallest first")
        }
        // Named: the gold answers that M4LE's own end-token cut shortens (DuReader's sentences
        // end in 。, some names hold a full stop).
        print("m4le: \(cut.count) of \(total) gold answers are shortened by M4LE's end tokens:\n" + cut.joined(separator: "\n"))
        #expect(cut.count * 4 < total, "\(cut)")
    }

    /// LongBench's fields, in its order.
    @Test func longBenchRecordsHaveLongBenchsFields() throws {
        let out = TestPaths.temporaryDirectory()
        let summary = try Exporter.export(.longbench, from: [Self.built + "/lveval", Self.built + "/m4le"], to: out)
        #expect(summary.files.count > 10)
        for file in summary.files {
            let first = try #require(String(contentsOfFile: out + "/" + file.path, encoding: .utf8).split(separator: "\n").first)
            let keys = try Array(first.utf8).withUnsafeBytes { bytes in
                var parser = JSONParser(bytes: bytes)
                return try parser.parseDocument().objectValue?.keys
            }
            #expect(keys == ["input", "context", "answers", "length", "dataset", "language", "all_classes", "_id"], "\(file.path)")
        }
    }

    /// One config per split and level in the card's YAML, its data files the level's shards.
    @Test func huggingFaceFolderHasAConfigPerSplitAndLevel() throws {
        let out = TestPaths.temporaryDirectory()
        let summary = try Exporter.export(.hf, from: [Self.built + "/lveval", Self.built + "/m4le"], to: out)
        let card = try String(contentsOfFile: out + "/README.md", encoding: .utf8)
        let configs = card.split(separator: "\n").filter { $0.hasPrefix("- config_name: ") }
        let inputs = try ExportInput.find(under: Self.built)
        // One per split and level, and one per M4LE task.
        #expect(configs.count == inputs.reduce(0) { $0 + $1.streams.filter { $0.records > 0 }.count + ($1.kind == .m4le ? 1 : 0) })
        #expect(card.contains("- config_name: \"hotpotwikiqa_mixup_16k\"") && card.contains("- config_name: \"hotpotqa_1k\""))
        #expect(card.contains("- config_name: \"hotpotqa\"\n  data_files:\n  - split: test\n    path:\n    - \"data/hotpotqa_1k/*.jsonl.zst\"\n    - \"data/hotpotqa_2k/*.jsonl.zst\""))
        #expect(card.contains("| hotpot-dev | raw/hotpotqa/hotpot_dev_distractor_v1_100.json |"))
        let shards = summary.files.filter { $0.path.hasPrefix("data/") }
        #expect(shards.count == inputs.reduce(0) { $0 + $1.streams.reduce(0) { $0 + $1.shards.count } })
        for shard in shards { #expect(try Digest.sha256Hex(ofFile: out + "/" + shard.path).hex == shard.sha256) }
    }

    /// An export replaces only what an earlier export wrote: a user's file, or a link, stops
    /// it before anything is written, and stays.
    @Test func anExportTouchesOnlyItsOwnFiles() throws {
        let out = TestPaths.temporaryDirectory()
        _ = try Exporter.export(.lveval, from: [Self.built + "/lveval/cmrc_mixup"], to: out)
        // Again: its own files are replaced, one it no longer writes is removed.
        try Array("old\n".utf8).write(to: out + "/cmrc_mixup_8k.jsonl")
        _ = try Exporter.export(.lveval, from: [Self.built + "/lveval/factrecall_zh"], to: out)
        #expect(!FileManager.default.fileExists(atPath: out + "/cmrc_mixup_8k.jsonl") && FileManager.default.fileExists(atPath: out + "/factrecall_zh_16k.jsonl"))
        try Array("mine\n".utf8).write(to: out + "/notes.txt")
        #expect { try Exporter.export(.lveval, from: [Self.built + "/lveval/cmrc_mixup"], to: out) } throws: { "\($0)".contains("notes.txt was not written by a longweave export") }
        #expect(try FileSystem.readAll(out + "/notes.txt") == Array("mine\n".utf8) && FileManager.default.fileExists(atPath: out + "/factrecall_zh_16k.jsonl"))
        try FileManager.default.removeItem(atPath: out + "/notes.txt")
        try FileManager.default.createSymbolicLink(atPath: out + "/cmrc_mixup_16k.jsonl", withDestinationPath: "/etc/hostname")
        #expect { try Exporter.export(.lveval, from: [Self.built + "/lveval/cmrc_mixup"], to: out) } throws: { "\($0)".contains("cmrc_mixup_16k.jsonl was not written") }
        // Two outputs that would write the same file: refused before the folder is touched.
        #expect { try Exporter.export(.lveval, from: [Self.built + "/lveval/cmrc_mixup", Self.built + "/lveval/cmrc_mixup"], to: TestPaths.temporaryDirectory()) }
            throws: { "\($0)".contains("would both export cmrc_mixup_8k.jsonl") }
        #expect { try Exporter.export(.m4le, from: [Self.built + "/lveval"], to: TestPaths.temporaryDirectory()) } throws: { "\($0)".contains("nothing under") }
        // A shard that is not what its manifest says is not vouched for.
        let copy = TestPaths.temporaryDirectory() + "/cmrc_mixup"
        try FileManager.default.copyItem(atPath: Self.built + "/lveval/cmrc_mixup", toPath: copy)
        let shard = try #require(try DatasetReader.shards(at: copy + "/8k").first)
        var bytes = try FileSystem.readAll(shard)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: shard)
        #expect { try Exporter.export(.hf, from: [copy], to: TestPaths.temporaryDirectory()) } throws: { "\($0)".contains("differs from its manifest") }
    }
}

extension Array where Element == UInt8 {
    func write(to path: String) throws { try FileSystem.writeAtomically(self, to: path) }
}
