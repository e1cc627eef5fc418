import Foundation
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

    static func escape(_ text: Substring) -> String { HTMLEscape.escape(text) }

    static func escape(_ text: String) -> String { escape(text[...]) }

    static func percent(_ value: Double) -> String { String((value * 1000).rounded() / 10) + "%" }
    static func number(_ value: Double) -> String { AuditReport.shown(value) }

    /// Round tick values from `low` to at least `high`: steps of 1, 2 or 5 times a power of ten.
    static func ticks(from low: Double, to high: Double, count: Int = 5) -> [Double] {
        let span = max(high - low, 1e-9)
        var step = pow(10, (log10(span / Double(count))).rounded(.down))
        for factor in [1.0, 2.0, 5.0, 10.0] where step * factor >= span / Double(count) { step *= factor; break }
        let first = (low / step).rounded(.down) * step
        var values: [Double] = []
        var value = first
        while value < high + step * 0.999 && values.count < 50 {
            values.append((value / step).rounded() * step)
            value += step
        }
        return values
    }

    /// A tick label: the shortest decimal that names it.
    static func tickLabel(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e9 { return String(Int(value)) }
        return String((value * 1000).rounded() / 1000)
    }

    /// A line chart 1000 x 320 with ticked, labelled axes over [xMin, xMax] and [yMin, yMax].
    static func lineChart(title: String, xLabel: String, yLabel: String, series: [(name: String, points: [(Double, Double)], mark: (Double, Double)?)],
                          xMin: Double = 0, xMax: Double = 1, yMax: Double = 1, yMin: Double = 0) -> String {
        let w = 1000.0, h = 320.0, left = 70.0, bottom = 48.0, top = 16.0, right = 20.0
        let xTicks = ticks(from: xMin, to: xMax, count: 10), yTicks = ticks(from: yMin, to: yMax, count: 5)
        let (x0, x1) = (xTicks.first ?? xMin, xTicks.last ?? xMax), (y0, y1) = (yTicks.first ?? yMin, yTicks.last ?? yMax)
        func x(_ v: Double) -> Double { ((left + (v - x0) / max(x1 - x0, 1e-12) * (w - left - right)) * 10).rounded() / 10 }
        func y(_ v: Double) -> Double { ((h - bottom - (v - y0) / max(y1 - y0, 1e-12) * (h - bottom - top)) * 10).rounded() / 10 }
        var svg = "<svg viewBox=\"0 0 \(Int(w)) \(Int(h))\" width=\"\(Int(w))\" height=\"\(Int(h))\" role=\"img\" class=\"chart\"><title>\(escape(title))</title>"
        for tick in xTicks {
            svg += "<line x1=\"\(x(tick))\" y1=\"\(top)\" x2=\"\(x(tick))\" y2=\"\(h - bottom)\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(x(tick))\" y=\"\(h - bottom + 16)\" font-size=\"12\" text-anchor=\"middle\">\(tickLabel(tick))</text>"
        }
        for tick in yTicks {
            svg += "<line x1=\"\(left)\" y1=\"\(y(tick))\" x2=\"\(w - right)\" y2=\"\(y(tick))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(y(tick) + 4)\" font-size=\"12\" text-anchor=\"end\">\(tickLabel(tick))</text>"
        }
        svg += "<line x1=\"\(left)\" y1=\"\(h - bottom)\" x2=\"\(w - right)\" y2=\"\(h - bottom)\" stroke=\"#666\"/><line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(h - bottom)\" stroke=\"#666\"/>"
        if y0 < 0 { svg += "<line x1=\"\(left)\" y1=\"\(y(0))\" x2=\"\(w - right)\" y2=\"\(y(0))\" stroke=\"#999\" stroke-dasharray=\"4\"/>" }
        svg += "<text x=\"\((left + w - right) / 2)\" y=\"\(h - 8)\" font-size=\"13\" text-anchor=\"middle\">\(escape(xLabel))</text>"
        svg += "<text transform=\"translate(16 \((top + h - bottom) / 2)) rotate(-90)\" font-size=\"13\" text-anchor=\"middle\">\(escape(yLabel))</text>"
        for (i, line) in series.enumerated() {
            let color = colors[i % colors.count]
            let points = line.points.filter { $0.0 >= x0 && $0.0 <= x1 }.map { "\(x($0.0)),\(y($0.1))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points)\"/>"
            if let mark = line.mark { svg += "<circle cx=\"\(x(mark.0))\" cy=\"\(y(mark.1))\" r=\"5\" fill=\"\(color)\"/>" }
            svg += "<text x=\"\(w - right - 8)\" y=\"\(top + 14 + Double(i) * 16)\" font-size=\"13\" text-anchor=\"end\" fill=\"\(color)\">\(escape(line.name))</text>"
        }
        return svg + "</svg>"
    }

    /// A 20-bin histogram of one metric's scores, 520 x 260, on a log count axis so that a
    /// tall bar at 0 does not flatten the others.
    static func histogram(_ metric: ContaminationMetric, values: [Double]) -> String {
        var bins = Array(repeating: 0, count: 20)
        for value in values { bins[min(19, max(0, Int(value * 20)))] += 1 }
        let peak = max(bins.max() ?? 1, 1)
        let w = 520.0, h = 260.0, left = 56.0, bottom = 44.0, top = 24.0, right = 12.0
        var decades = [1]
        // Decades up to the first at or above the tallest bar, which tops the axis.
        while decades.last! < peak { decades.append(decades.last! * 10) }
        let logTop = log10(Double(decades.last!) + 1)
        func y(_ count: Int) -> Double { ((h - bottom - log10(Double(count) + 1) / logTop * (h - bottom - top)) * 10).rounded() / 10 }
        let barWidth = (w - left - right) / 20
        var svg = "<svg viewBox=\"0 0 \(Int(w)) \(Int(h))\" width=\"\(Int(w))\" height=\"\(Int(h))\" role=\"img\" class=\"chart\"><title>\(metric.rawValue)</title>"
        svg += "<text x=\"\(left)\" y=\"14\" font-size=\"13\">\(metric.rawValue): \(values.count) samples</text>"
        for count in [0] + decades {
            svg += "<line x1=\"\(left)\" y1=\"\(y(count))\" x2=\"\(w - right)\" y2=\"\(y(count))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(y(count) + 4)\" font-size=\"12\" text-anchor=\"end\">\(count)</text>"
        }
        for (i, count) in bins.enumerated() where count > 0 {
            let top = y(count)
            svg += "<rect x=\"\(left + Double(i) * barWidth + 1)\" y=\"\(top)\" width=\"\(barWidth - 2)\" height=\"\(((h - bottom - top) * 10).rounded() / 10)\" fill=\"#1f77b4\"><title>\(Double(i) / 20) to \(Double(i + 1) / 20): \(count)</title></rect>"
        }
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            let x = left + tick * (w - left - right)
            svg += "<line x1=\"\(x)\" y1=\"\(h - bottom)\" x2=\"\(x)\" y2=\"\(h - bottom + 4)\" stroke=\"#666\"/>"
            svg += "<text x=\"\(x)\" y=\"\(h - bottom + 17)\" font-size=\"12\" text-anchor=\"middle\">\(tickLabel(tick))</text>"
        }
        svg += "<line x1=\"\(left)\" y1=\"\(h - bottom)\" x2=\"\(w - right)\" y2=\"\(h - bottom)\" stroke=\"#666\"/><line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(h - bottom)\" stroke=\"#666\"/>"
        svg += "<text x=\"\((left + w - right) / 2)\" y=\"\(h - 6)\" font-size=\"13\" text-anchor=\"middle\">score</text>"
        svg += "<text transform=\"translate(14 \((top + h - bottom) / 2)) rotate(-90)\" font-size=\"13\" text-anchor=\"middle\">samples (log scale)</text>"
        return svg + "</svg>"
    }

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
            th:first-child,td:first-child{text-align:left}.charts{display:flex;flex-wrap:wrap;gap:16px}svg.chart{flex:none}mark{background:#ffd54f}
            .pair{display:grid;grid-template-columns:1fr 1fr;gap:12px;margin-bottom:1.5em}.pair div{border:1px solid #ddd;padding:8px;white-space:pre-wrap;overflow-wrap:anywhere;font-size:13px}
            .meta{color:#555;font-size:12px}</style></head><body>
            <h1>Contamination audit</h1>
            """
        html += "<p class=\"meta\">\(scores.count) samples (\(Self.escape(report.fields.map(\.rawValue).joined(separator: ", ")))) from \(Self.escape(report.benchmarkInputs.joined(separator: ", ")))"
        html += " against \(report.result.referenceDocuments) reference documents, \(report.result.referenceTokens) tokens; tokenizer \(parameters.tokenizer.description), n = \(parameters.n), mincount = \(parameters.mincount), skip budget = \(parameters.skipBudget).</p>"

        html += "<h2>Score distributions</h2><div class=\"charts\">"
        for metric in ContaminationMetric.allCases { html += Self.histogram(metric, values: scores.map { $0.value(metric) }) }
        html += "</div><h2>Samples flagged per threshold</h2><div class=\"charts\">"
        // The thresholds where any metric still flags a sample, and a step past them.
        let shares = ContaminationMetric.allCases.map { report.flaggedShares($0) }
        let lastFlagging = shares.map { $0.lastIndex { $0 > 0 } ?? 0 }.max() ?? 0
        html += Self.lineChart(title: "share flagged", xLabel: "threshold (a sample is flagged when its score is above it)", yLabel: "share of samples flagged",
                               series: zip(ContaminationMetric.allCases, shares).map { metric, values in
            (metric.rawValue, values.enumerated().map { (Double($0.offset) / 100, $0.element) }, nil)
        }, xMax: min(1, max(0.05, Double(lastFlagging + 1) / 100)))
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
                let widest = series.flatMap { $0.points.map(\.0) }.max() ?? 1
                html += Self.lineChart(title: name, xLabel: "share of samples flagged", yLabel: "\(name): EPG", series: series,
                                       xMax: max(widest, 1e-6), yMax: max(high, 1e-6), yMin: low)
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
