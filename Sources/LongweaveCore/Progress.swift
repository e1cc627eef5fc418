import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A progress line on stderr (records, MB/s, ETA), only when asked and stderr is a terminal.
public final class Progress: Sendable {
    private struct State {
        var records = 0
        var bytes = 0
        var lastPrint = ContinuousClock.now
    }
    private let state = Mutex(State())
    private let total: Int
    private let enabled: Bool
    private let start = ContinuousClock.now

    /// `total` records are expected; nothing is shown unless `enabled` and stderr is a terminal.
    public init(total: Int, enabled: Bool) {
        self.total = total
        self.enabled = enabled && isatty(2) == 1
    }

    public func add(records: Int, bytes: Int) {
        guard enabled else { return }
        let line: String? = state.withLock { state in
            state.records += records
            state.bytes += bytes
            let now = ContinuousClock.now
            guard now - state.lastPrint > .milliseconds(250) else { return nil }
            state.lastPrint = now
            return render(records: state.records, bytes: state.bytes, now: now)
        }
        if let line { writeStandardError(line) }
    }

    private func render(records: Int, bytes: Int, now: ContinuousClock.Instant) -> String {
        let elapsed = max(1e-6, Double((now - start).components.attoseconds) / 1e18 + Double((now - start).components.seconds))
        let rate = Double(bytes) / elapsed / 1e6
        let eta = records > 0 ? elapsed * Double(total - records) / Double(records) : 0
        return "\r\(records)/\(total) records, \(Int(rate)) MB/s, ETA \(Int(eta)) s   "
    }

    public func finish() {
        guard enabled else { return }
        let line = state.withLock { render(records: $0.records, bytes: $0.bytes, now: .now) }
        writeStandardError(line + "\n")
    }
}

/// Writes to file descriptor 2 without going through C's shared `stderr` stream.
func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    bytes.withUnsafeMutableBytes { raw in _ = write(2, raw.baseAddress, raw.count) }
}
