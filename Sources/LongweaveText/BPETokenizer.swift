import Foundation
import LongweaveIO

/// A byte-level BPE tokenizer that counts and encodes exactly as its reference library:
/// tiktoken for `.tiktoken` rank files, Hugging Face `tokenizers` for `tokenizer.json`
/// (BPE model, byte-level, Split regex pre-tokenizer) and GPT-2 `vocab.json` + `merges.txt`.
public struct BPETokenizer: Sendable {
    public enum Model: Sendable {
        /// tiktoken: a rank per byte sequence; a piece that is itself a token is one token.
        case ranks(ByteSequenceTable)
        /// Hugging Face: merges of id pairs in rank order.
        case merges(pairs: [UInt64: UInt64], byteIDs: [UInt32])
    }

    public let name: String
    public let pattern: PreTokenizerPattern
    /// Apply Unicode NFC before splitting (the Qwen2 tokenizer.json normalizer).
    public let normalizeNFC: Bool
    public let model: Model
    /// Special or added tokens; recognised in text only when asked.
    public let specialTokens: [(String, UInt32)]
    /// A Hugging Face tokenizer's added tokens, which `tokenizers` finds in any text it
    /// encodes (special or not, with `add_special_tokens=False` too); none for tiktoken.
    public let addedTokens: AddedTokens
    /// A `tokenizer.json` post-processor that adds tokens with `add_special_tokens=True`
    /// (TemplateProcessing, RobertaProcessing, BertProcessing); never applied, since longweave
    /// counts as `add_special_tokens=False`.
    public var unappliedPostProcessor: String?

    private let rankRule: RankMerge?
    private let pairRule: PairMerge?

    public init(name: String, pattern: PreTokenizerPattern, normalizeNFC: Bool, model: Model, specialTokens: [(String, UInt32)],
                addedTokens: AddedTokens = AddedTokens([])) {
        self.name = name
        self.pattern = pattern
        self.normalizeNFC = normalizeNFC
        self.model = model
        self.specialTokens = specialTokens
        self.addedTokens = addedTokens
        switch model {
        case .ranks(let ranks):
            rankRule = RankMerge(ranks: ranks)
            pairRule = nil
        case .merges(let pairs, let byteIDs):
            rankRule = nil
            pairRule = PairMerge(pairs: pairs, bytes: byteIDs)
        }
    }

    /// Token ids of `text`. Special tokens are plain text unless `allowSpecial`
    /// (as tiktoken's `encode_ordinary` and `encode(..., allowed_special="all")`).
    /// A Hugging Face tokenizer finds its added tokens in the text whatever `allowSpecial` says,
    /// as `tokenizers`' `encode(text, add_special_tokens=False)` does.
    public func encode(_ text: String, allowSpecial: Bool = false) -> [UInt32] {
        var out: [UInt32] = []
        if !addedTokens.isEmpty {
            encodeFindingAddedTokens(text, into: &out)
        } else if allowSpecial && !specialTokens.isEmpty {
            var rest = Substring(text)
            while let (range, id) = firstSpecial(in: rest) {
                encodeOrdinary(String(rest[..<range.lowerBound]), into: &out)
                out.append(id)
                rest = rest[range.upperBound...]
            }
            encodeOrdinary(String(rest), into: &out)
        } else {
            encodeOrdinary(text, into: &out)
        }
        return out
    }

    /// The bytes of each token id (special tokens included), for decoding.
    public func tokenBytes() -> [UInt32: [UInt8]] {
        var table: [UInt32: [UInt8]] = [:]
        switch model {
        case .ranks(let ranks):
            ranks.forEach { bytes, rank in table[rank] = Array(bytes) }
        case .merges(let pairs, let byteIDs):
            for (byte, id) in byteIDs.enumerated() { table[id] = [UInt8(byte)] }
            // Merged tokens in rank order: both halves are known by then.
            for (key, packed) in pairs.sorted(by: { $0.value >> 32 < $1.value >> 32 }) {
                if let left = table[UInt32(key >> 32)], let right = table[UInt32(truncatingIfNeeded: key)] {
                    table[UInt32(truncatingIfNeeded: packed)] = left + right
                }
            }
        }
        for (text, id) in specialTokens { table[id] = Array(text.utf8) }
        return table
    }

    /// The length in bytes of each token id, indexed by id (0 for an unused id).
    public func tokenByteLengths() -> [Int32] {
        let table = tokenBytes()
        var lengths = [Int32](repeating: 0, count: Int(table.keys.max() ?? 0) + 1)
        for (id, bytes) in table { lengths[Int(id)] = Int32(bytes.count) }
        return lengths
    }

    /// The number of tokens of `text` (special tokens as plain text).
    public func count(_ text: String) -> Int {
        encode(text).count
    }

    private func firstSpecial(in text: Substring) -> (Range<Substring.Index>, UInt32)? {
        var best: (Range<Substring.Index>, UInt32)?
        for (token, id) in specialTokens {
            if let range = text.range(of: token), best == nil || range.lowerBound < best!.0.lowerBound
                || (range.lowerBound == best!.0.lowerBound && range.upperBound > best!.0.upperBound) {
                best = (range, id)
            }
        }
        return best
    }

    /// As `tokenizers` does: the added tokens matched on the raw text are split off first;
    /// the rest is normalised, then those matched on normalised text are split off, and what
    /// is left is pre-tokenized and merged.
    private func encodeFindingAddedTokens(_ text: String, into out: inout [UInt32]) {
        var text = text
        text.withUTF8 { raw in
            addedTokens.split(UnsafeRawBufferPointer(raw), normalized: false) { part in
                switch part {
                case .token(let id):
                    out.append(id)
                case .text(let bytes):
                    var normalized = normalizeNFC ? String(decoding: bytes, as: UTF8.self).precomposedStringWithCanonicalMapping : String(decoding: bytes, as: UTF8.self)
                    normalized.withUTF8 { normalizedBytes in
                        addedTokens.split(UnsafeRawBufferPointer(normalizedBytes), normalized: true) { part in
                            switch part {
                            case .token(let id): out.append(id)
                            case .text(let rest): encodeOrdinary(utf8: rest, into: &out)
                            }
                        }
                    }
                }
            }
        }
    }

    private func encodeOrdinary(_ text: String, into out: inout [UInt32]) {
        var text = normalizeNFC ? text.precomposedStringWithCanonicalMapping : text
        text.withUTF8 { encodeOrdinary(utf8: UnsafeRawBufferPointer($0), into: &out) }
    }

    /// The ids of valid UTF-8 `bytes` as `encode` gives them, special tokens as plain text,
    /// but without the NFC step: the tokens' bytes are `bytes` in order, so that an audit's
    /// offsets point into the text it read.
    public func encodeOrdinary(utf8 bytes: UnsafeRawBufferPointer, into out: inout [UInt32]) {
        // Scalars and the byte offset where each starts (plus the end).
        var scalars: [UInt32] = []
        var offsets: [Int] = []
        scalars.reserveCapacity(bytes.count)
        offsets.reserveCapacity(bytes.count + 1)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            offsets.append(i)
            if b < 0x80 {
                scalars.append(UInt32(b))
                i += 1
            } else if b < 0xE0 {
                scalars.append(UInt32(b & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F))
                i += 2
            } else if b < 0xF0 {
                scalars.append(UInt32(b & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F))
                i += 3
            } else {
                scalars.append(UInt32(b & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6 | UInt32(bytes[i + 3] & 0x3F))
                i += 4
            }
        }
        offsets.append(bytes.count)
        scalars.withUnsafeBufferPointer { scalarBuffer in
            pattern.split(scalarBuffer) { start, end in
                let piece = UnsafeRawBufferPointer(rebasing: bytes[offsets[start]..<offsets[end]])
                encodePiece(piece, into: &out)
            }
        }
    }

    @inline(__always)
    private func encodePiece(_ piece: UnsafeRawBufferPointer, into out: inout [UInt32]) {
        if let rankRule {
            if let whole = rankRule.ranks.get(piece) {
                out.append(whole)
            } else {
                BytePairMerge.encode(piece, rule: rankRule, into: &out)
            }
        } else if let pairRule {
            BytePairMerge.encode(piece, rule: pairRule, into: &out)
        }
    }
}

/// A Hugging Face tokenizer's added tokens, found in text as `tokenizers` finds them: at
/// each place the longest one that starts there, the leftmost first.
public struct AddedTokens: Sendable {
    public struct Token: Sendable {
        public var content: [UInt8]
        public var id: UInt32
        /// Matched on the normalised text, else on the raw text.
        public var normalized: Bool

        public init(content: String, id: UInt32, normalized: Bool) {
            self.content = Array(content.utf8)
            self.id = id
            self.normalized = normalized
        }
    }

    public let tokens: [Token]
    /// Per first byte: the tokens that start with it, longest first.
    private let byFirstByte: [[Int]]

    public init(_ tokens: [Token]) {
        let kept = tokens.filter { !$0.content.isEmpty }
        var byFirstByte = [[Int]](repeating: [], count: 256)
        for (i, token) in kept.enumerated() { byFirstByte[Int(token.content[0])].append(i) }
        self.tokens = kept
        self.byFirstByte = byFirstByte.map { $0.sorted { kept[$0].content.count > kept[$1].content.count } }
    }

    public var isEmpty: Bool { tokens.isEmpty }

    public enum Part {
        case text(UnsafeRawBufferPointer)
        case token(UInt32)
    }

    /// Calls `body` with the text between the matches of the tokens whose `normalized` is
    /// `normalized` (all of them when nil) (never empty), and with each match's id, in order.
    public func split(_ bytes: UnsafeRawBufferPointer, normalized: Bool?, _ body: (Part) -> Void) {
        var textStart = 0
        var i = 0
        while i < bytes.count {
            var matched: Token?
            for index in byFirstByte[Int(bytes[i])] where normalized == nil || tokens[index].normalized == normalized {
                let content = tokens[index].content
                if i + content.count <= bytes.count && content.withUnsafeBytes({ memcmp($0.baseAddress!, bytes.baseAddress! + i, content.count) == 0 }) {
                    matched = tokens[index]
                    break
                }
            }
            guard let token = matched else {
                i += 1
                continue
            }
            if i > textStart { body(.text(UnsafeRawBufferPointer(rebasing: bytes[textStart..<i]))) }
            body(.token(token.id))
            i += token.content.count
            textStart = i
        }
        if bytes.count > textStart { body(.text(UnsafeRawBufferPointer(rebasing: bytes[textStart...]))) }
    }
}
