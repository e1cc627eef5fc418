import LongweaveText

/// How texts are cut into tokens for an audit: Python's `str.split()`, or one token per
/// character (Unicode scalar).
public enum AuditTokenizer: String, Sendable, CaseIterable {
    case words
    case chars

    /// Calls `body(start, end)` with the byte range of each token of UTF-8 `text`.
    @inline(__always)
    func forEachToken(utf8 text: UnsafeRawBufferPointer, _ body: (Int, Int) -> Void) {
        switch self {
        case .words:
            Words.forEach(utf8: text, body)
        case .chars:
            var i = 0
            while i < text.count {
                let b = text[i]
                let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
                let end = min(text.count, i + length)
                body(i, end)
                i = end
            }
        }
    }
}

/// ConTAM's parameters: n-gram length, how often an n-gram must occur in the reference to
/// be a seed, and how many mismatches a span may bridge.
public struct AuditParameters: Sendable, Equatable {
    public var tokenizer: AuditTokenizer
    public var n: Int
    public var mincount: Int
    public var skipBudget: Int

    public init(tokenizer: AuditTokenizer = .words, n: Int = 8, mincount: Int = 1, skipBudget: Int = 0) {
        self.tokenizer = tokenizer
        self.n = n
        self.mincount = mincount
        self.skipBudget = skipBudget
    }

    /// Span candidates kept per seed: with no skips and mincount > 1, a span is the longest
    /// prefix that occurs mincount times, which is the mincount-th longest match.
    var candidatesPerSeed: Int { skipBudget == 0 ? mincount : 1 }
}
