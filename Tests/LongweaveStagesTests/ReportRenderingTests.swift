import Foundation
import PipelineTestSupport
import Testing
import LongweaveTestSupport
@testable import LongweaveAudit
import LongweavePrompts
import LongweaveStages

/// The HTML pages longweave writes (the audit's report.html, `stats --plot`) as a browser
/// shows them: rendered by headless Chromium at 1400 px, screenshot taken, every chart at its
/// own size and nothing fetched. Skipped where Debian's chromium is not installed.
/// Where Debian installs headless Chromium, if it does.
let installedChromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

@Suite(.enabled(if: installedChromium != nil, "headless Chromium (Debian's chromium) is not installed"))
struct ReportRenderingTests {
    static let chromium = installedChromium

    /// The page's charts' rendered sizes and the resources it fetched, as the page itself
    /// reports them to a script appended to a copy of it.
    static func rendered(_ page: String) throws -> (sizes: [[Double]], fetched: Int, screenshot: Data) {
        let dir = TestPaths.temporaryDirectory()
        let probe = """
            <script>window.addEventListener('load', () => {
              const sizes = [...document.querySelectorAll('svg')].map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; });
              const fetched = performance.getEntriesByType('resource').length;
              document.body.setAttribute('data-probe', JSON.stringify({sizes, fetched}));
            });</script>
            """
        let copy = dir + "/page.html"
        try (page.replacingOccurrences(of: "</body>", with: probe + "</body>")).write(toFile: copy, atomically: true, encoding: .utf8)
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1400,2000", "--virtual-time-budget=3000",
                     "--user-data-dir=" + dir + "/profile"]
        let dom = try runProcess(chromium!, flags + ["--dump-dom", "file://" + copy])
        try #require(dom.status == 0, "chromium --dump-dom: \(dom.stderr)")
        let html = String(decoding: dom.stdout, as: UTF8.self)
        let start = try #require(html.range(of: "data-probe=\""))
        let end = try #require(html[start.upperBound...].firstIndex(of: "\""))
        let json = String(html[start.upperBound..<end]).replacingOccurrences(of: "&quot;", with: "\"")
        let probed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        let shot = try runProcess(chromium!, flags + ["--screenshot=" + dir + "/page.png", "file://" + dir + "/page.html"])
        try #require(shot.status == 0, "chromium --screenshot: \(shot.stderr)")
        return ((probed["sizes"] as! [[Any]]).map { $0.map { ($0 as! NSNumber).doubleValue } }, probed["fetched"] as! Int,
                try Data(contentsOf: URL(fileURLWithPath: dir + "/page.png")))
    }

    /// A PNG's width and height from its header.
    static func pngSize(_ data: Data) -> (Int, Int) {
        let bytes = [UInt8](data.prefix(24))
        func be(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return bytes.count == 24 ? (be(16), be(20)) : (0, 0)
    }

    @Test func auditReportChartsAreLegible() throws {
        var options = AuditOptions(benchmarks: ["longbench/2wikimqa.jsonl"], references: ["wiki_paragraphs/2wikimultihopqa_corpus.json"],
                                   outputDirectory: TestPaths.temporaryDirectory(), workingDirectory: TestPaths.sharedData)
        options.benchmarkFormat = "longbench"
        options.referenceFormat = "paragraphs"
        options.fields = [.documents]
        options.parameters = AuditParameters(tokenizer: .words, n: 8)
        let report = try #require(try AuditRunner.run(options, registry: .standard))
        let model = options.outputDirectory + "/model.jsonl"
        try report.result.scores.enumerated().map { #"{"_id": "\#($0.element.id)", "score": \#($0.offset % 2)}"# }
            .joined(separator: "\n").write(toFile: model, atomically: true, encoding: .utf8)
        options.models = [("demo", model)]
        _ = try AuditRunner.run(options, registry: .standard)
        let page = try String(contentsOfFile: options.outputDirectory + "/report.html", encoding: .utf8)
        let (sizes, fetched, screenshot) = try Self.rendered(page)
        #expect(fetched == 0)
        #expect(Self.pngSize(screenshot) == (1400, 2000))
        // Four histograms of 520 x 260, the threshold chart and the ConTAM chart of 1000 x 320.
        #expect(sizes.count == 6, "\(sizes)")
        #expect(sizes.prefix(4).allSatisfy { $0 == [520, 260] }, "\(sizes)")
        #expect(sizes.suffix(2).allSatisfy { $0 == [1000, 320] }, "\(sizes)")
        // Ticks on the axes, the count axis logarithmic, and the threshold chart over where the data is.
        #expect(page.contains("samples (log scale)") && page.contains(">0.25</text>"))
        let start = try #require(page.range(of: "<title>share flagged</title>"))
        let chart = page[start.lowerBound...].prefix { $0 != "\u{0}" }
        let thresholdChart = String(chart[..<(chart.range(of: "</svg>")?.lowerBound ?? chart.endIndex)])
        // Scores here stop flagging below 0.7: the axis ends there, not at 1.
        #expect(thresholdChart.contains(">0.7</text>") && !thresholdChart.contains(">0.9</text>"), "\(thresholdChart.prefix(3000))")
    }

    @Test func statsPlotIsLegible() throws {
        let root = try LVEvalPipelinesTests.root()
        let yaml = try PromptTokensTests.fitYAML("multifieldqa_en_mixup", levels: "[8k]")
        _ = try LVEvalPipelinesTests.run(yaml, in: root)
        let panels = try LengthPlot.panels(directory: root + "/build/lveval_fit/multifieldqa_en_mixup")
        #expect(panels.map(\.title) == ["length (hf:raw/tokenizers/qwen2/tokenizer.json)", "prompt tokens: qwen2", "prompt tokens: gpt-4o", "prompt tokens: gpt-4"],
                "\(panels.map(\.title))")
        #expect(panels[1].limit == 131072 - 64 && panels[1].series.count == 1 && panels[1].series[0].values.count == panels[0].series[0].values.count && !panels[1].series[0].values.isEmpty)
        let page = LengthPlot.html(title: "multifieldqa_en_mixup", panels: panels)
        let (sizes, fetched, screenshot) = try Self.rendered(page)
        #expect(fetched == 0)
        #expect(Self.pngSize(screenshot) == (1400, 2000))
        #expect(sizes.count == 4 && sizes.allSatisfy { $0[0] == 960 && $0[1] >= 100 }, "\(sizes)")
    }
}
