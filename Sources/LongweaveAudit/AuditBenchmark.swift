import LongweaveText

/// The samples of an audit, tokenized both ways, with their n-gram indexes.
struct AuditBenchmark: Sendable {
    let parameters: AuditParameters
    let ids: [String]
    let texts: [String]
    var vocabulary = TokenVocabulary()
    /// Raw tokens: TOKEN-EXTEND and LONGEST-MATCH.
    let raw: GramIndex
    /// Lowercased, punctuation deleted: TOKEN-MATCH and NGRAM-MATCH.
    let normalized: GramIndex
    /// Per raw position: the end of its sample in `raw.tokens`.
    let limit: [Int32]
    /// Per sample: the byte range of each raw token in its text.
    let rawRanges: [[Range<Int>]]
    /// Per vocabulary id: the id of the token normalised (`removed` when nothing is left,
    /// `TokenVocabulary.unknown` when it is not a benchmark token). Normalising never joins
    /// or splits tokens, so a reference's normalised tokens come from its raw ones.
    let normalizedID: [Int32]
    static let removed: Int32 = -2
    /// Per vocabulary id: the `TokenHash` of its bytes, the value n-gram hashes roll.
    let tokenHash: [UInt64]

    init(ids: [String], texts: [String], parameters: AuditParameters) {
        self.parameters = parameters
        self.ids = ids
        self.texts = texts
        var vocabulary = TokenVocabulary()
        var rawIDs: [[Int32]] = []
        var normalizedIDs: [[Int32]] = []
        var ranges: [[Range<Int>]] = []
        var scratch: [UInt8] = []
        for text in texts {
            var text = text
            var sampleIDs: [Int32] = []
            var sampleRanges: [Range<Int>] = []
            text.withUTF8 { bytes in
                let raw = UnsafeRawBufferPointer(bytes)
                parameters.tokenizer.forEachToken(utf8: raw) { start, end in
                    sampleIDs.append(vocabulary.intern(UnsafeRawBufferPointer(rebasing: raw[start..<end])))
                    sampleRanges.append(start..<end)
                }
                MatchNormalizer.normalize(utf8: raw, into: &scratch)
            }
            rawIDs.append(sampleIDs)
            ranges.append(sampleRanges)
            var normalizedSample: [Int32] = []
            if parameters.tokenizer.isBPE {
                // A BPE token normalises alone, as the reference side's tokens do.
                text.withUTF8 { bytes in
                    for range in sampleRanges {
                        MatchNormalizer.normalize(utf8: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[range]), into: &scratch)
                        if !scratch.isEmpty { normalizedSample.append(scratch.withUnsafeBytes { vocabulary.intern($0) }) }
                    }
                }
            } else {
                scratch.withUnsafeBytes { normalizedBytes in
                    parameters.tokenizer.forEachToken(utf8: normalizedBytes) { start, end in
                        normalizedSample.append(vocabulary.intern(UnsafeRawBufferPointer(rebasing: normalizedBytes[start..<end])))
                    }
                }
            }
            normalizedIDs.append(normalizedSample)
        }
        var normalizedID: [Int32] = []
        var token: [UInt8] = []
        for id in 0..<vocabulary.count {
            vocabulary.bytes(of: Int32(id)) { MatchNormalizer.normalize(utf8: $0, into: &token) }
            normalizedID.append(token.isEmpty ? Self.removed : token.withUnsafeBytes { vocabulary.id(of: $0) })
        }
        self.normalizedID = normalizedID
        self.vocabulary = vocabulary
        var tokenHash: [UInt64] = []
        for id in 0..<vocabulary.count { vocabulary.bytes(of: Int32(id)) { tokenHash.append(TokenHash.of($0)) } }
        self.tokenHash = tokenHash
        rawRanges = ranges
        raw = GramIndex(n: parameters.n, samples: rawIDs, values: tokenHash)
        normalized = GramIndex(n: parameters.n, samples: normalizedIDs, values: tokenHash)
        var limit: [Int32] = []
        limit.reserveCapacity(raw.tokens.count)
        for s in 0..<raw.sampleCount {
            limit += Array(repeating: Int32(raw.base[s + 1]), count: raw.base[s + 1] - raw.base[s])
        }
        self.limit = limit
    }
}
