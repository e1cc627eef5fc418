import Foundation
import PipelineTestSupport
import Testing
import LongweaveTestSupport
@testable import LongweaveCore
import LongweaveStages

@Suite struct PipelineValidationTests {
    func diagnostics(_ yaml: String) throws -> [Diagnostic] { try pipelineDiagnostics(yaml) }

    @Test func everyErrorIsReportedWithItsLineAndColumn() throws {
        let found = try diagnostics("""
        version: 1
        name: lveval/broken
        seed: -3
        langauge: en
        inputs:
          - {id: dev, path: raw/nowhere.json, format: hotpotqa}
          - {id: wiki, path: p.yaml, format: paragrahps}
        stages:
          - lenght_buckets: {levels: [16k]}
          - length_buckets:
              levels: [16k, 12q, 0]
              unti: words
              distractors: [wikki]
        output: {shard: {max_records: 0, max_bytes: -5MiB}, zstd_level: 30}
        """)
        let lines = found.map { "\($0.line):\($0.column) \($0.message)" + ($0.suggestion.map { " ~\($0)" } ?? "") }
        let expected = [
            "3:7 seed: expected integer >= 0, found -3",
            "4:1 unknown top-level key 'langauge', expected one of: version, name, seed, language, inputs, stages, output ~language",
            "6:21 input 'dev': missing input file",
            "7:38 inputs: unknown format 'paragrahps', expected one of: cmrc2018, continuation, dureader, hotpotqa, html, jsonl, longbench, loogle, mediawiki, paragraphs, squad, text ~paragraphs",
            "9:5 stages: unknown stage 'lenght_buckets', expected one of: answer_keywords, clean, confusing_facts, contamination, fill, keyword_replacement, m4le, needle, select ~length_buckets",
            "11:21 stage 'length_buckets' (fill) key 'levels': expected a positive length like 16k, 128k or 1000, found '12q'",
            "11:26 stage 'length_buckets' (fill) key 'levels': expected a positive length like 16k, 128k or 1000, found '0'",
            "12:7 stage 'length_buckets' (fill): unknown key 'unti'",
            "13:21 stage 'length_buckets' (fill) key 'distractors': expected the id of an input (dev, wiki), found 'wikki' ~wiki",
            "14:31 output.shard key 'max_records': expected integer >= 1, found 0",
            "14:45 output.shard key 'max_bytes': expected a positive size like 256MiB, 1GiB or 4096, found '-5MiB'",
            "14:65 output key 'zstd_level': expected integer 1...22, found 30",
        ]
        #expect(found.count == expected.count, "\(lines.joined(separator: "\n"))")
        for (line, prefix) in zip(lines, expected) {
            let (head, suggestion) = prefix.split(separator: "~").map(String.init).count == 2
                ? (String(prefix.split(separator: "~")[0]), " ~" + prefix.split(separator: "~")[1]) : (prefix, "")
            #expect(line.hasPrefix(head.trimmingCharacters(in: .whitespaces)), "\(line)")
            #expect(suggestion.isEmpty || line.hasSuffix(suggestion), "\(line)")
        }
        #expect(found.allSatisfy { $0.file.hasSuffix("/p.yaml") })
    }

    @Test func yamlSyntaxErrorsAndMissingKeys() throws {
        let syntax = try diagnostics("version: 1\nname: [unclosed\n")
        #expect(syntax.count == 1)
        #expect(syntax[0].line >= 2 && syntax[0].message.hasPrefix("YAML"))

        let missing = try diagnostics("version: 1\nname: x\n")
        #expect(missing.map(\.message).sorted() == ["missing required key 'inputs'", "missing required key 'seed'", "missing required key 'stages'"])
        #expect(missing.allSatisfy { $0.line == 1 && $0.column == 1 })

        let twice = try diagnostics("version: 1\nversion: 2\nname: x\nseed: 1\ninputs: []\nstages: []\n")
        #expect(twice.contains { $0.message == "key 'version' is given more than once in one mapping" })
    }


    @Test func stageChecksBeyondTypes() throws {
        let found = try diagnostics(hotpotPipeline(stage: "length_buckets: {levels: [16k, 16000], distractors: [dev]}"))
        #expect(found.count == 1)
        #expect(found[0].line == 7 && found[0].message.contains("level 16k is listed twice"))

        for (unit, message) in [("sentencepiece:x.model", "unit: unknown tokenizer 'sentencepiece:x.model', expected words, chars, tiktoken:PATH or hf:PATH"),
                                ("tiktoken:raw/none.tiktoken", "raw/none.tiktoken does not exist"),
                                ("words\", encoding: \"o200k_bsae", "encoding: expected one of gpt2, r50k_base, p50k_base, cl100k_base, o200k_base, qwen, found 'o200k_bsae' (did you mean 'o200k_base'?)")] {
            let problems = try diagnostics(hotpotPipeline(stage: "length_buckets: {levels: [16k], unit: \"\(unit)\"}"))
            #expect(problems.count == 1)
            #expect(problems.first?.message.contains(message) == true, "\(problems)")
        }
    }
}
