import Foundation
import LongweaveIO

/// Peak memory of `longweave run` on hostile inputs, each measured by the child's own
/// high-water mark (`peak memory:`): a 2 KB `.zst` of 3 million bad JSON lines, HTML nested
/// 100,000 deep, and a MediaWiki page of 50 MB. Each must stay under 1 GiB.
enum HostileBenchmark: Benchmark {
    static let section = BenchSection.hostile

    static func run(_ bench: inout BenchRun) throws {
        let dir = bench.scratch + "/hostile"
        try FileSystem.createDirectories(dir + "/html")
        try shell("yes 'not json' | head -n 3000000 | zstd -q -19 -f -o \(dir)/bad.jsonl.zst")
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
    }
}

extension Array where Element == UInt8 {
    func writeAll(to path: String) throws { try FileSystem.writeAtomically(self, to: path) }
}
