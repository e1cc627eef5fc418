import Foundation
import PipelineTestSupport
import Testing
import LongweaveTestSupport
@testable import LongweaveCore
import LongweaveIO
import LongweavePrompts
import LongweaveStages
import LongweaveText

/// Records as the models of `models:` see them: `meta.prompt_tokens` counted again here from
/// the record's fields (`make test` checks the same against transformers and tiktoken),
/// `fit` records inside their band, what does not fit rejected, the bytes the same whatever
/// the threads and slices.
@Suite struct PromptTokensTests {
    /// A pipeline of `pipelines/lveval_fit/` at small levels.
    static func fitYAML(_ split: String, levels: String = "[8k, 12k]") throws -> String {
        try String(contentsOfFile: TestPaths.packageRoot + "/pipelines/lveval_fit/\(split).yaml", encoding: .utf8)
            .replacingOccurrences(of: "levels: [16k, 32k, 64k, 128k]", with: "levels: \(levels)")
            .replacingOccurrences(of: "count: 200", with: "count: 5")
            .replacingOccurrences(of: "zstd_level: 10", with: "zstd_level: 1")
    }

    /// The prompt of a record as the test fills it: LongBench's template, then the chat template.
    static func recount(_ record: [String: Any], template: String, chat: ChatTemplate?, tokenizer: Tokenizer) throws -> Int {
        let prompt = PromptTemplate.fill(template) { record[$0] as! String }
        return tokenizer.count(try chat?.userTurn(prompt) ?? prompt)
    }

    @Test(arguments: ["hotpotwikiqa_mixup", "cmrc_mixup", "factrecall_zh"])
    func fittedRecordsLandInTheirBandAndCountExactly(_ split: String) throws {
        let root = try LVEvalPipelinesTests.root()
        let summary = try LVEvalPipelinesTests.run(try Self.fitYAML(split), in: root)
        let spec = try PipelineLoader.load(text: try Self.fitYAML(split), file: "p.yaml", root: root, registry: .standard)
        let template = try #require(spec.prompt?.template)
        let qwen2 = try TokenizerSpec(spec.models[0].tokenizer, root: root).load()
        let chat = try ChatTemplate(path: spec.resolve(spec.models[0].chatTemplate!))
        let o200k = try TokenizerSpec(spec.models[1].tokenizer, root: root).load()
        let manifest = try JSONValue.parse(file: root + "/build/lveval_fit/\(split)/manifest.json")
        #expect(summary.streams.allSatisfy { $0.records > 0 })
        for (level, budget) in [("8k", 8_000), ("12k", 12_000)] {
            var counts: [Int] = []
            for record in try records(root + "/build/lveval_fit/\(split)/\(level)") {
                let meta = record["meta"] as! [String: Any]
                let tokens = meta["prompt_tokens"] as! [String: Int]
                #expect(Array(tokens.keys).sorted() == ["gpt-4", "gpt-4o", "qwen2"])
                let qwen = tokens["qwen2"]!
                #expect(qwen == (try Self.recount(record, template: template, chat: chat, tokenizer: qwen2)), "\(record["_id"]!)")
                #expect(tokens["gpt-4o"]! == (try Self.recount(record, template: template, chat: nil, tokenizer: o200k)), "\(record["_id"]!)")
                // fit: {model: qwen2}: the prompt plus 64 answer tokens in [level * 0.98, level].
                #expect(Double(qwen + 64) >= Double(budget) * 0.98 && qwen + 64 <= budget, "\(record["_id"]!): \(qwen)")
                let lengths = meta["lengths"] as! [String: Int]
                #expect(lengths.count == 1 && lengths.values.first! == meta["context_length"] as! Int)
                counts.append(qwen)
            }
            let stats = try #require(manifest["levels"]?[level]?["prompt_tokens"]?["qwen2"])
            #expect(stats["min"]?.intValue == counts.min() && stats["max"]?.intValue == counts.max() && stats["over_window"]?.intValue == 0)
        }
    }

    /// `fit: all` on a needle split: a record over a model's window is a reject with its
    /// reason; the others are written; nothing is lost.
    @Test func fitAllRejectsWhatDoesNotFit() throws {
        let root = try LVEvalPipelinesTests.root()
        let yaml = try Self.fitYAML("factrecall_en", levels: "[8k, 16k]")
            .replacingOccurrences(of: "fit: {model: qwen2}", with: "fit: all\n      unit: words")
            .replacingOccurrences(of: "window: 131072", with: "window: 16000")
        let summary = try LVEvalPipelinesTests.run(yaml, in: root)
        let out = root + "/build/lveval_fit/factrecall_en"
        let written = try records(out + "/8k")
        #expect(written.count == 5)
        for record in written {
            let tokens = (record["meta"] as! [String: Any])["prompt_tokens"] as! [String: Int]
            #expect(tokens["qwen2"]! <= 16000 - 64)
        }
        // A 16k-word haystack is more than 16,000 Qwen2 tokens: every record is rejected.
        #expect(summary.streams.first { $0.name == "16k" }?.records == 0)
        let rejects = try String(contentsOfFile: out + "/rejects.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(rejects.count == 5 && rejects.allSatisfy { $0.contains("16k: does not fit qwen2") && $0.contains("over its window 16000 less 64 answer tokens") })
        #expect(summary.rejects == 5)
    }

    @Test func sameBytesWhateverTheThreadsAndSlices() throws {
        let root = try LVEvalPipelinesTests.root()
        let yaml = try Self.fitYAML("multifieldqa_zh_mixup", levels: "[8k]")
            .replacingOccurrences(of: "max_records: 500", with: "max_records: 4")
        var hashes: [[String]] = []
        for threads in [1, 2] {
            let summary = try LVEvalPipelinesTests.run(yaml, in: root, threads: threads)
            hashes.append(summary.streams.flatMap { $0.shards.map(\.sha256) })
        }
        #expect(hashes[0] == hashes[1] && hashes[0].count >= 2)
        let whole = try Data(contentsOf: URL(fileURLWithPath: root + "/build/lveval_fit/multifieldqa_zh_mixup/manifest.json"))
        try yaml.write(toFile: root + "/p.yaml", atomically: true, encoding: .utf8)
        let spec = try PipelineLoader.load(file: root + "/p.yaml", root: root, registry: .standard)
        for index in 0..<3 {
            _ = try Runner(spec: spec, registry: .standard,
                           options: RunOptions(threads: 2, outputBase: root + "/sliced", progress: false, slice: try RunSlice(index: index, count: 3)),
                           root: root).run()
        }
        _ = try SliceMerge.merge(directory: root + "/sliced/lveval_fit/multifieldqa_zh_mixup")
        let merged = try JSONValue.parse(file: root + "/sliced/lveval_fit/multifieldqa_zh_mixup/manifest.json")
        let original = try JSONValue.parse(file: root + "/build/lveval_fit/multifieldqa_zh_mixup/manifest.json")
        #expect(merged["shards"] == original["shards"] && merged["levels"] == original["levels"], "\(String(decoding: whole, as: UTF8.self).prefix(200))")
    }
}
