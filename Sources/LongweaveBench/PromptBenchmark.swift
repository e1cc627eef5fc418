import Foundation
import LongweaveCore
import LongweaveIO
import LongweavePrompts
import LongweaveStages

/// `meta.prompt_tokens`: one LV-Eval-sized record (a 256k-word context of WikiText-2 and a
/// question in LongBench's hotpotqa prompt) measured for three models (Qwen2 with its chat
/// template, o200k, cl100k), against measuring it for Qwen2 alone (one tokenizer on one
/// core): the models share the filled prompt and count in parallel, each prompt in segments
/// cut where its tokenizer cuts anyway, so three should cost at most 1.5x one.
enum PromptBenchmark: Benchmark {
    static let section = BenchSection.prompts

    static func measure(_ models: String, record: JSONValue, bench: BenchRun) throws -> (seconds: Double, counts: [Int]) {
        let yaml = """
            version: 1
            name: bench/prompts
            seed: 1
            inputs: [{id: wiki, path: raw/wikitext2/wiki.test.raw, format: text}]
            stages: [{length_buckets: {mode: fill, levels: [1k]}}]
            models:
            \(models)
            prompt: {template_file: raw/longbench/dataset2prompt.json, key: hotpotqa}
            """
        let spec = try PipelineLoader.load(text: yaml, file: "bench-prompts.yaml", root: bench.root, registry: .standard)
        let measure = try ModelPrompts.make(spec)
        var counts: [Int] = []
        let seconds = try best(3) { counts = try measure.promptTokens(of: record) }
        return (seconds, counts)
    }

    static func run(_ bench: inout BenchRun) throws {
        let words = try bench.wikitextArticles().joined(separator: "\n\n").split(separator: " ", omittingEmptySubsequences: true)
        var context = words
        while context.count < 256_000 { context += words }
        let text = context.prefix(256_000).joined(separator: " ")
        let record = JSONValue.object(JSONObject([("input", .string("Which article mentions the river first?")), ("context", .string(text))]))
        let qwen2 = #"  - {name: qwen2, tokenizer: "hf:raw/tokenizers/qwen2/tokenizer.json", chat_template: raw/tokenizers/qwen2/tokenizer_config.json, window: 1000000}"#
        let others = """
              - {name: gpt-4o, tokenizer: "tiktoken:raw/tokenizers/o200k_base/o200k_base.tiktoken.gz", window: 1000000}
              - {name: gpt-4, tokenizer: "tiktoken:raw/tokenizers/cl100k_base/cl100k_base.tiktoken", window: 1000000}
            """
        let one = try measure(qwen2, record: record, bench: bench)
        let three = try measure(qwen2 + "\n" + others, record: record, bench: bench)
        print("prompt tokens of a 256k-word record: qwen2 \(three.counts[0]), o200k \(three.counts[1]), cl100k \(three.counts[2])")
        // The target: three models in at most 1.5 times one model's time.
        bench.compare("prompt_tokens, 3 models (256k words)", ours: three.seconds, reference: one.seconds * 1.5,
                      referenceName: "1 model (qwen2) x 1.5", bytes: text.utf8.count, target: .ratio(1))
    }
}
