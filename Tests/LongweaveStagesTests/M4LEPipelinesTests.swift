import Foundation
import PipelineTestSupport
import Testing
import LongweaveTestSupport
@testable import LongweaveCore
import LongweaveIO
import LongweaveText
@testable import LongweaveStages

/// The pipeline files of `pipelines/m4le/` themselves, run on the real data with smaller
/// buckets and counts, every record checked against the rules of M4LE's construction.
@Suite struct M4LEPipelinesTests {
    struct Expectation: Sendable, CustomStringConvertible {
        var pipeline: String
        /// Matches the start of a passage line: its label.
        var label: String
        var chinese = false
        /// Every answer occurs in a gold passage (extractive QA).
        var answersInGold = false
        /// Buckets the data can fill with `perBucket` records.
        var fillable: [String] = []
        var description: String { pipeline }
    }

    static let buckets = [1_000, 2_000, 4_000, 8_000, 16_000]
    static let perBucket = 12
    static let expectations: [Expectation] = [
        Expectation(pipeline: "squad_explicit_single", label: #"Passage [0-9A-F]{6}: "#, answersInGold: true, fillable: ["1k", "2k", "4k", "8k", "16k"]),
        Expectation(pipeline: "squad_semantic_single", label: #"Passage \d+: "#, answersInGold: true, fillable: ["1k", "2k", "4k", "8k", "16k"]),
        Expectation(pipeline: "cmrc_explicit_single", label: #"段落\d+: "#, chinese: true, answersInGold: true, fillable: ["1k", "2k", "4k", "8k", "16k"]),
        Expectation(pipeline: "dureader_semantic_single", label: #"文章 \[\d+\]\(标题：[^\n]*?\) "#, chinese: true),
        Expectation(pipeline: "hotpotqa_semantic_multiple", label: #"Paragraph \d+: "#, fillable: ["1k", "2k", "4k", "8k", "16k"]),
        Expectation(pipeline: "hotpotqa_explicit_multiple", label: #"Passage [0-9A-F]{6}: "#, fillable: ["1k", "2k", "4k", "8k", "16k"]),
        Expectation(pipeline: "wikitext_semantic_single", label: #"Candidate Paragraph [0-9A-F]{6}: "#, fillable: ["1k", "2k", "4k", "8k", "16k"]),
        Expectation(pipeline: "loogle_global", label: #"Document: "#, fillable: ["16k"]),
    ]

    /// The pipeline file with `buckets` and `per_bucket` made small; without its
    /// length_buckets stage (the samples themselves) when `samplesOnly`.
    static func yaml(_ pipeline: String, buckets: [Int] = buckets, perBucket: Int = perBucket, samplesOnly: Bool = false) throws -> String {
        var text = try String(contentsOfFile: TestPaths.packageRoot + "/pipelines/m4le/\(pipeline).yaml", encoding: .utf8)
        let list = "[" + buckets.map(ValueSyntax.levelName).joined(separator: ", ") + "]"
        text = text.replacing(/(?m)^(\s+)per_bucket: 200$/) { "\($0.1)per_bucket: \(perBucket)\n\($0.1)buckets: \(list)" }
            .replacingOccurrences(of: ", per_bucket: 200", with: ", per_bucket: \(perBucket), buckets: \(list)")
            .replacingOccurrences(of: "zstd_level: 10", with: "zstd_level: 1")
        if samplesOnly {
            // Without its assembling stage a pipeline measures nothing for models: they go too.
            if let start = text.range(of: "\n# What each model"), let end = text.range(of: "\noutput:") {
                text.removeSubrange(start.lowerBound..<end.lowerBound)
            }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            var kept: [Substring] = []
            var inStage = false
            for line in lines where !line.hasPrefix("  #") {
                if line.hasPrefix("  - length_buckets:") { inStage = true; continue }
                if inStage && line.hasPrefix("      ") { continue }
                inStage = false
                kept.append(line)
            }
            text = kept.joined(separator: "\n").replacingOccurrences(of: "name: m4le/", with: "name: samples/")
            text = text.replacingOccurrences(of: "stages:\noutput:", with: "stages: []\noutput:")
        }
        return text
    }

    /// Lengths as the test counts them on its own: Python's `str.split()` words, or characters.
    static func length(_ text: String, chinese: Bool) -> Int {
        chinese ? text.unicodeScalars.count : text.unicodeScalars.split { $0.properties.isWhitespace }.count
    }

    /// The passages of an input: after the one-shot example, each from its label to the next.
    static func passages(_ input: String, label: String) throws -> (labels: [String], texts: [String]) {
        let body = String(input.split(separator: "\n\n", maxSplits: 1)[1])
        let regex = try Regex("(?m)^" + label)
        let matches = body.matches(of: regex)
        var labels: [String] = []
        var texts: [String] = []
        for (k, match) in matches.enumerated() {
            let end = k + 1 < matches.count ? matches[k + 1].range.lowerBound : body.endIndex
            labels.append(String(body[match.range]))
            texts.append(String(body[match.range.upperBound..<end]))
        }
        // The last passage ends where the question starts (a question may have lines of its own).
        if let last = texts.indices.last, let cut = questionStart(texts[last]) {
            texts[last] = String(texts[last][..<cut.lowerBound])
        }
        return (labels, texts.map { $0.hasSuffix("\n") ? String($0.dropLast()) : $0 })
    }

    /// Where the question after the passages starts (M4LE's WikiText task has no question line).
    static func questionStart(_ text: String) -> Range<String.Index>? {
        text.range(of: "\nQuestion: ", options: .backwards) ?? text.range(of: "\n问题：", options: .backwards)
            ?? text.range(of: "\nAnswer:", options: .backwards)
    }

    @Test(arguments: expectations)
    func recordsKeepM4LEsRules(_ expectation: Expectation) throws {
        let root = try LVEvalPipelinesTests.root()
        _ = try LVEvalPipelinesTests.run(try Self.yaml(expectation.pipeline, samplesOnly: true), in: root)
        var evidence: [String: [String]] = [:]
        var sampleQuestions: [String: String] = [:]
        for sample in try records(root + "/build/samples/\(expectation.pipeline)/all") {
            sampleQuestions[sample["id"] as! String] = sample["question"] as? String
            let documents = sample["documents"] as! [[String: Any]]
            let texts = documents.filter { $0["evidence"] as! Bool }.map { $0["text"] as! String }
            evidence[sample["id"] as! String] = expectation.pipeline.hasSuffix("global") ? [documents.map { $0["text"] as! String }.joined(separator: "\n")] : texts
        }
        let summary = try LVEvalPipelinesTests.run(try Self.yaml(expectation.pipeline), in: root)
        let out = root + "/build/m4le/\(expectation.pipeline)"
        let stats = summary.stages.last!
        var written = 0
        for (position, bucket) in Self.buckets.enumerated() {
            let name = ValueSyntax.levelName(bucket)
            let lower = position == 0 ? 0 : Self.buckets[position - 1]
            // A bucket without records has no folder.
            let folder = out + "/" + name
            let hasShards = try FileSystem.exists(folder) && FileSystem.list(folder).contains { $0.hasPrefix("part-") }
            let bucketRecords = hasShards ? try records(folder) : []
            written += bucketRecords.count
            let eligible = stats.counts["bucket \(name): eligible samples"] ?? 0
            #expect(bucketRecords.count == min(Self.perBucket, eligible), "\(name): \(bucketRecords.count) records, \(eligible) eligible")
            if expectation.fillable.contains(name) { #expect(bucketRecords.count == Self.perBucket, "\(name)") }
            var ids = Set<String>()
            for record in bucketRecords {
                let id = record["_id"] as! String
                #expect(ids.insert(id).inserted, "\(id) twice")
                let instruction = record["instruction"] as! String, input = record["input"] as! String
                let answers = record["answers"] as! [String]
                let total = record["total_length"] as! Int
                #expect(record["length_bucket"] as! Int == bucket)
                #expect(lower <= total && total < bucket, "\(id): total \(total) outside [\(lower), \(bucket)), M4LE's strict bucket")
                let inputLength = Self.length(instruction, chinese: expectation.chinese) + Self.length(input, chinese: expectation.chinese)
                #expect(record["input_length"] as! Int == inputLength, "\(id)")
                let longest = answers.max { $0.unicodeScalars.count < $1.unicodeScalars.count } ?? ""
                #expect(total == inputLength + Self.length(longest, chinese: expectation.chinese), "\(id)")

                let (labels, texts) = try Self.passages(input, label: expectation.label)
                #expect(labels.count == record["n_para"] as! Int, "\(id): \(labels.count) passages, n_para \(record["n_para"]!)")
                #expect(Set(labels).count == labels.count, "\(id): labels repeat")
                let golds = (record["gold_index"] as? [Int]) ?? [record["gold_index"] as! Int]
                let meta = record["meta"] as! [String: Any]
                let sample = meta["sample"] as! String
                #expect(Set(golds.map { texts[$0] }) == Set(evidence[sample]!.prefix(golds.count == 1 ? 1 : .max)), "\(id): the gold passage is not the sample's")
                #expect((meta["sources"] as! [String]).count == labels.count)
                if expectation.answersInGold {
                    for answer in answers { #expect(golds.contains { texts[$0].contains(answer) }, "\(id): '\(answer)' not in its gold passage") }
                }
                // The hint names the gold passage: its ID or number in the question, or the answer.
                let question = String(input[Self.questionStart(input)!.lowerBound...])
                let goldLabel = labels[golds[0]]
                switch expectation.pipeline {
                case "squad_explicit_single":
                    #expect(question.contains("passage " + goldLabel.dropFirst(8).prefix(6) + ","), "\(id)")
                case "cmrc_explicit_single":
                    #expect(question.contains("根据段落\(golds[0] + 1)，"), "\(id)")
                case "wikitext_semantic_single":
                    // M4LE's layout: the query paragraph first, the candidates, then `Answer:` alone.
                    #expect(answers == [String(goldLabel.dropFirst(20).prefix(6))], "\(id)")
                    let body = input.split(separator: "\n\n", maxSplits: 1)[1]
                    #expect(body.hasPrefix("Query Paragraph: " + (sampleQuestions[sample] ?? "?") + "\nCandidate Paragraph "), "\(id)")
                    #expect(question == "\nAnswer:", "\(id)")
                case "hotpotqa_explicit_multiple":
                    #expect(answers == [golds.sorted().map { String(labels[$0].dropFirst(8).prefix(6)) }.joined(separator: ", ")], "\(id)")
                default:
                    break
                }
            }
        }
        // Nothing lost: every sample is written, rejected, or was not drawn for a bucket.
        #expect(written == summary.streams.reduce(0) { $0 + $1.records })
        #expect(stats.rejected == (try FileSystem.readAll(out + "/rejects.jsonl")).filter { $0 == 0x0A }.count)
    }

    /// In tokens the parts do not add up: every record is measured on its rendered text.
    @Test func tokenBucketsMeasureTheRenderedText() throws {
        let root = try LVEvalPipelinesTests.root()
        let yaml = try Self.yaml("squad_explicit_single", buckets: [1_000, 2_000], perBucket: 8)
            .replacingOccurrences(of: "unit: words", with: "unit: \"tiktoken:raw/tokenizers/cl100k_base/cl100k_base.tiktoken\"")
        let summary = try LVEvalPipelinesTests.run(yaml, in: root)
        #expect(summary.streams.map(\.records) == [8, 8])
        let tokenizer = try Tokenizer.load("tiktoken:" + TestPaths.data("tokenizers/cl100k_base/cl100k_base.tiktoken"))
        for (lower, bucket) in [(0, "1k"), (1_000, "2k")] {
            for record in try records(root + "/build/m4le/squad_explicit_single/" + bucket) {
                let input = tokenizer.count(record["instruction"] as! String) + tokenizer.count(record["input"] as! String)
                let longest = (record["answers"] as! [String]).max { $0.unicodeScalars.count < $1.unicodeScalars.count }!
                #expect(record["input_length"] as! Int == input)
                #expect(record["total_length"] as! Int == input + tokenizer.count(longest))
                #expect(lower <= input + tokenizer.count(longest) && input + tokenizer.count(longest) < (bucket == "1k" ? 1_000 : 2_000))
            }
        }
    }

    @Test func sameBytesWhateverTheThreadsAndOnRerun() throws {
        let root = try LVEvalPipelinesTests.root()
        let yaml = try Self.yaml("hotpotqa_explicit_multiple", buckets: [1_000, 4_000, 16_000], perBucket: 30)
        var hashes: [[String]] = []
        for threads in [1, 3, 2] {
            let summary = try LVEvalPipelinesTests.run(yaml, in: root, threads: threads)
            hashes.append(summary.streams.flatMap { $0.shards.map(\.sha256) })
        }
        #expect(hashes[0].count == 3 && hashes.allSatisfy { $0 == hashes[0] })
    }

    @Test func slicesMergeIntoOneRun() throws {
        let root = try LVEvalPipelinesTests.root()
        let yaml = try Self.yaml("cmrc_explicit_single", buckets: [1_000, 2_000, 4_000], perBucket: 30)
            .replacingOccurrences(of: "max_records: 500", with: "max_records: 7")
        try yaml.write(toFile: root + "/p.yaml", atomically: true, encoding: .utf8)
        let spec = try PipelineLoader.load(file: root + "/p.yaml", root: root, registry: .standard)
        func run(_ base: String, _ slice: RunSlice) throws {
            _ = try Runner(spec: spec, registry: .standard, options: RunOptions(threads: 2, outputBase: root + "/" + base, progress: false, slice: slice), root: root).run()
        }
        try run("whole", .whole)
        for index in 0..<3 { try run("sliced", try RunSlice(index: index, count: 3)) }
        _ = try SliceMerge.merge(directory: root + "/sliced/m4le/cmrc_explicit_single")
        try SliceMergeTests().expectSameOutput(root + "/whole/m4le/cmrc_explicit_single", root + "/sliced/m4le/cmrc_explicit_single")
    }

    /// Samples without an evidence passage, with an answer missing from it, or whose gold
    /// passages alone pass the largest bucket go to rejects.jsonl with the reason.
    @Test func unusableSamplesAreRejectedWithTheirReason() throws {
        let root = try LVEvalPipelinesTests.root()
        let yaml = """
            version: 1
            name: m4le/rejects
            seed: 3
            language: zh
            inputs:
              - {id: dureader-dev, path: raw/dureader/search.dev.json, format: dureader}
              - {id: dureader-test, path: raw/dureader/search.test.json, format: dureader, unanswerable: keep}
              - {id: cmrc-dev, path: raw/cmrc2018/cmrc2018_dev.json, format: cmrc2018}
            stages:
              - length_buckets: {mode: m4le, ability: explicit-single, unit: chars, buckets: [500, 1000], per_bucket: 5, answers_in_gold: true}
            output: {shard: {max_records: 100}, zstd_level: 1}
            """
        let summary = try LVEvalPipelinesTests.run(yaml, in: root)
        let rejects = try String(contentsOfFile: root + "/build/m4le/rejects/rejects.jsonl", encoding: .utf8)
        #expect(rejects.contains("no evidence passage: the sample marks none of its documents as evidence"))
        #expect(rejects.contains("is not in the gold passage"))
        #expect(rejects.contains("past the largest bucket (1000)"))
        #expect(summary.rejects == rejects.split(separator: "\n").count)
        #expect(summary.streams.map(\.records) == [5, 5])
    }

    @Test(arguments: [
        ("{mode: m4le, unit: words}", "missing required key 'ability'"),
        ("{mode: m4le, ability: global, levels: [16k]}", "key 'levels' belongs to mode fill or needle, not m4le"),
        ("{mode: m4le, ability: explicit-single, buckets: [4k, 2k]}", "expected increasing upper bounds, found 2k after 4k"),
        ("{mode: m4le, ability: explicit-single, label: 'Passage {ID}:'}", "unknown placeholder '{ID}' (did you mean '{id}'?)"),
        ("{mode: m4le, ability: explicit-single, question: 'Q: {answers}'}", "'{answers}' stands alone"),
        ("{mode: m4le, ability: semantic-single, header: 'Query: {questions}'}", "header: unknown placeholder '{questions}' (did you mean '{question}'?)"),
        ("{mode: fill, levels: [16k], ability: global}", "key 'ability' belongs to mode m4le, not fill"),
        ("{mode: fill}", "missing required key 'levels'"),
        ("{mode: fil, levels: [16k]}", "key 'mode': expected one of fill|m4le|needle, found 'fil'"),
        ("{mode: needle, levels: [16k], haystack: [wiki], depths: [0.5, 2]}", "key 'depths': expected number 0...1, found 2"),
        ("{mode: fill, levels: [16k], tolerance: much}", "key 'tolerance': expected number 0...0.99, found 'much'"),
        ("{mode: m4le, ability: global, distractors: [wiki]}", "ability global reads each document alone"),
        ("{mode: m4le, ability: semantic-single, tolerance: 0.05}", "key 'tolerance' belongs to mode fill or needle, not m4le"),
        // Written with its default value, a key of another mode is refused all the same.
        ("{mode: m4le, ability: semantic-single, nested: false}", "key 'nested' belongs to mode fill, not m4le"),
        ("{mode: fill, levels: [16k], per_bucket: 200}", "key 'per_bucket' belongs to mode m4le, not fill"),
    ])
    func badStageKeysAreRefused(stage: String, message: String) throws {
        let dir = TestPaths.temporaryDirectory()
        let yaml = """
            version: 1
            name: m4le/bad
            seed: 1
            language: en
            \(hotpotWikiInputs)
            stages:
              - length_buckets: \(stage)
            """
        do {
            _ = try loadPipeline(yaml, in: dir)
            Issue.record("accepted: \(stage)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }

    /// Each WikiText continuation sample is a paragraph and the paragraph after it in the same
    /// article of the raw file (headings and short lines between them skipped).
    @Test func continuationPairsAreConsecutiveParagraphs() throws {
        let result = try ingest("continuation", TestPaths.data("wikitext2/wiki.test.raw"), "split: wikitext, min_words: 20")
        #expect(result.samples.count > 1_000)
        let raw = try String(contentsOfFile: TestPaths.data("wikitext2/wiki.test.raw"), encoding: .utf8)
        let lines = raw.split { $0 == "\n" || $0 == "\r\n" }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var lineIndex: [String: Int] = [:]
        for (k, line) in lines.enumerated() where lineIndex[line] == nil { lineIndex[line] = k }
        for sample in result.samples.prefix(300) {
            let next = sample.documents[0].text
            guard let a = lineIndex[sample.question], let b = lineIndex[next] else {
                Issue.record("\(sample.id): paragraph not found in the raw file: \(lineIndex[sample.question] == nil ? sample.question.prefix(80) : next.prefix(80))")
                continue
            }
            #expect(a < b)
            #expect(lines[(a + 1)..<b].allSatisfy { $0.split(separator: " ").count < 20 }, "\(sample.id): a paragraph between")
            #expect(sample.documents[0].evidence && sample.answers.isEmpty)
        }
    }

    @Test func templatePlaceholders() {
        #expect(Template("Passage {id}: {x}").render { $0 == "id" ? "0A1B2C" : nil } == "Passage 0A1B2C: {x}")
        #expect(Template("{a} and {b}").placeholders == ["a", "b"])
        var label: [UInt8] = []
        Template("段落{index} ({title}):").appendLabel(position: 11, id: nil, title: Array("西湖".utf8), to: &label)
        #expect(String(decoding: label, as: UTF8.self) == "段落12 (西湖):")
        #expect(M4LETemplates.lowercasedFirst("What is it?") == "what is it?")
        #expect(M4LETemplates.lowercasedFirst("NFL teams?") == "NFL teams?")
        #expect(M4LEPlanner.goldPositions(count: 20) == [0, 4, 9, 14, 19])
        #expect(M4LELayout.hex(0xA1B2C3) == "A1B2C3")
    }
}
