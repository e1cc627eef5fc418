import LongweaveText

/// How texts are cut into tokens for an audit, from a `TokenizerSpec`: Python's
/// `str.split()`, one token per character (Unicode scalar), or a BPE tokenizer's tokens, so
/// that n-grams are n-grams of the model's ids. A BPE token's normalised form (for
/// TOKEN-MATCH and NGRAM-MATCH) is the token's bytes normalised, on both sides.
public struct AuditTokenizer: Sendable, Equatable, CustomStringConvertible {
    public let spec: TokenizerSpec
    private let bpe: BPETokenizer?
    /// Per token id: its length in bytes.
    private let byteLengths: [Int32]

    public static let words = AuditTokenizer(builtIn: "words")
    public static let chars = AuditTokenizer(builtIn: "chars")

    /// `words` or `chars`, which need no file.
    private init(builtIn name: String) {
        spec = try! TokenizerSpec(name)
        bpe = nil
        byteLengths = []
    }

    /// Loads the spec's tokenizer.
    public init(_ spec: TokenizerSpec) throws {
        self.spec = spec
        if case .bpe(let tokenizer) = try spec.load() {
            bpe = tokenizer
            byteLengths = tokenizer.tokenByteLengths()
        } else {
            bpe = nil
            byteLengths = []
        }
    }

    /// As the reports name it: the spec as written.
    public var description: String { spec.written }

    /// Whether tokens are a BPE tokenizer's (normalised token by token on both sides).
    var isBPE: Bool { bpe != nil }

    /// Whether tokens are Python's `str.split()` words.
    var isWords: Bool { spec.kind == .words }

    public static func == (a: AuditTokenizer, b: AuditTokenizer) -> Bool { a.spec == b.spec }

    /// At least the number of tokens of UTF-8 `text`, for sizing buffers.
    func tokenCountBound(utf8 text: UnsafeRawBufferPointer) -> Int {
        bpe == nil ? CharCount.count(utf8: text) : text.count
    }

    /// Calls `body(start, end)` with the byte range of each token of UTF-8 `text`.
    @inline(__always)
    func forEachToken(utf8 text: UnsafeRawBufferPointer, _ body: (Int, Int) -> Void) {
        if let bpe {
            var ids: [UInt32] = []
            bpe.encodeOrdinary(utf8: text, into: &ids)
            var start = 0
            for id in ids {
                let end = start + Int(byteLengths[Int(id)])
                body(start, end)
                start = end
            }
            return
        }
        if isWords {
            Words.forEach(utf8: text, body)
            return
        }
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
