import Foundation
import PipelineTestSupport
import Testing
import LongweaveTestSupport
@testable import LongweaveCore
import LongweaveIO
@testable import LongweaveAudit
import LongweaveStages

/// JSON Lines from lines.
func lines(_ lines: String...) -> String { lines.joined(separator: "\n") + "\n" }

/// `longweave audit` end to end on the real data, and what bad input gets.
@Suite struct AuditRunTests {
    func options(benchmark: String, format: String?, fields: [AuditField], reference: [String], referenceFormat: String? = nil,
                 n: Int = 8) -> AuditOptions {
        var options = AuditOptions(benchmarks: [benchmark], references: reference, outputDirectory: TestPaths.temporaryDirectory(),
                                   workingDirectory: TestPaths.sharedData)
        options.benchmarkFormat = format
        options.referenceFormat = referenceFormat
        options.fields = fields
        options.parameters = AuditParameters(tokenizer: .words, n: n)
        options.threads = 2
        return options
    }

    @Test func longBenchContextsAreFoundInTheWikipediaParagraphsTheyCameFrom() throws {
        let options = options(benchmark: "longbench/2wikimqa.jsonl", format: "longbench", fields: [.documents],
                              reference: ["wiki_paragraphs/2wikimultihopqa_corpus.json"], referenceFormat: "paragraphs")
        let report = try #require(try AuditRunner.run(options, registry: .standard))
        #expect(report.result.scores.count == 13 && report.result.referenceDocuments == 6119)
        // Every record's passages come from the corpus: each has long spans found there.
        for score in report.result.scores {
            #expect(score.tokenMatch > 0 && score.tokenExtend > 0)
            let span = try #require(score.longestSpan)
            #expect(span.end - span.start >= 10)
        }
        let lines = try String(contentsOfFile: options.outputDirectory + "/scores.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 13)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        #expect(Set(first.keys) == ["_id", "tokens", "token_match", "ngram_match", "token_extend", "longest_match", "longest_span"])
        let report2 = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: options.outputDirectory + "/report.json"))) as! [String: Any]
        let metrics = report2["metrics"] as! [String: [String: Any]]
        #expect((metrics["token_match"]!["flagged_above"] as! [Double]).count == 101)
        let reference = report2["reference"] as! [String: Any]
        let files = reference["files"] as! [[String: Any]]
        #expect(files[0]["sha256"] as? String == "9d6e352952aafb18dab22bf8195039461321a44a949df902ae83bce134ad238a")

        // With a model's scores: the ConTAM analysis in report.json and report.html.
        var withModel = options
        let model = withModel.outputDirectory + "/model.jsonl"
        try report.result.scores.enumerated().map { #"{"_id": "\#($0.element.id)", "score": \#($0.element.tokenExtend > 0.03 ? 1 : $0.offset % 2)}"# }
            .joined(separator: "\n").write(toFile: model, atomically: true, encoding: .utf8)
        withModel.models = [("demo", model)]
        _ = try AuditRunner.run(withModel, registry: .standard)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: withModel.outputDirectory + "/report.json"))) as! [String: Any]
        let epg = try #require((json["epg"] as? [String: [String: [String: Double]]])?["demo"])
        #expect(Set(epg.keys) == Set(ContaminationMetric.allCases.map(\.rawValue)))
        #expect(epg.values.allSatisfy { $0["epg"]! > 0 && $0["z"]! > 0 && $0["flagged"]! > 0 })
        let html = try String(contentsOfFile: withModel.outputDirectory + "/report.html", encoding: .utf8)
        // Histograms (4), share flagged, the ConTAM plot; 13 samples with their spans marked
        // in the sample and in the paragraph each came from; nothing fetched from elsewhere.
        #expect(html.components(separatedBy: "<svg").count - 1 == 6)
        #expect(html.components(separatedBy: "<mark>").count - 1 == 26)
        #expect(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"))
        #expect(html.contains("2wikimultihopqa_corpus.json#"))
    }

    @Test func hotpotQAQuestionsAreNotInWikiText() throws {
        let report = try #require(try AuditRunner.run(options(benchmark: "hotpotqa/hotpot_dev_distractor_v1_100.json", format: "hotpotqa",
                                                              fields: [.question, .answers], reference: ["wikitext2/wiki.test.raw"]), registry: .standard))
        #expect(report.result.scores.count == 103)
        #expect(report.result.scores.allSatisfy { $0.tokenMatch == 0 && $0.longestMatch == 0 })
    }

    /// An output folder: its samples (not the corpora written beside them), each level's
    /// copy of a sample counted once when only questions and answers are audited.
    @Test func outputFoldersAreReadAsTheirSamples() throws {
        let dir = TestPaths.temporaryDirectory()
        let spec = try loadPipeline("""
            version: 1
            name: test/with-corpus
            seed: 1
            inputs:
              - {id: dev, path: "\(TestPaths.data("hotpotqa/hotpot_dev_distractor_v1_100.json"))", format: hotpotqa}
              - {id: wiki, path: "\(TestPaths.data("wiki_paragraphs/2wikimultihopqa_corpus.json"))", format: paragraphs}
            stages: []
            """, in: dir)
        _ = try runPipeline(spec, in: dir)
        let output = dir + "/build/test/with-corpus"
        #expect(FileSystem.isDirectory(output + "/documents"))
        var options = options(benchmark: output, format: nil, fields: [.question, .answers], reference: ["wikitext2/wiki.test.raw"])
        options.workingDirectory = TestPaths.sharedData
        let report = try #require(try AuditRunner.run(options, registry: .standard))
        #expect(report.result.scores.count == 103)

        let levels = try loadPipeline("""
            version: 1
            name: test/levels
            seed: 1
            inputs:
              - {id: dev, path: "\(TestPaths.data("hotpotqa/hotpot_dev_distractor_v1_100.json"))", format: hotpotqa}
              - {id: wiki, path: "\(TestPaths.data("wiki_paragraphs/2wikimultihopqa_corpus.json"))", format: paragraphs}
            stages:
              - length_buckets: {levels: [2k, 4k], distractors: [wiki]}
            """, in: dir)
        _ = try runPipeline(levels, in: dir)
        options.benchmarks = [dir + "/build/test/levels"]
        #expect(try #require(try AuditRunner.run(options, registry: .standard)).result.scores.count == 103)
        options.fields = [.context]
        #expect(try #require(try AuditRunner.run(options, registry: .standard)).result.scores.count == 206)
    }

    @Test func theLongestSpanNamesItsDocumentAndOffset() throws {
        let dir = TestPaths.temporaryDirectory()
        let reference = dir + "/reference.jsonl"
        try Data(lines(#"{"text": "nothing to see here at all"}"#, #"{"text": "Intro. The Eiffel Tower was designed by the engineering firm of Gustave Eiffel in Paris."}"#).utf8)
            .write(to: URL(fileURLWithPath: reference))
        let samples = dir + "/samples.jsonl"
        try Data(lines(#"{"id": "q1", "question": "Which firm: the Eiffel Tower was designed by the engineering firm of Gustave Eiffel?", "answers": ["his own"], "documents": []}"#).utf8)
            .write(to: URL(fileURLWithPath: samples))
        var options = options(benchmark: samples, format: "jsonl", fields: [.question], reference: [reference], n: 5)
        options.workingDirectory = dir
        let report = try #require(try AuditRunner.run(options, registry: .standard))
        let span = try #require(report.result.scores[0].longestSpan)
        // Raw tokens match exactly: "the"/"The" and "Eiffel?"/"Eiffel" differ, so the span is
        // what lies between, found after "Intro. The " (11 characters) in the second document.
        #expect(span.text == "Eiffel Tower was designed by the engineering firm of Gustave")
        // JSON Lines documents are known by the byte where their line starts.
        #expect(report.label(span.referenceDocument) == reference + "@" + String(#"{"text": "nothing to see here at all"}"#.utf8.count + 1))
        #expect(span.referenceOffset == 11)
        #expect(report.result.scores[0].tokenMatch > report.result.scores[0].tokenExtend)
    }

    @Test func badReferencesAreErrorsNamingTheFileOrSkippedAndCounted() throws {
        let dir = TestPaths.temporaryDirectory()
        let bad = dir + "/bad.jsonl"
        var bytes = Array(#"{"text": "fine text here"}"#.utf8) + [0x0A]
        bytes += Array(#"{"text": "broken "#.utf8) + [0xFF, 0xFE] + Array(#" bytes"}"#.utf8) + [0x0A]
        try Data(bytes).write(to: URL(fileURLWithPath: bad))
        var options = options(benchmark: "hotpotqa/hotpot_dev_distractor_v1_100.json", format: "hotpotqa", fields: [.question], reference: [bad])
        #expect { _ = try AuditRunner.run(options, registry: .standard) } throws: { error in
            "\(error)".contains("bad.jsonl") && "\(error)".contains("line 2") && "\(error)".contains("--skip-bad-reference")
        }
        options.skipBadReference = true
        let report = try #require(try AuditRunner.run(options, registry: .standard))
        #expect(report.referenceFiles[0].documents == 1 && report.referenceFiles[0].skipped.values.reduce(0, +) == 1)

        // A truncated .zst stops the audit, naming the file.
        let text = Array(String(repeating: #"{"text": "a line of reference text"}"# + "\n", count: 5000).utf8)
        var compressed: [UInt8] = []
        let compressor = try ZstdCompressor(level: 3)
        try text.withUnsafeBytes { try compressor.compress($0) { compressed += $0 } }
        try compressor.finish { compressed += $0 }
        let truncated = dir + "/cut.jsonl.zst"
        try Data(compressed.prefix(compressed.count / 2)).write(to: URL(fileURLWithPath: truncated))
        options.references = [truncated]
        #expect { _ = try AuditRunner.run(options, registry: .standard) } throws: { "\($0)".contains("cut.jsonl.zst") }
    }

    /// Slices of the reference files, merged, give the bytes of a single run.
    @Test func slicesMergeIntoTheSingleRunsOutputs() throws {
        let references = ["wiki_paragraphs/2wikimultihopqa_corpus.json", "hotpotqa/hotpotqa_train_corpus.json", "wikitext2/wiki.test.raw"]
        var single = options(benchmark: "longbench/2wikimqa.jsonl", format: "longbench", fields: [.documents], reference: references)
        single.referenceFormat = nil
        _ = try AuditRunner.run(single, registry: .standard)
        var slice = single
        slice.outputDirectory = TestPaths.temporaryDirectory()
        slice.threads = 1
        slice.slice = try RunSlice(index: 1, count: 2)
        #expect(try AuditRunner.run(slice, registry: .standard) == nil)
        #expect { _ = try AuditRunner.merge(directory: slice.outputDirectory, registry: .standard) } throws: { "\($0)".contains("slices 0 of 2 are not complete") }
        slice.slice = try RunSlice(index: 0, count: 2)
        _ = try AuditRunner.run(slice, registry: .standard)
        _ = try AuditRunner.merge(directory: slice.outputDirectory, registry: .standard)
        for name in ["scores.jsonl", "report.json", "report.html"] {
            #expect(try FileSystem.readAll(slice.outputDirectory + "/" + name) == FileSystem.readAll(single.outputDirectory + "/" + name), "\(name)")
        }
        // A slice of another audit does not merge.
        var other = slice
        other.parameters.n = 6
        other.slice = try RunSlice(index: 1, count: 2)
        _ = try AuditRunner.run(other, registry: .standard)
        #expect { _ = try AuditRunner.merge(directory: slice.outputDirectory, registry: .standard) } throws: { "\($0)".contains("another benchmark or other parameters") }
        // Slices of an earlier audit with another count are named, not mixed in.
        try FileSystem.createDirectories(slice.outputDirectory + "/slices/0-of-3")
        #expect { _ = try AuditRunner.merge(directory: slice.outputDirectory, registry: .standard) } throws: { "\($0)".contains("slices of different counts (2, 3)") }
    }

    /// One large JSON Lines reference shared by slices through byte ranges (and a compressed
    /// one read whole by one slice): the merge gives the bytes of a single run.
    @Test func slicesShareOneFileByByteRanges() throws {
        let dir = TestPaths.temporaryDirectory()
        guard case .array(let paragraphs) = try JSONValue.parse(file: TestPaths.data("wiki_paragraphs/2wikimultihopqa_corpus.json")) else {
            Issue.record("the paragraph corpus is not an array")
            return
        }
        var json = JSONWriter()
        for paragraph in paragraphs {
            json.beginObject(); json.key("text"); json.string(paragraph["text"]?.stringValue ?? ""); json.endObject(); json.newline()
        }
        let big = dir + "/paragraphs.jsonl"
        try FileSystem.writeAtomically(json.bytes, to: big)
        let compressed = dir + "/first.jsonl.zst"
        let compressor = try ZstdCompressor(level: 3)
        var bytes: [UInt8] = []
        let head = Array(json.bytes.prefix(through: json.bytes.prefix(200_000).lastIndex(of: 0x0A)!))
        try head.withUnsafeBytes { try compressor.compress($0) { bytes += $0 } }
        try compressor.finish { bytes += $0 }
        try FileSystem.writeAtomically(bytes, to: compressed)

        var single = options(benchmark: "longbench/2wikimqa.jsonl", format: "longbench", fields: [.documents], reference: [big, compressed])
        single.referenceFormat = nil
        single.outputDirectory = dir + "/single"
        let whole = try #require(try AuditRunner.run(single, registry: .standard))
        #expect(whole.result.scores.contains { $0.longestSpan.map { whole.label($0.referenceDocument).hasPrefix(big + "@") } ?? false })
        var slice = single
        slice.outputDirectory = dir + "/sliced"
        for index in 0..<3 {
            slice.slice = try RunSlice(index: index, count: 3)
            #expect(try AuditRunner.run(slice, registry: .standard) == nil)
            // Every slice reads a third of the large file; the compressed one goes to slice 1 alone.
            let header = try AuditPartial.header(SliceFolders.folder(of: slice.slice, in: slice.outputDirectory) + "/" + AuditPartial.fileName)
            let files = header["files"]?.arrayValue ?? []
            #expect(files.contains { $0["index"]?.numberValue == 0 && ($0["documents"]?.numberValue ?? 0) > 1000 })
            #expect(files.contains { $0["index"]?.numberValue == 1 } == (index == 1))
        }
        let merged = try AuditRunner.merge(directory: slice.outputDirectory, registry: .standard)
        #expect(merged.result.referenceDocuments == whole.result.referenceDocuments)
        for name in ["scores.jsonl", "report.json", "report.html"] {
            #expect(try FileSystem.readAll(slice.outputDirectory + "/" + name) == FileSystem.readAll(single.outputDirectory + "/" + name), "\(name)")
        }
    }

    @Test func modelScoresMustCoverExactlyTheBenchmark() throws {
        let dir = TestPaths.temporaryDirectory()
        let ids = ["a", "b", "c"]
        let unknown = dir + "/unknown.jsonl"
        try Data(lines(#"{"_id": "a", "score": 1}"#, #"{"_id": "b", "score": 0}"#, #"{"_id": "c", "score": 1}"#, #"{"_id": "zz", "score": 1}"#).utf8).write(to: URL(fileURLWithPath: unknown))
        #expect { _ = try AuditReport.readModelScores(unknown, sampleIDs: ids) } throws: { "\($0)".contains("does not have: zz") }
        let missing = dir + "/missing.jsonl"
        try Data(lines(#"{"_id": "a", "score": 0.5}"#).utf8).write(to: URL(fileURLWithPath: missing))
        #expect { _ = try AuditReport.readModelScores(missing, sampleIDs: ids) } throws: { "\($0)".contains("no score for benchmark ids: b, c") }
        // Only finite numbers, each id once, every problem named by its line.
        for (second, message) in [(#"{"_id": "b", "score": true}"#, "line 2: expected"), (#"{"_id": "b", "score": NaN}"#, "line 2: the score of 'b' is not a finite number"),
                                  (#"{"_id": "b", "score": 1e999}"#, "line 2: the score of 'b' is not a finite number"),
                                  (#"{"_id": "a", "score": 1}"#, "line 2: 'a' has a score already (line 1)")] {
            let bad = dir + "/bad.jsonl"
            try Data(lines(#"{"_id": "a", "score": 1}"#, second, #"{"_id": "c", "score": 1}"#).utf8).write(to: URL(fileURLWithPath: bad))
            #expect { _ = try AuditReport.readModelScores(bad, sampleIDs: ids) } throws: { "\($0)".contains(message) }
        }
    }

    @Test func theEPGThresholdMaximisesZ() {
        // mean 0.75, sigma sqrt(0.1875). tau 0: clean {0, 1}, EPG 0.25, z 0.25 / (sigma / sqrt 2).
        let analysis = EPGAnalysis(metric: [0, 0, 0.5, 1], model: [0, 1, 1, 1])
        #expect(analysis.curve.map(\.tau) == [0, 0.5, 1])
        #expect(analysis.curve.map(\.flagged) == [0.5, 0.25, 0])
        let sigma = 0.1875.squareRoot()
        #expect(abs(analysis.curve[0].z - 0.25 / (sigma / 2.0.squareRoot())) < 1e-12)
        #expect(abs(analysis.curve[1].epg - (0.75 - 2.0 / 3.0)) < 1e-12)
        #expect(analysis.selected?.tau == 0)
        #expect(EPGAnalysis(metric: [0, 0, 0.5, 1], model: [0, 1, 1, 1], minClean: 3).selected?.tau == 0.5)
        #expect(EPGAnalysis(metric: [0.2, 0.2], model: [1, 1]).selected?.z == 0)
    }
}
