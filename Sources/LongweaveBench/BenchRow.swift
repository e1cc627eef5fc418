import Foundation

/// What a row must reach.
enum BenchTarget: CustomStringConvertible {
    /// The reference's time over ours at least this.
    case ratio(Double)
    /// At least this many MB/s.
    case throughput(Double)
    /// A peak memory under this many MiB.
    case memory(mebibytes: Double)
    /// A share of the whole run under this many percent.
    case share(percent: Double)

    var description: String {
        switch self {
        case .ratio(let x): String(format: ">= %.2fx", x)
        case .throughput(let x): String(format: ">= %.0f MB/s", x)
        case .memory(let x): String(format: "< %.0f MiB", x)
        case .share(let x): String(format: "< %.0f%%", x)
        }
    }

    func isMet(by value: Double) -> Bool {
        switch self {
        case .ratio(let x), .throughput(let x): value >= x
        case .memory(let x), .share(let x): value < x
        }
    }
}

/// One printed line of the bench.
struct BenchRow {
    enum Status: String {
        case pass = "PASS"
        case fallsShort = "FALL SHORT"
        case skipped = "SKIPPED"
    }

    var name: String
    /// What was measured, as printed.
    var measured: String
    var status: Status
    var target: BenchTarget

    var line: String {
        pad(name, 40) + measured + "   target \(target): \(status.rawValue)"
    }
}

func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
