import Foundation
import LongweaveIO

/// Peak memory of `longweave run` on hostile inputs, each measured by the child's own
/// high-water mark (`peak memory:`): a 2 KB `.zst` of 3 million bad JSON lines, HTML nested
/// 100,000 deep, and a MediaWiki page of 50 MB. Each must stay under 1 GiB. Then
/// `longweave audit` against one reference document of 300 MB (a text file) and of 120 MB
/// (a JSON Lines line), and `tokenize` on a 10 MB line without a space, in time and memory
/// against tiktoken on the same line (at most 2x).
enum HostileBenchmark: Benchmark {
    static let section = BenchSection.hostile

    static func run(_ bench: inout BenchRun) throws {
        let dir = bench.scratch + "/hostile"
        try FileSystem.createDirectories(dir + "/html")
        // One good record first: a file of nothing but bad lines is refused as not JSON Lines at all.
        let good = #"{"_id": "good", "question": "Who?", "answers": ["Me"], "documents": [{"title": "T", "text": "A good document."}]}"#
        try shell("(echo '\(good)'; yes 'not json' | head -n 3000000) | zstd -q -19 -f -o \(dir)/bad.jsonl.zst")
        let depth = 100_000
        try Array(("<html><body><p>before</p>" + String(repeating: "<div>", count: depth) + "<p>inside</p>"
            + String(repeating: "</div>", count: depth) + "</body></html>").utf8).writeAll(to: dir + "/html/deep.html")
        let page = "<page><title>Long</title><ns>0</ns><id>1</id><revision><id>2</id><text>" + String(repeating: "Lorem ipsum dolor sit amet. ", count: 1_800_000) + "</text></revision></page>"
        try Array(("<mediawiki xmlns=\"http://www.mediawiki.org/xml/export-0.10/\">" + page + "</mediawiki>").utf8).writeAll(to: dir + "/dump.xml")
        for (name, input) in [
            ("3M bad JSON lines", "{id: bad, path: \(dir)/bad.jsonl.zst, format: jsonl}"),
            ("HTML nested 100,000 deep", "{id: deep, path: \(dir)/html, format: html}"),
            ("a 50 MB MediaWiki page", "{id: dump, path: \(dir)/dump.xml, format: mediawiki}"),
        ] {
            let pipeline = dir + "/p.yaml"
            try Array("version: 1\nname: hostile\nseed: 1\ninputs:\n  - \(input)\nstages: []\n".utf8).writeAll(to: pipeline)
            let run = try timed(bench.longweave, ["run", "--quiet", "--out", dir + "/out", pipeline])
            let peak = peakMemory(run.output) ?? .infinity
            bench.measure("hostile: \(name), peak", peak, shown: String(format: "%8.0f MiB", peak), target: .memory(mebibytes: 1024))
        }
        try longReferenceDocuments(&bench, dir)
        try unbrokenLine(&bench, dir)
    }

    /// An audit of HotpotQA's samples against one long document made of WikiText-2 repeated.
    static func longReferenceDocuments(_ bench: inout BenchRun, _ dir: String) throws {
        let article = try InputFile.readAll(bench.root + "/raw/wikitext2/wiki.test.raw")
        var text: [UInt8] = []
        while text.count < 300_000_000 { text += article }
        try text.writeAll(to: dir + "/long.txt")
        var line = JSONWriter()
        line.beginObject()
        line.key("text")
        var end = 120_000_000
        while text[end] & 0xC0 == 0x80 { end -= 1 }
        text[..<end].withUnsafeBytes { line.string(utf8: $0) }
        line.endObject()
        line.newline()
        try line.bytes.writeAll(to: dir + "/long.jsonl")
        text = []
        for (name, file) in [("a 300 MB text document", "long.txt"), ("a 120 MB JSON Lines document", "long.jsonl")] {
            let run = try timed(bench.longweave, ["audit", "--benchmark", bench.root + "/raw/hotpotqa/hotpot_dev_distractor_v1_100.json", "--format", "hotpotqa",
                                                  "--fields", "question,answers,documents", "--reference", dir + "/" + file, "--out", dir + "/audit"])
            let peak = peakMemory(run.output) ?? .infinity
            bench.measure("hostile: audit against \(name), peak", peak, shown: String(format: "%8.0f MiB", peak), target: .memory(mebibytes: 1024))
        }
    }

    /// `tokenize --count` (cl100k_base) on 10 MB of letters without a space: one piece for
    /// the byte-pair merge. Time and peak memory against tiktoken's encode_ordinary.
    static func unbrokenLine(_ bench: inout BenchRun, _ dir: String) throws {
        var random = SystemRandomNumberGenerator()
        let letters = Array("abcdefghijklmnopqrstuvwxyz".utf8)
        try ((0..<10_000_000).map { _ in letters[Int(random.next() % 26)] } + [0x0A]).writeAll(to: dir + "/unbroken.txt")
        let ranks = bench.root + "/raw/tokenizers/cl100k_base/cl100k_base.tiktoken"
        let ours = try timed(bench.longweave, ["tokenize", "--count", "--peak-memory", "--tokenizer", "tiktoken:" + ranks, dir + "/unbroken.txt"])
        let ourPeak = peakMemory(ours.output) ?? .infinity
        let venv = bench.root + "/.build/venv-tokenizers/bin/python"
        let python = FileManager.default.isExecutableFile(atPath: venv) ? venv : "/usr/bin/env python3"
        guard let reference = commandOutput("\(python) \(bench.script("unbroken_reference.py")) \(ranks) \(dir)/unbroken.txt")?
            .split(separator: " ").compactMap({ Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }), reference.count == 2 else {
            bench.skip("hostile: tokenize a 10 MB unbroken line", because: String(format: "%6.1f s, %6.0f MiB; tiktoken is not installed (make test installs it)", ours.seconds, ourPeak),
                       target: .ratio(0.5))
            return
        }
        bench.measure("hostile: tokenize a 10 MB unbroken line, time", reference[0] / ours.seconds,
                      shown: String(format: "%6.1f s   vs tiktoken %6.1f s   ratio %5.2fx", ours.seconds, reference[0], reference[0] / ours.seconds), target: .ratio(0.5))
        bench.measure("hostile: tokenize a 10 MB unbroken line, peak", reference[1] / ourPeak,
                      shown: String(format: "%6.0f MiB vs tiktoken %6.0f MiB ratio %5.2fx", ourPeak, reference[1], reference[1] / ourPeak), target: .ratio(0.5))
    }
}

extension Array where Element == UInt8 {
    func writeAll(to path: String) throws { try FileSystem.writeAtomically(self, to: path) }
}
