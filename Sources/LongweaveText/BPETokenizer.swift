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

    private let rankRule: RankMerge?
    private let pairRule: PairMerge?

    public init(name: String, pattern: PreTokenizerPattern, normalizeNFC: Bool, model: Model, specialTokens: [(String, UInt32)]) {
        self.name = name
        self.pattern = pattern
        self.normalizeNFC = normalizeNFC
        self.model = model
        self.specialTokens = specialTokens
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
    public func encode(_ text: String, allowSpecial: Bool = false) -> [UInt32] {
        var out: [UInt32] = []
        if allowSpecial && !specialTokens.isEmpty {
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
