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

    /// The spec's tokenizer, loaded already (for its cut places, without a second load).
    public init(_ spec: TokenizerSpec, loaded: Tokenizer) {
        self.spec = spec
        if case .bpe(let tokenizer) = loaded {
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
            if bpe.addedTokens.isEmpty {
                bpe.encodeOrdinary(utf8: text, into: &ids)
            } else {
                // A Hugging Face tokenizer's added tokens are its ids wherever they appear.
                bpe.addedTokens.split(text, normalized: nil) { part in
                    switch part {
                    case .token(let id): ids.append(id)
                    case .text(let rest): bpe.encodeOrdinary(utf8: rest, into: &ids)
                    }
                }
            }
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

extension AuditTokenizer {
    /// The last place in `text` after byte `start` where a document may be cut so that
    /// tokenizing the parts gives the tokens of the whole, or nil. A cut needs the byte after
    /// it, so it is never at the end. Characters: any character's start. Words: after ASCII
    /// whitespace. BPE: where every supported split pattern ends a piece whatever
    /// follows, and starts the next piece as it would starting there: between an ASCII
    /// letter and an ASCII byte that is neither a letter nor an apostrophe (which may start a
    /// contraction), between an ASCII digit and an ASCII byte that is not a digit, and between
    /// a CJK ideograph and a space, newline or CJK comma or full stop. With added tokens, only
    /// before a space or newline, and none at all if an added token holds a byte a cut comes
    /// before, so that no cut falls inside one.
    public func lastCut(in text: UnsafeRawBufferPointer, after start: Int) -> Int? {
        let cuts = cutRule
        guard cuts != .none else { return nil }
        var c = text.count - 1
        while c > start {
            if isCut(text, c, cuts) { return c }
            c -= 1
        }
        return nil
    }

    private enum CutRule { case none, narrow, broad }

    private var cutRule: CutRule {
        guard let bpe, !bpe.addedTokens.isEmpty else { return .broad }
        let safe = bpe.addedTokens.tokens.allSatisfy { token in !token.content.contains { [0x20, 0x0A, 0xEF, 0xE3].contains($0) } }
        return safe ? .narrow : .none
    }

    @inline(__always)
    private func isCut(_ text: UnsafeRawBufferPointer, _ c: Int, _ rule: CutRule) -> Bool {
        switch spec.kind {
        case .chars: return text[c] & 0xC0 != 0x80
        case .words: return WordCount.isASCIISpace(text[c - 1])
        default: break
        }
        let next = text[c], last = text[c - 1]
        @inline(__always) func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
        @inline(__always) func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
        if rule == .broad && next < 0x80 {
            if isLetter(last) { return !isLetter(next) && next != 0x27 }
            if isDigit(last) { return !isDigit(next) }
        }
        if next == 0x20 || next == 0x0A {
            if isLetter(last) { return true }
            return Self.endsIdeograph(text, c)
        }
        // U+FF0C FULLWIDTH COMMA, U+3002 IDEOGRAPHIC FULL STOP, U+3001 IDEOGRAPHIC COMMA.
        guard next == 0xEF || next == 0xE3, c + 2 < text.count else { return false }
        let mark = (next, text[c + 1], text[c + 2])
        guard mark == (0xEF, 0xBC, 0x8C) || mark == (0xE3, 0x80, 0x82) || mark == (0xE3, 0x80, 0x81) else { return false }
        return Self.endsIdeograph(text, c)
    }

    /// Whether the three bytes before `c` are a CJK unified ideograph, U+4E00 to U+9FFF (all letters).
    @inline(__always)
    private static func endsIdeograph(_ text: UnsafeRawBufferPointer, _ c: Int) -> Bool {
        guard c >= 3 else { return false }
        let lead = text[c - 3], second = text[c - 2]
        guard text[c - 1] & 0xC0 == 0x80, second & 0xC0 == 0x80 else { return false }
        return (lead >= 0xE5 && lead <= 0xE9) || (lead == 0xE4 && second >= 0xB8)
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
