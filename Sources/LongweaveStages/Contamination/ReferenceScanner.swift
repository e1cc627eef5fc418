import LongweaveText

/// Where a span of the benchmark matched the reference: its length in tokens, the global
/// index of the reference document and the character offset of the match in it.
struct SpanCandidate: Sendable, Equatable {
    var length: Int32 = 0
    var document: Int = 0
    var offset: Int = 0

    /// Longer first; ties go to the earlier document and offset, so merging is order-free.
    @inline(__always)
    func isBetter(than other: SpanCandidate) -> Bool {
        if length != other.length { return length > other.length }
        if document != other.document { return document < other.document }
        return offset < other.offset
    }
}

/// What one worker learns from the reference documents it scans: how often each benchmark
/// n-gram occurs (raw and normalised), and per raw seed position its best span candidates.
/// Workers' scanners merge into one; the result does not depend on how documents were split.
struct ReferenceScanner {
    let benchmark: AuditBenchmark
    var rawCounts: [Int32]
    var normalizedCounts: [Int32]
    /// `candidatesPerSeed` per raw position, best first.
    var spans: [SpanCandidate]
    var documents = 0
    var tokens = 0
    /// The document being scanned: its tokens' ids and byte offsets, and its normalised ids.
    private var ids: [Int32] = []
    private var starts: [Int] = []
    private var ends: [Int] = []
    private var tokenCount = 0
    private var normalizedIDs: [Int32] = []
    private var normalizedCount = 0
    private var normalized: [UInt8] = []
    private var recent = RecentTokens()
    private var keys = [(low: UInt64, high: UInt64)](repeating: (0, 0), count: 256)
    /// Per raw position: the last match computed there (document, reference token, length).
    private var lastMatch: [(document: Int, position: Int, length: Int32)]

    init(benchmark: AuditBenchmark) {
        self.benchmark = benchmark
        rawCounts = Array(repeating: 0, count: benchmark.raw.gramCount)
        normalizedCounts = Array(repeating: 0, count: benchmark.normalized.gramCount)
        spans = Array(repeating: SpanCandidate(), count: benchmark.raw.tokens.count * benchmark.parameters.candidatesPerSeed)
        lastMatch = Array(repeating: (-1, -1, 0), count: benchmark.raw.tokens.count)
    }

    /// Tokenizes `text` into `ids[..<tokenCount]` (benchmark ids, unknown for the rest),
    /// `starts` (byte offsets) and `normalizedIDs[..<normalizedCount]` (the normalised
    /// tokens, each from its raw token; a token that normalises to nothing leaves none).
    private mutating func tokenize(_ text: UnsafeRawBufferPointer) {
        // Swapped out, so that filling them does not overlap the lookups' access to self.
        var ids: [Int32] = [], starts: [Int] = [], ends: [Int] = [], normalizedIDs: [Int32] = []
        swap(&ids, &self.ids)
        swap(&starts, &self.starts)
        swap(&ends, &self.ends)
        swap(&normalizedIDs, &self.normalizedIDs)
        defer {
            swap(&ids, &self.ids)
            swap(&starts, &self.starts)
            swap(&ends, &self.ends)
            swap(&normalizedIDs, &self.normalizedIDs)
        }
        // The buffers grow with the tokens of the longest document so far, never shrink.
        var count = 0
        switch benchmark.parameters.tokenizer {
        case .words:
            count = Words.boundaries(utf8: text, starts: &starts, ends: &ends)
        case .chars:
            let scalars = CharCount.count(utf8: text)
            if starts.count < scalars {
                starts = Array(repeating: 0, count: max(scalars, 2 * starts.count))
                ends = starts
            }
            starts.withUnsafeMutableBufferPointer { starts in
                ends.withUnsafeMutableBufferPointer { ends in
                    benchmark.parameters.tokenizer.forEachToken(utf8: text) { start, end in
                        starts[count] = start
                        ends[count] = end
                        count += 1
                    }
                }
            }
        }
        if ids.count < count {
            ids = Array(repeating: 0, count: max(count, 2 * ids.count))
            normalizedIDs = ids
        }
        // Then the recent tokens are probed in a loop of their own, without a branch on the
        // outcome, so that consecutive probes wait for memory together; the misses are
        // looked up after.
        let miss = RecentTokens.miss
        var keys: [(low: UInt64, high: UInt64)] = []
        swap(&keys, &self.keys)
        defer { swap(&keys, &self.keys) }
        ids.withUnsafeMutableBufferPointer { ids in
            normalizedIDs.withUnsafeMutableBufferPointer { normalizedIDs in
                keys.withUnsafeMutableBufferPointer { keys in
                    // By chunks, so that the entries whose loads were started are still in
                    // the core's cache when compared.
                    for chunk in stride(from: 0, to: count, by: keys.count) {
                        let chunkCount = min(keys.count, count - chunk)
                        for j in 0..<chunkCount { keys[j] = RecentTokens.key(text, start: starts[chunk + j], end: ends[chunk + j]) }
                        recent.probe(UnsafeBufferPointer(rebasing: keys[..<chunkCount]), raw: ids.baseAddress! + chunk, normalized: normalizedIDs.baseAddress! + chunk)
                    }
                }
            }
        }
        var normalizedCount = 0
        ids.withUnsafeMutableBufferPointer { ids in
            normalizedIDs.withUnsafeMutableBufferPointer { normalizedIDs in
                for i in 0..<count {
                    var normalized = normalizedIDs[i]
                    if ids[i] == miss {
                        let start = starts[i], end = ends[i]
                        let found = lookUp(UnsafeRawBufferPointer(rebasing: text[start..<end]), readable: text.count - start)
                        recent.keep(RecentTokens.key(text, start: start, end: end), raw: found.raw, normalized: found.normalized)
                        ids[i] = found.raw
                        normalized = found.normalized
                    }
                    // Compacted in place: a token that normalises to nothing leaves no id.
                    if normalized != AuditBenchmark.removed {
                        normalizedIDs[normalizedCount] = normalized
                        normalizedCount += 1
                    }
                }
            }
        }
        tokenCount = count
        self.normalizedCount = normalizedCount
    }

    /// The raw and normalised ids of one reference token, from the vocabulary.
    private mutating func lookUp(_ token: UnsafeRawBufferPointer, readable: Int) -> (raw: Int32, normalized: Int32) {
        let vocabulary = benchmark.vocabulary
        let id = vocabulary.id(of: token, readable: readable)
        if id >= 0 { return (id, benchmark.normalizedID[Int(id)]) }
        if let ascii = MatchNormalizer.normalizedShortASCII(token) {
            // Short ASCII words ("The", "said.") are normalised in a register.
            var word = ascii.word
            return (id, ascii.count == 0 ? AuditBenchmark.removed
                : withUnsafeBytes(of: &word) { vocabulary.id(of: UnsafeRawBufferPointer(rebasing: $0[0..<ascii.count]), readable: 8) })
        }
        guard MatchNormalizer.mayChange(token) else { return (id, TokenVocabulary.unknown) }
        MatchNormalizer.normalize(utf8: token, into: &normalized)
        return (id, normalized.isEmpty ? AuditBenchmark.removed : normalized.withUnsafeBytes { vocabulary.id(of: $0) })
    }

    /// Calls `body(p, gram)` for each position p of `ids` where a benchmark n-gram of `index` starts.
    @inline(__always)
    private static func forEachHit(_ ids: ArraySlice<Int32>, _ index: GramIndex, _ body: (Int, Int32) -> Void) {
        let n = index.n
        ids.withUnsafeBufferPointer { ids in
            var h: UInt64 = 0
            var run = 0
            for p in 0..<ids.count {
                let id = ids[p]
                if id < 0 {
                    run = 0
                    h = 0
                    continue
                }
                h = h &* GramIndex.multiplier &+ GramIndex.value(id)
                run += 1
                if run > n { h = h &- GramIndex.value(ids[p - n]) &* index.dropFactor }
                if run >= n {
                    let g = index.lookup(hash: h, at: ids.baseAddress! + p - n + 1)
                    if g >= 0 { body(p - n + 1, g) }
                }
            }
        }
    }

    /// Scans one reference document (global index `document`).
    mutating func scan(_ text: UnsafeRawBufferPointer, document: Int) {
        documents += 1
        tokenize(text)
        tokens += tokenCount
        let parameters = benchmark.parameters
        let raw = benchmark.raw
        let k = parameters.candidatesPerSeed
        var hits: [(Int, Int32)] = []
        Self.forEachHit(ids[..<tokenCount], raw) { p, g in hits.append((p, g)) }
        if !hits.isEmpty {
            // Character offsets of this document's tokens, once, for the candidates it makes.
            let charOffsets = CharCount.offsets(of: starts[..<tokenCount], in: text)
            for (p, g) in hits {
                rawCounts[Int(g)] += 1
                for o in Int(raw.occurrenceStart[Int(g)])..<Int(raw.occurrenceStart[Int(g) + 1]) {
                    let q = Int(raw.occurrences[o])
                    let length: Int
                    // Without skips, a match that went on past the seed one token back on the
                    // same diagonal gives this one's length; long copies stay linear.
                    if parameters.skipBudget == 0, q > 0, lastMatch[q - 1].document == document,
                       lastMatch[q - 1].position == p - 1, Int(lastMatch[q - 1].length) > parameters.n, benchmark.limit[q - 1] == benchmark.limit[q] {
                        length = Int(lastMatch[q - 1].length) - 1
                    } else {
                        length = extend(q, p, limit: benchmark.limit[q], budget: parameters.skipBudget)
                    }
                    lastMatch[q] = (document, p, Int32(length))
                    offer(SpanCandidate(length: Int32(length), document: document, offset: charOffsets[p]), at: q * k, k: k)
                }
            }
        }
        if benchmark.normalized.gramCount > 0 {
            // Swapped out, not copied, so the closure below does not copy the array.
            var counts: [Int32] = []
            swap(&counts, &normalizedCounts)
            Self.forEachHit(normalizedIDs[..<normalizedCount], benchmark.normalized) { _, g in counts[Int(g)] += 1 }
            swap(&counts, &normalizedCounts)
        }
    }

    /// The span length from seed position q matched at reference token p: the last matching
    /// token within `budget` mismatches (none among the first n), never past the sample or document.
    @inline(__always)
    private func extend(_ q: Int, _ p: Int, limit: Int32, budget: Int) -> Int {
        let tokens = benchmark.raw.tokens
        var j = benchmark.parameters.n
        var best = j
        var mismatches = 0
        while q + j < Int(limit) && p + j < tokenCount {
            if tokens[q + j] == ids[p + j] {
                j += 1
                best = j
            } else {
                mismatches += 1
                if mismatches > budget { break }
                j += 1
            }
        }
        return best
    }

    /// Keeps `candidate` among the best k at `spans[at..<at + k]`.
    @inline(__always)
    private mutating func offer(_ candidate: SpanCandidate, at start: Int, k: Int) {
        guard candidate.isBetter(than: spans[start + k - 1]) else { return }
        var i = start + k - 1
        while i > start && candidate.isBetter(than: spans[i - 1]) {
            spans[i] = spans[i - 1]
            i -= 1
        }
        spans[i] = candidate
    }

    /// Adds another worker's findings.
    mutating func merge(_ other: ReferenceScanner) {
        documents += other.documents
        tokens += other.tokens
        for g in rawCounts.indices { rawCounts[g] += other.rawCounts[g] }
        for g in normalizedCounts.indices { normalizedCounts[g] += other.normalizedCounts[g] }
        let k = benchmark.parameters.candidatesPerSeed
        for start in stride(from: 0, to: spans.count, by: k) {
            for i in 0..<k where other.spans[start + i].length > 0 {
                offer(other.spans[start + i], at: start, k: k)
            }
        }
    }
}
