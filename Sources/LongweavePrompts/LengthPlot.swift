import LongweaveCore
import LongweaveIO
import LongweaveText

/// `longweave stats --plot`: a self-contained HTML page (inline SVG, nothing fetched) with,
/// for the split's own length and each model's prompt tokens, one box plot per level:
/// minimum to maximum, the middle half, the median and the mean, and the model's window
/// less its answer tokens as a dashed line.
public enum LengthPlot {
    /// One level's values of one measure.
    public struct Series: Sendable {
        public var level: String
        public var values: [Int]
    }

    /// One panel: a measure over every level, and the line not to cross (if any).
    public struct Panel: Sendable {
        public var title: String
        public var series: [Series]
        public var limit: Int?
        public var limitLabel: String
    }

    /// Reads every record of a dataset folder: its `length` (or `total_length` for M4LE) and
    /// `meta.prompt_tokens`, per level, then the panels: the length, then each model.
    public static func panels(directory: String) throws -> [Panel] {
        let manifest = try Manifest.read(directory + "/manifest.json")
        guard let levels = manifest["levels"]?.objectValue?.keys else {
            throw IOError(path: directory + "/manifest.json", "no 'levels', expected a longweave manifest")
        }
        let models = (manifest["config"]?["models"]?.arrayValue ?? []).compactMap { model -> (String, Int)? in
            guard let name = model["name"]?.stringValue, let window = model["window"]?.intValue else { return nil }
            return (name, window - (model["answer_tokens"]?.intValue ?? 0))
        }
        var lengths: [Series] = []
        var tokens: [[Series]] = models.map { _ in [] }
        var unit = "length"
        for level in levels where FileSystem.isDirectory(directory + "/" + level) {
            var levelLengths: [Int] = []
            var levelTokens: [[Int]] = models.map { _ in [] }
            for shard in try DatasetReader.shards(at: directory + "/" + level) {
                try LineReader.forEachLine(in: shard) { line, number in
                    let record = try JSONValue.parse(line: line, path: shard, number: number)
                    if let lengthsByUnit = record["meta"]?["lengths"]?.objectValue, let first = lengthsByUnit.members.first {
                        unit = first.key
                        if let value = first.value.intValue { levelLengths.append(value) }
                    } else if let value = (record["length"] ?? record["total_length"])?.intValue {
                        levelLengths.append(value)
                    }
                    for (k, model) in models.enumerated() {
                        if let value = record["meta"]?["prompt_tokens"]?[model.0]?.intValue { levelTokens[k].append(value) }
                    }
                }
            }
            lengths.append(Series(level: level, values: levelLengths))
            for k in models.indices { tokens[k].append(Series(level: level, values: levelTokens[k])) }
        }
        var panels = [Panel(title: "length (\(unit))", series: lengths, limit: nil, limitLabel: "")]
        for (k, model) in models.enumerated() {
            panels.append(Panel(title: "prompt tokens: \(model.0)", series: tokens[k], limit: model.1, limitLabel: "window less answer tokens: \(model.1)"))
        }
        return panels
    }

    /// The page.
    public static func html(title: String, panels: [Panel]) -> String {
        var page = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>\(escape(title))</title>\n"
        page += "<style>body{font-family:sans-serif;margin:24px;color:#222}h1{font-size:20px}h2{font-size:16px;margin:24px 0 4px}"
        page += "svg text{font-size:12px;fill:#222}</style></head><body>\n<h1>\(escape(title))</h1>\n"
        page += "<p>Per level: the line runs from the shortest record to the longest, the box holds the middle half, "
        page += "the bar is the median and the dot the mean.</p>\n"
        for panel in panels { page += "<h2>\(escape(panel.title))</h2>\n" + svg(panel) + "\n" }
        return page + "</body></html>\n"
    }

    /// Round numbers for axis ticks from 0 past `top`.
    static func ticks(upTo top: Int) -> [Int] {
        guard top > 0 else { return [0] }
        let raw = Double(top) / 5
        var step = 1.0
        while step * 10 <= raw { step *= 10 }
        for factor in [1.0, 2.0, 5.0, 10.0] where step * factor >= raw { step *= factor; break }
        let count = Int((Double(top) / step).rounded(.up))
        return (0...count).map { Int(Double($0) * step) }
    }

    static func svg(_ panel: Panel) -> String {
        let rowHeight = 34, left = 70, right = 30, top = 28, width = 960
        let plotWidth = width - left - right
        let all = panel.series.flatMap(\.values)
        let top0 = max(all.max() ?? 0, panel.limit ?? 0)
        let ticks = ticks(upTo: top0)
        let scale = Double(plotWidth) / Double(max(ticks.last ?? 1, 1))
        func x(_ value: Double) -> Int { left + Int((value * scale).rounded()) }
        let height = top + rowHeight * max(panel.series.count, 1) + 46
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\">"
        let axisY = top + rowHeight * panel.series.count
        for tick in ticks {
            let tx = x(Double(tick))
            s += "<line x1=\"\(tx)\" y1=\"\(top)\" x2=\"\(tx)\" y2=\"\(axisY)\" stroke=\"#ddd\"/>"
            s += "<text x=\"\(tx)\" y=\"\(axisY + 16)\" text-anchor=\"middle\">\(label(tick))</text>"
        }
        s += "<line x1=\"\(left)\" y1=\"\(axisY)\" x2=\"\(left + plotWidth)\" y2=\"\(axisY)\" stroke=\"#444\"/>"
        s += "<text x=\"\(left + plotWidth / 2)\" y=\"\(axisY + 36)\" text-anchor=\"middle\">\(escape(panel.title))</text>"
        for (row, series) in panel.series.enumerated() {
            let cy = top + row * rowHeight + rowHeight / 2
            s += "<text x=\"\(left - 8)\" y=\"\(cy + 4)\" text-anchor=\"end\">\(escape(series.level))</text>"
            let sorted = series.values.sorted()
            guard let low = sorted.first, let high = sorted.last else {
                s += "<text x=\"\(left + 6)\" y=\"\(cy + 4)\">no records</text>"
                continue
            }
            func quantile(_ q: Double) -> Double {
                let position = q * Double(sorted.count - 1)
                let i = Int(position)
                return i + 1 < sorted.count ? Double(sorted[i]) + (position - Double(i)) * Double(sorted[i + 1] - sorted[i]) : Double(sorted[i])
            }
            let mean = Double(sorted.reduce(0, +)) / Double(sorted.count)
            let (q1, median, q3) = (quantile(0.25), quantile(0.5), quantile(0.75))
            let over = panel.limit.map { limit in sorted.count { $0 > limit } } ?? 0
            let color = over > 0 ? "#c0392b" : "#2e6da4"
            s += "<line x1=\"\(x(Double(low)))\" y1=\"\(cy)\" x2=\"\(x(Double(high)))\" y2=\"\(cy)\" stroke=\"\(color)\" stroke-width=\"2\"/>"
            s += "<rect x=\"\(x(q1))\" y=\"\(cy - 9)\" width=\"\(max(2, x(q3) - x(q1)))\" height=\"18\" fill=\"\(color)\" fill-opacity=\"0.3\" stroke=\"\(color)\"/>"
            s += "<line x1=\"\(x(median))\" y1=\"\(cy - 9)\" x2=\"\(x(median))\" y2=\"\(cy + 9)\" stroke=\"\(color)\" stroke-width=\"2\"/>"
            s += "<circle cx=\"\(x(mean))\" cy=\"\(cy)\" r=\"3\" fill=\"#222\"/>"
            let note = "n=\(sorted.count)" + (over > 0 ? ", \(over) over" : "")
            s += "<title>\(escape(series.level)): \(note), min \(low), median \(Int(median)), mean \(Int(mean.rounded())), max \(high)</title>"
            // The note beside the longest record, or before it near the right edge.
            let nearEdge = x(Double(high)) > left + plotWidth - 140
            s += "<text x=\"\(nearEdge ? x(Double(low)) - 6 : x(Double(high)) + 6)\" y=\"\(cy + 4)\" text-anchor=\"\(nearEdge ? "end" : "start")\">\(note)</text>"
        }
        if let limit = panel.limit {
            let lx = x(Double(limit))
            s += "<line x1=\"\(lx)\" y1=\"\(top - 8)\" x2=\"\(lx)\" y2=\"\(axisY)\" stroke=\"#c0392b\" stroke-dasharray=\"6 4\" stroke-width=\"2\"/>"
            s += "<text x=\"\(lx + 6)\" y=\"\(top - 12)\" style=\"fill:#c0392b\">\(escape(panel.limitLabel))</text>"
        }
        return s + "</svg>"
    }

    /// `16k`-style labels for round thousands.
    static func label(_ value: Int) -> String {
        value >= 1000 && value % 1000 == 0 ? "\(value / 1000)k" : String(value)
    }

    static func escape(_ text: String) -> String { HTMLEscape.escape(text) }
}
