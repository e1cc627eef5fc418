import LongweaveIO
import LongweaveText

/// The text of a reference document that an excerpt is cut from: the whole document, or
/// a window of a long one from its character `firstCharacter`.
struct ReferenceExcerptSource {
    var text: String
    var firstCharacter = 0
    var characters: Int

    init(_ bytes: UnsafeRawBufferPointer, firstCharacter: Int = 0) {
        text = String(decoding: bytes, as: UTF8.self)
        self.firstCharacter = firstCharacter
        characters = CharCount.count(utf8: bytes)
    }

    func holds(character offset: Int) -> Bool { offset >= firstCharacter && offset < firstCharacter + characters }
}

/// Collects, from a document that arrives in pieces, `excerptBytes` from character `start` on.
struct ExcerptWindow {
    static let excerptBytes = 8 << 20
    private var start = 0
    /// Characters of the document before the current piece.
    private var seen = 0
    private var kept: [UInt8] = []
    private var keeping = false

    init(from start: Int = 0) { self.start = start }

    mutating func take(_ piece: UnsafeRawBufferPointer) {
        var from = 0
        if !keeping {
            let characters = CharCount.count(utf8: piece)
            guard seen + characters > start else {
                seen += characters
                return
            }
            // The byte where character `start` begins in this piece.
            var wanted = start - seen
            while from < piece.count && (piece[from] & 0xC0 == 0x80 || wanted > 0) {
                if piece[from] & 0xC0 != 0x80 { wanted -= 1 }
                from += 1
            }
            keeping = true
        }
        let room = Self.excerptBytes - kept.count
        if room > 0 { kept.append(contentsOf: UnsafeRawBufferPointer(rebasing: piece[from..<min(piece.count, from + room)])) }
    }

    var source: ReferenceExcerptSource {
        kept.withUnsafeBytes { ReferenceExcerptSource($0, firstCharacter: start) }
    }
}

/// `report.html`: one self-contained page (inline SVG and CSS, nothing fetched) with the
/// score histograms, the share flagged per threshold, the ConTAM plot (EPG against share
/// flagged) per model, the chosen thresholds, and the 20 highest-scoring samples with their
/// longest span marked in the sample and in the reference document it was found in.
struct AuditHTML {
    var report: AuditReport
    /// The text of the reference documents that the listed samples' spans name.
    var references: [ReferenceDocument: ReferenceExcerptSource]
    /// The audited text of each sample, by id.
    var sampleTexts: [String: String]

    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]

    /// The samples shown at the end: highest LONGEST-MATCH, then TOKEN-EXTEND, then id.
    static func top(_ scores: [SampleScores], count: Int = 20) -> [SampleScores] {
        Array(scores.filter { $0.longestSpan != nil }.sorted {
            ($0.longestMatch, $0.tokenExtend, $1.id) > ($1.longestMatch, $1.tokenExtend, $0.id)
        }.prefix(count))
    }

    static func escape(_ text: Substring) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(ch)
            }
        }
        return out
    }

    static func escape(_ text: String) -> String { escape(text[...]) }

    static func percent(_ value: Double) -> String { String((value * 1000).rounded() / 10) + "%" }
    static func number(_ value: Double) -> String { AuditReport.shown(value) }

    /// A line chart in a 360 x 220 box: x and y from 0 to the given maxima.
    static func lineChart(title: String, xLabel: String, yLabel: String, series: [(name: String, points: [(Double, Double)], mark: (Double, Double)?)],
                          xMax: Double = 1, yMax: Double = 1, yMin: Double = 0) -> String {
        let w = 360.0, h = 220.0, left = 44.0, bottom = 30.0, top = 20.0, right = 10.0
        func x(_ v: Double) -> Double { left + (v / xMax) * (w - left - right) }
        func y(_ v: Double) -> Double { h - bottom - ((v - yMin) / max(yMax - yMin, 1e-9)) * (h - bottom - top) }
        var svg = "<svg viewBox=\"0 0 \(Int(w)) \(Int(h))\" width=\"\(Int(w))\" height=\"\(Int(h))\" role=\"img\"><title>\(escape(title))</title>"
        svg += "<line x1=\"\(left)\" y1=\"\(y(yMin))\" x2=\"\(w - right)\" y2=\"\(y(yMin))\" stroke=\"#888\"/><line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(h - bottom)\" stroke=\"#888\"/>"
        if yMin < 0 { svg += "<line x1=\"\(left)\" y1=\"\(y(0))\" x2=\"\(w - right)\" y2=\"\(y(0))\" stroke=\"#ccc\" stroke-dasharray=\"3\"/>" }
        svg += "<text x=\"\(left)\" y=\"12\" font-size=\"11\">\(escape(yLabel)) (max \(number(yMax)))</text>"
        svg += "<text x=\"\(w - right)\" y=\"\(h - 6)\" font-size=\"11\" text-anchor=\"end\">\(escape(xLabel)) (0 to \(number(xMax)))</text>"
        for (i, line) in series.enumerated() {
            let color = colors[i % colors.count]
            let points = line.points.map { "\((x($0.0) * 10).rounded() / 10),\((y($0.1) * 10).rounded() / 10)" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\"\(points)\"/>"
            if let mark = line.mark { svg += "<circle cx=\"\(x(mark.0))\" cy=\"\(y(mark.1))\" r=\"4\" fill=\"\(color)\"/>" }
            svg += "<text x=\"\(left + 8)\" y=\"\(top + 12 + Double(i) * 13)\" font-size=\"11\" fill=\"\(color)\">\(escape(line.name))</text>"
        }
        return svg + "</svg>"
    }

    /// A 20-bin histogram of one metric's scores.
    static func histogram(_ metric: ContaminationMetric, values: [Double]) -> String {
        var bins = Array(repeating: 0, count: 20)
        for value in values { bins[min(19, Int(value * 20))] += 1 }
        let peak = max(bins.max() ?? 1, 1)
        let w = 240.0, h = 120.0
        var svg = "<svg viewBox=\"0 0 \(Int(w)) \(Int(h) + 16)\" width=\"\(Int(w))\" height=\"\(Int(h) + 16)\" role=\"img\"><title>\(metric.rawValue)</title>"
        for (i, count) in bins.enumerated() {
            let barHeight = Double(count) / Double(peak) * (h - 16)
            svg += "<rect x=\"\(Double(i) * w / 20 + 1)\" y=\"\(h - barHeight)\" width=\"\(w / 20 - 2)\" height=\"\(barHeight)\" fill=\"#1f77b4\"><title>\(Double(i) / 20)-\(Double(i + 1) / 20): \(count)</title></rect>"
        }
        svg += "<text x=\"0\" y=\"12\" font-size=\"11\">\(metric.rawValue) (\(values.count) samples, tallest bar \(peak))</text>"
        svg += "<text x=\"0\" y=\"\(Int(h) + 13)\" font-size=\"10\">0</text><text x=\"\(Int(w))\" y=\"\(Int(h) + 13)\" font-size=\"10\" text-anchor=\"end\">1</text>"
        return svg + "</svg>"
    }

    /// `text` with the UTF-8 byte range `marked` wrapped in `<mark>`.
    static func marked(_ text: String, _ marked: Range<Int>) -> String {
        let utf8 = Array(text.utf8)
        let lower = min(max(marked.lowerBound, 0), utf8.count), upper = min(max(marked.upperBound, lower), utf8.count)
        return escape(String(decoding: utf8[..<lower], as: UTF8.self)) + "<mark>" + escape(String(decoding: utf8[lower..<upper], as: UTF8.self))
            + "</mark>" + escape(String(decoding: utf8[upper...], as: UTF8.self))
    }

    /// The reference document around a match at character `offset` spanning `tokens` tokens,
    /// the match marked, with up to 400 characters of context on each side. Works on the
    /// UTF-8 bytes and tokenizes only past the match, so a document of many megabytes costs
    /// a walk to the offset, not a copy per excerpt.
    func referenceExcerpt(_ text: String, offset: Int, tokens: Int) -> String {
        var text = text
        return text.withUTF8 { buffer in
            let bytes = UnsafeRawBufferPointer(buffer)
            func isContinuation(_ i: Int) -> Bool { bytes[i] & 0xC0 == 0x80 }
            /// The byte where the character `characters` after the one at `from` starts.
            func forward(_ from: Int, _ characters: Int) -> Int {
                var i = from, moved = 0
                while i < bytes.count && moved < characters {
                    i += 1
                    while i < bytes.count && isContinuation(i) { i += 1 }
                    moved += 1
                }
                return i
            }
            func backward(_ from: Int, _ characters: Int) -> Int {
                var i = from, moved = 0
                while i > 0 && moved < characters {
                    i -= 1
                    while i > 0 && isContinuation(i) { i -= 1 }
                    moved += 1
                }
                return i
            }
            let start = forward(0, offset)
            // The match ends with its `tokens`-th token: tokenize a window past the start,
            // doubled until a token follows that one (so it is whole) or the text ends.
            var end = start
            var window = 4096
            while true {
                let limit = min(bytes.count, start + window)
                var ends: [Int] = []
                report.parameters.tokenizer.forEachToken(utf8: UnsafeRawBufferPointer(rebasing: bytes[start..<limit])) { _, tokenEnd in
                    if ends.count <= tokens { ends.append(start + tokenEnd) }
                }
                if ends.count > tokens || limit == bytes.count {
                    end = ends.isEmpty ? start : ends[min(tokens, ends.count) - 1]
                    break
                }
                window *= 2
            }
            let from = backward(start, 400), to = forward(end, 400)
            func slice(_ a: Int, _ b: Int) -> String { Self.escape(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[a..<b]), as: UTF8.self)) }
            return (from > 0 ? "… " : "") + slice(from, start) + "<mark>" + slice(start, end) + "</mark>" + slice(end, to) + (to < bytes.count ? " …" : "")
        }
    }

    func render() -> String {
        let scores = report.result.scores
        let parameters = report.parameters
        var html = """
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Contamination audit</title>
            <style>body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
            h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
            th:first-child,td:first-child{text-align:left}.charts{display:flex;flex-wrap:wrap;gap:16px}mark{background:#ffd54f}
            .pair{display:grid;grid-template-columns:1fr 1fr;gap:12px;margin-bottom:1.5em}.pair div{border:1px solid #ddd;padding:8px;white-space:pre-wrap;overflow-wrap:anywhere;font-size:13px}
            .meta{color:#555;font-size:12px}</style></head><body>
            <h1>Contamination audit</h1>
            """
        html += "<p class=\"meta\">\(scores.count) samples (\(Self.escape(report.fields.map(\.rawValue).joined(separator: ", ")))) from \(Self.escape(report.benchmarkInputs.joined(separator: ", ")))"
        html += " against \(report.result.referenceDocuments) reference documents, \(report.result.referenceTokens) tokens; tokenizer \(parameters.tokenizer.description), n = \(parameters.n), mincount = \(parameters.mincount), skip budget = \(parameters.skipBudget).</p>"

        html += "<h2>Score distributions</h2><div class=\"charts\">"
        for metric in ContaminationMetric.allCases { html += Self.histogram(metric, values: scores.map { $0.value(metric) }) }
        html += "</div><h2>Samples flagged per threshold</h2><div class=\"charts\">"
        html += Self.lineChart(title: "share flagged", xLabel: "threshold", yLabel: "share of samples above it", series: ContaminationMetric.allCases.map { metric in
            (metric.rawValue, report.flaggedShares(metric).enumerated().map { (Double($0.offset) / 100, $0.element) }, nil)
        })
        html += "</div>"

        if !report.models.isEmpty {
            html += "<h2>ConTAM: estimated performance gain against share flagged</h2><div class=\"charts\">"
            var table = "<table><tr><th>model</th><th>metric</th><th>threshold</th><th>flagged</th><th>EPG</th><th>z</th></tr>"
            for (name, modelScores) in report.models {
                var series: [(name: String, points: [(Double, Double)], mark: (Double, Double)?)] = []
                var low = 0.0, high = 0.0
                for metric in ContaminationMetric.allCases {
                    let analysis = report.analysis(model: modelScores, metric: metric)
                    let points = analysis.curve.map { ($0.flagged, $0.epg) }
                    low = min(low, points.map(\.1).min() ?? 0)
                    high = max(high, points.map(\.1).max() ?? 0)
                    series.append((metric.rawValue, points, analysis.selected.map { ($0.flagged, $0.epg) }))
                    if let chosen = analysis.selected {
                        table += "<tr><td>\(Self.escape(name))</td><td>\(metric.rawValue)</td><td>\(Self.number(chosen.tau))</td><td>\(Self.percent(chosen.flagged))</td><td>\(Self.number(chosen.epg))</td><td>\(Self.number(chosen.z))</td></tr>"
                    }
                }
                html += Self.lineChart(title: name, xLabel: "share flagged", yLabel: "\(name): EPG", series: series, yMax: max(high, 1e-6), yMin: low)
            }
            html += "</div>" + table + "</table><p class=\"meta\">The dot on each line is the threshold with the largest z; EPG = mean(all) - mean(clean).</p>"
        }

        html += "<h2>The \(min(20, Self.top(scores).count)) samples with the longest matches</h2>"
        for score in Self.top(scores) {
            guard let span = score.longestSpan else { continue }
            html += "<p><b>\(Self.escape(score.id))</b> <span class=\"meta\">longest \(Self.number(score.longestMatch)), token-extend \(Self.number(score.tokenExtend)), token-match \(Self.number(score.tokenMatch)), n-gram \(Self.number(score.ngramMatch)); \(span.end - span.start) of \(score.tokens) tokens, found in \(Self.escape(report.label(span.referenceDocument))) at character \(span.referenceOffset)</span></p>"
            html += "<div class=\"pair\"><div>" + (sampleTexts[score.id].map { Self.marked($0, span.byteRange) } ?? "<mark>\(Self.escape(span.text))</mark>") + "</div><div>"
            if let reference = references[span.referenceDocument], reference.holds(character: span.referenceOffset) {
                html += referenceExcerpt(reference.text, offset: span.referenceOffset - reference.firstCharacter, tokens: span.end - span.start)
            } else {
                html += "<span class=\"meta\">(reference text not kept)</span>"
            }
            html += "</div></div>"
        }
        return html + "</body></html>\n"
    }
}
