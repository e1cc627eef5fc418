import Foundation
import LongweaveCore
import LongweaveIO
import LongweaveStages

extension BenchRun {
    /// Real records: the LV-Eval-style HotpotQA split at 16k and 32k words, built in-process
    /// once and written to `records.jsonl` in the scratch folder.
    mutating func records() throws -> [[UInt8]] {
        if let sharedRecords { return sharedRecords }
        let pipeline = """
            version: 1
            name: bench/hotpotqa_fill
            seed: 20240301
            language: en
            inputs:
              - {id: hotpot-dev, path: raw/hotpotqa/hotpot_dev_distractor_v1_100.json, format: hotpotqa}
              - {id: wiki-paragraphs, path: raw/wiki_paragraphs/2wikimultihopqa_corpus.json, format: paragraphs}
            stages:
              - fill: {unit: words, levels: [16k, 32k], distractors: [wiki-paragraphs]}
            output: {shard: {max_records: 1000}, zstd_level: 3}
            """
        let spec = try PipelineLoader.load(text: pipeline, file: "(bench)", root: root, registry: .standard)
        _ = try Runner(spec: spec, registry: .standard, options: RunOptions(threads: 2, outputBase: scratch + "/out", progress: false), root: root).run()
        var records: [[UInt8]] = []
        for shard in try DatasetReader.shards(at: scratch + "/out/bench/hotpotqa_fill") {
            try LineReader.forEachLine(in: shard) { line, _ in records.append(Array(line) + [0x0A]) }
        }
        try FileSystem.writeAtomically(Array(records.joined()), to: scratch + "/records.jsonl")
        print("records: \(records.count) LV-Eval-style HotpotQA records, \(records.reduce(0) { $0 + $1.count } / 1_000_000) MB of JSON Lines")
        sharedRecords = records
        return records
    }

    /// WikiText-2's test articles: they start at lines " = Title = " (split on bytes: the
    /// file's line ends are CRLF).
    func wikitextArticles() throws -> [String] {
        let wikitext = try String(contentsOfFile: root + "/raw/wikitext2/wiki.test.raw", encoding: .utf8)
        var articles: [String] = []
        var articleStart = wikitext.utf8.startIndex
        let marker = Array("\n = ".utf8)
        let scan = Array(wikitext.utf8)
        var k = 0
        while k + marker.count <= scan.count {
            if scan[k] == marker[0] && Array(scan[k..<(k + marker.count)]) == marker && scan[min(k + 4, scan.count - 1)] != UInt8(ascii: "=") {
                let index = wikitext.utf8.index(wikitext.utf8.startIndex, offsetBy: k + 1)
                articles.append(String(wikitext[articleStart..<index]))
                articleStart = index
            }
            k += 1
        }
        articles.append(String(wikitext[articleStart...]))
        return articles
    }

    /// Writes the JSON Lines of `shards`, in order, to one plain file (what the zstd CLI then
    /// compresses); returns its bytes and records.
    func concatenate(_ shards: [String], into path: String) throws -> (bytes: Int, records: Int) {
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        var bytes = 0
        var records = 0
        for shard in shards {
            try LineReader.forEachLine(in: shard) { line, _ in
                handle.write(Data(line) + Data([0x0A]))
                bytes += line.count + 1
                records += 1
            }
        }
        try handle.close()
        return (bytes, records)
    }
}

extension BenchRun {
    /// A copy (in the scratch folder) of a pipeline of the repository without its `models:`
    /// and `prompt:` sections, for the rows that measure the engine against zstd: the prompt
    /// tokens of three models are the tokenizers' time, which the `prompts` row measures.
    func withoutModels(_ pipeline: String) throws -> String {
        var text = try String(contentsOfFile: root + "/" + pipeline, encoding: .utf8)
        if let start = text.range(of: "# What each model receives"), let end = text.range(of: "\noutput:") {
            text.removeSubrange(start.lowerBound..<end.lowerBound)
        }
        let copy = scratch + "/" + pipeline.replacingOccurrences(of: "/", with: "_")
        try text.write(toFile: copy, atomically: true, encoding: .utf8)
        return copy
    }
}
