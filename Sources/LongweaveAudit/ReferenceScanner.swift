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
///
/// A document's tokens are hashed from their bytes, raw and normalised, and the hashes roll
/// into n-gram hashes; ids are looked up in the benchmark's vocabulary only for the windows
/// whose hash is a benchmark n-gram's, and compared there, so every count is exact.
///
/// A document longer than `segmentBytes` is tokenized a segment at a time, each cut where
/// its tokenizer cuts anyway (`AuditTokenizer.lastCut`), and only the tokens that windows
/// and spans still need are held: memory follows the segment and the benchmark's longest
/// sample, not the document.
struct ReferenceScanner {
    let benchmark: AuditBenchmark
    var rawCounts: [Int32]
    var normalizedCounts: [Int32]
    /// `candidatesPerSeed` per raw position, best first.
    var spans: [SpanCandidate]
    var documents = 0
    var tokens = 0
    /// The most bytes of a document tokenized at once.
    let segmentBytes: Int
    /// How many tokens a raw window needs after its start before it is scanned mid-document:
    /// a span from it reads no further than the benchmark's longest sample.
    private let reserve: Int

    /// The document being scanned, as a window on its tokens: token i of the arrays below is
    /// the document's token `tokenBase + i`, and byte 0 of the text their offsets point into
    /// is the document's character `charBase`.
    private var document = 0
    private var tokenBase = 0
    private var charBase = 0
    /// The tokens' byte ranges and hashes, and the hashes of the tokens left after
    /// normalising, each with the index of the raw token it came from.
    private var starts: [Int] = []
    private var ends: [Int] = []
    private var tokenCount = 0
    private var rawHashes: [UInt64] = []
    private var normalizedHashes: [UInt64] = []
    private var normalizedSources: [Int32] = []
    private var normalizedCount = 0
    /// The first raw and normalised window positions not scanned yet.
    private var rawNext = 0
    private var normalizedNext = 0
    /// Per token: its raw and normalised ids, `notLookedUp` until a window needs them.
    /// Entries from `idsCleared` on are stale, reset at the first lookup that reaches them.
    private var ids: [Int32] = []
    private var normalizedIDs: [Int32] = []
    private var idsCleared = 0
    private static let notLookedUp: Int32 = .min
    /// A document that arrives in pieces: its text from the first token still held, of which
    /// `buffer[..<tokenizedEnd]` is tokenized; no cut lies in `buffer[..<cutSearched]` after it.
    private var buffer: [UInt8] = []
    private var tokenizedEnd = 0
    private var cutSearched = 0
    private var tokenRanges: [(Int, Int)] = []
    private var windows: [(position: Int, hash: UInt64)] = []
    private var hits: [(position: Int, gram: Int32)] = []
    private var gramIDs: [Int32]
    private var hasher = TokenHasher()
    private var scratch: [UInt8] = []
    /// Per raw position: the last match computed there (document, reference token, length).
    /// Made at the first hit: a scanner that only merges others' findings never needs it.
    private var lastMatch: [(document: Int, position: Int, length: Int32)] = []

    /// The tokens of the current document held now (for tests of what is let go).
    var heldTokens: Int { tokenCount }

    /// The size below which a document is tokenized whole.
    static let defaultSegmentBytes = 1 << 20

    init(benchmark: AuditBenchmark, segmentBytes: Int = Self.defaultSegmentBytes) {
        self.benchmark = benchmark
        self.segmentBytes = max(16, segmentBytes)
        rawCounts = Array(repeating: 0, count: benchmark.raw.gramCount)
        normalizedCounts = Array(repeating: 0, count: benchmark.normalized.gramCount)
        spans = Array(repeating: SpanCandidate(), count: benchmark.raw.tokens.count * benchmark.parameters.candidatesPerSeed)
        gramIDs = Array(repeating: 0, count: benchmark.parameters.n)
        var longest = benchmark.parameters.n
        for s in 0..<benchmark.raw.sampleCount { longest = max(longest, benchmark.raw.base[s + 1] - benchmark.raw.base[s]) }
        reserve = longest
    }

    /// Scans one reference document (global index `document`) held whole in memory.
    mutating func scan(_ text: UnsafeRawBufferPointer, document: Int) {
        guard text.count > segmentBytes else {
            begin(document: document)
            appendTokens(text, from: 0, to: text.count)
            scanWindows(text, final: true)
            return
        }
        begin(document: document)
        feed(text)
        finish()
    }

    /// Starts document `document`, whose text then arrives by `feed` (pieces cut anywhere)
    /// and ends with `finish`.
    mutating func begin(document: Int) {
        self.document = document
        documents += 1
        tokenBase = 0
        charBase = 0
        tokenCount = 0
        normalizedCount = 0
        rawNext = 0
        normalizedNext = 0
        idsCleared = 0
        buffer.removeAll(keepingCapacity: true)
        tokenizedEnd = 0
        cutSearched = 0
    }

    /// The next piece of the document begun: each time a segment's worth is waiting, it is
    /// tokenized up to the last cut, scanned as far as what follows allows, and what no
    /// window needs any more is let go.
    mutating func feed(_ piece: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < piece.count {
            let end = min(piece.count, offset + segmentBytes)
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: piece[offset..<end]))
            offset = end
            if buffer.count - tokenizedEnd >= segmentBytes { scanSegment() }
        }
    }

    private mutating func scanSegment() {
        var buffer: [UInt8] = []
        swap(&buffer, &self.buffer)
        defer { swap(&buffer, &self.buffer) }
        buffer.withUnsafeBytes { text in
            let found = benchmark.parameters.tokenizer.lastCut(in: text, after: max(tokenizedEnd, cutSearched))
            // A cut is judged by up to two bytes after it: the last ones are judged again with more.
            cutSearched = max(cutSearched, text.count - 3)
            guard let cut = found else { return }
            appendTokens(text, from: tokenizedEnd, to: cut)
            tokenizedEnd = cut
            scanWindows(text, final: false)
        }
        release(&buffer)
    }

    /// Ends the document begun: the rest is tokenized and every window left is scanned.
    mutating func finish() {
        var buffer: [UInt8] = []
        swap(&buffer, &self.buffer)
        defer {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 4 * segmentBytes)
            swap(&buffer, &self.buffer)
        }
        buffer.withUnsafeBytes { text in
            appendTokens(text, from: tokenizedEnd, to: text.count)
            scanWindows(text, final: true)
        }
    }

    /// Drops the tokens before the first that an unscanned raw or normalised window starts
    /// at, and the text before it.
    private mutating func release(_ buffer: inout [UInt8]) {
        let keep = min(rawNext, normalizedNext < normalizedCount ? Int(normalizedSources[normalizedNext]) : tokenCount)
        let cut = keep < tokenCount ? starts[keep] : tokenizedEnd
        guard keep > 0 || cut > 0 else { return }
        buffer.withUnsafeBytes { charBase += CharCount.count(utf8: UnsafeRawBufferPointer(rebasing: $0[..<cut])) }
        buffer.removeSubrange(..<cut)
        tokenizedEnd -= cut
        cutSearched = max(0, cutSearched - cut)
        for i in keep..<tokenCount {
            starts[i - keep] = starts[i] - cut
            ends[i - keep] = ends[i] - cut
            rawHashes[i - keep] = rawHashes[i]
            ids[i - keep] = ids[i]
            normalizedIDs[i - keep] = normalizedIDs[i]
        }
        for r in normalizedNext..<normalizedCount {
            normalizedHashes[r - normalizedNext] = normalizedHashes[r]
            normalizedSources[r - normalizedNext] = normalizedSources[r] - Int32(keep)
        }
        tokenCount -= keep
        normalizedCount -= normalizedNext
        normalizedNext = 0
        rawNext -= keep
        idsCleared = max(0, idsCleared - keep)
        tokenBase += keep
    }

    /// Makes room in the token arrays for `count` tokens; they grow with the largest
    /// segment so far, never shrink. (`Words.boundaries` may have grown `starts` and `ends`
    /// already.)
    private mutating func reserveTokens(_ count: Int) {
        guard rawHashes.count < count || starts.count < count else { return }
        let capacity = max(count, 2 * rawHashes.count, starts.count)
        starts += repeatElement(0, count: capacity - starts.count)
        ends += repeatElement(0, count: capacity - ends.count)
        rawHashes += repeatElement(0, count: capacity - rawHashes.count)
        normalizedHashes += repeatElement(0, count: capacity - normalizedHashes.count)
        normalizedSources += repeatElement(0, count: capacity - normalizedSources.count)
        ids += repeatElement(0, count: capacity - ids.count)
        normalizedIDs += repeatElement(0, count: capacity - normalizedIDs.count)
    }

    /// Appends the byte range of each token of `text[from..<to]` to `starts` and `ends`. The
    /// arrays grow with the tokens found, not the bytes (`Words.boundaries` for words), and a
    /// model's tokens are counted before they are stored.
    private mutating func cutTokens(_ text: UnsafeRawBufferPointer, from: Int, to: Int) {
        let tokenizer = benchmark.parameters.tokenizer
        func append(_ start: Int, _ end: Int) {
            reserveTokens(tokenCount + 1)
            starts[tokenCount] = start
            ends[tokenCount] = end
            tokenCount += 1
        }
        if !tokenizer.isWords && !tokenizer.isBPE {
            // Characters: their count is known first.
            let piece = UnsafeRawBufferPointer(rebasing: text[from..<to])
            reserveTokens(tokenCount + tokenizer.tokenCountBound(utf8: piece))
            var count = tokenCount
            starts.withUnsafeMutableBufferPointer { starts in
                ends.withUnsafeMutableBufferPointer { ends in
                    tokenizer.forEachToken(utf8: piece) { start, end in
                        starts[count] = from + start
                        ends[count] = from + end
                        count += 1
                    }
                }
            }
            tokenCount = count
            return
        }
        guard tokenizer.isWords else {
            var ranges: [(Int, Int)] = []
            swap(&ranges, &tokenRanges)
            defer { swap(&ranges, &tokenRanges) }
            ranges.removeAll(keepingCapacity: true)
            tokenizer.forEachToken(utf8: UnsafeRawBufferPointer(rebasing: text[from..<to])) { ranges.append((from + $0, from + $1)) }
            reserveTokens(tokenCount + ranges.count)
            for (start, end) in ranges { append(start, end) }
            return
        }
        tokenCount = Words.boundaries(utf8: UnsafeRawBufferPointer(rebasing: text[from..<to]), starts: &starts, ends: &ends, from: tokenCount, offset: from)
        reserveTokens(tokenCount)
    }

    /// Cuts `text[from..<to]` into tokens, appends them to the arrays and hashes them (a token
    /// that normalises to nothing leaves no normalised hash).
    private mutating func appendTokens(_ text: UnsafeRawBufferPointer, from: Int, to: Int) {
        guard to > from else { return }
        let first = tokenCount
        cutTokens(text, from: from, to: to)
        let count = tokenCount
        // Swapped out, so that filling them does not overlap other accesses to self.
        var rawHashes: [UInt64] = [], normalizedHashes: [UInt64] = [], normalizedSources: [Int32] = [], hasher = TokenHasher.placeholder
        swap(&rawHashes, &self.rawHashes)
        swap(&normalizedHashes, &self.normalizedHashes)
        swap(&normalizedSources, &self.normalizedSources)
        swap(&hasher, &self.hasher)
        let kept = starts.withUnsafeBufferPointer { starts in
            ends.withUnsafeBufferPointer { ends in
                rawHashes.withUnsafeMutableBufferPointer { rawHashes in
                    normalizedHashes.withUnsafeMutableBufferPointer { normalizedHashes in
                        normalizedSources.withUnsafeMutableBufferPointer { normalizedSources in
                            Self.hash(text, starts: starts.baseAddress! + first, ends: ends.baseAddress! + first, count: count - first, firstIndex: first, with: &hasher,
                                      raw: rawHashes.baseAddress! + first, normalized: normalizedHashes.baseAddress! + normalizedCount,
                                      sources: normalizedSources.baseAddress! + normalizedCount)
                        }
                    }
                }
            }
        }
        swap(&rawHashes, &self.rawHashes)
        swap(&normalizedHashes, &self.normalizedHashes)
        swap(&normalizedSources, &self.normalizedSources)
        swap(&hasher, &self.hasher)
        tokens += count - first
        normalizedCount += kept
    }

    /// Hashes tokens `starts[i]..<ends[i]` of `text` into `raw[i]`, and those left after
    /// normalising into `normalized`, each with its token's index (`firstIndex + i`) in
    /// `sources`: their count. On pointers, so that the loop keeps its counters in registers.
    private static func hash(_ text: UnsafeRawBufferPointer, starts: UnsafePointer<Int>, ends: UnsafePointer<Int>, count: Int, firstIndex: Int,
                             with hasher: inout TokenHasher, raw: UnsafeMutablePointer<UInt64>, normalized: UnsafeMutablePointer<UInt64>,
                             sources: UnsafeMutablePointer<Int32>) -> Int {
        var kept = 0
        for i in 0..<count {
            let hashes = hasher.hashes(text, start: starts[i], end: ends[i])
            raw[i] = hashes.raw
            // Written always, kept by the count: no branch on the outcome.
            normalized[kept] = hashes.normalized
            sources[kept] = Int32(truncatingIfNeeded: firstIndex &+ i)
            kept &+= hashes.kept ? 1 : 0
        }
        return kept
    }

    /// Makes `ids[i]` and `normalizedIDs[i]` the ids of token i of `text`.
    @inline(__always)
    private mutating func lookUpIDs(_ i: Int, in text: UnsafeRawBufferPointer) {
        if i >= idsCleared {
            for j in idsCleared..<tokenCount { ids[j] = Self.notLookedUp }
            idsCleared = tokenCount
        }
        guard ids[i] == Self.notLookedUp else { return }
        let found = lookUp(text, start: starts[i], end: ends[i])
        ids[i] = found.raw
        normalizedIDs[i] = found.normalized
    }

    /// The raw and normalised ids of the reference token at `start..<end` of `text`.
    private mutating func lookUp(_ text: UnsafeRawBufferPointer, start: Int, end: Int) -> (raw: Int32, normalized: Int32) {
        let token = UnsafeRawBufferPointer(rebasing: text[start..<end])
        let id = benchmark.vocabulary.id(of: token, readable: text.count - start)
        if id >= 0 { return (id, benchmark.normalizedID[Int(id)]) }
        if token.count <= 16 {
            let raw = TokenHash.words(text, start: start, length: token.count, readable: text.count)
            if TokenHash.isASCII(raw) {
                let ascii = TokenHash.normalizedASCII(low: raw.low, high: raw.high, length: token.count)
                var words = (ascii.low, ascii.high)
                return (id, ascii.count == 0 ? AuditBenchmark.removed
                    : withUnsafeBytes(of: &words) { benchmark.vocabulary.id(of: UnsafeRawBufferPointer(rebasing: $0[0..<ascii.count]), readable: 16) })
            }
        }
        MatchNormalizer.normalize(utf8: token, into: &scratch)
        return (id, scratch.isEmpty ? AuditBenchmark.removed : scratch.withUnsafeBytes { benchmark.vocabulary.id(of: $0) })
    }

    /// Appends to `windows` each start position (plus `offset`) in `hashes` whose n-gram
    /// hash `index` may hold.
    @inline(__always)
    private static func candidateWindows(_ hashes: UnsafeBufferPointer<UInt64>, offset: Int, _ index: GramIndex, into windows: inout [(position: Int, hash: UInt64)]) {
        let n = index.n
        guard hashes.count >= n else { return }
        var h: UInt64 = 0
        for p in 0..<n { h = h &* GramIndex.multiplier &+ hashes[p] }
        if index.mayHold(hash: h) { windows.append((offset, h)) }
        for p in n..<hashes.count {
            h = h &* GramIndex.multiplier &+ hashes[p] &- hashes[p - n] &* index.dropFactor
            if index.mayHold(hash: h) { windows.append((offset + p - n + 1, h)) }
        }
    }

    /// Scans the windows of the tokens held that have not been scanned: at the document's
    /// end (`final`) all of them, else the raw ones with `reserve` tokens after them and the
    /// normalised ones whose tokens are all here.
    private mutating func scanWindows(_ text: UnsafeRawBufferPointer, final: Bool) {
        let parameters = benchmark.parameters
        let n = parameters.n
        let k = parameters.candidatesPerSeed
        var windows: [(position: Int, hash: UInt64)] = [], hits: [(position: Int, gram: Int32)] = []
        swap(&windows, &self.windows)
        swap(&hits, &self.hits)
        defer {
            swap(&windows, &self.windows)
            swap(&hits, &self.hits)
        }
        windows.removeAll(keepingCapacity: true)
        hits.removeAll(keepingCapacity: true)
        let rawEnd = final ? tokenCount - n + 1 : tokenCount - reserve + 1
        if rawEnd > rawNext {
            rawHashes.withUnsafeBufferPointer {
                Self.candidateWindows(UnsafeBufferPointer(rebasing: $0[rawNext..<rawEnd + n - 1]), offset: rawNext, benchmark.raw, into: &windows)
            }
            rawNext = rawEnd
        }
        for window in windows where benchmark.raw.holds(hash: window.hash) {
            for p in window.position..<window.position + n { lookUpIDs(p, in: text) }
            let g = ids.withUnsafeBufferPointer { benchmark.raw.lookup(hash: window.hash, at: $0.baseAddress! + window.position) }
            if g >= 0 { hits.append((window.position, g)) }
        }
        if !hits.isEmpty {
            if lastMatch.isEmpty { lastMatch = Array(repeating: (-1, -1, 0), count: benchmark.raw.tokens.count) }
            // Character offsets of the hits' tokens, counted once for the candidates they make.
            let starts = self.starts
            let charOffsets = CharCount.offsets(of: hits.lazy.map { starts[$0.position] }, in: text)
            for (h, (p, g)) in hits.enumerated() {
                rawCounts[Int(g)] += 1
                // Where the document's token p is: its place in the document.
                let position = tokenBase + p
                for o in Int(benchmark.raw.occurrenceStart[Int(g)])..<Int(benchmark.raw.occurrenceStart[Int(g) + 1]) {
                    let q = Int(benchmark.raw.occurrences[o])
                    let length: Int
                    // Without skips, a match that went on past the seed one token back on the
                    // same diagonal gives this one's length; long copies stay linear.
                    if parameters.skipBudget == 0, q > 0, lastMatch[q - 1].document == document,
                       lastMatch[q - 1].position == position - 1, Int(lastMatch[q - 1].length) > n, benchmark.limit[q - 1] == benchmark.limit[q] {
                        length = Int(lastMatch[q - 1].length) - 1
                    } else {
                        length = extend(q, p, limit: benchmark.limit[q], budget: parameters.skipBudget, in: text)
                    }
                    lastMatch[q] = (document, position, Int32(length))
                    offer(SpanCandidate(length: Int32(length), document: document, offset: charBase + charOffsets[h]), at: q * k, k: k)
                }
            }
        }
        guard benchmark.normalized.gramCount > 0 else {
            // No normalised n-gram to find: nothing holds these tokens back.
            normalizedNext = normalizedCount
            return
        }
        windows.removeAll(keepingCapacity: true)
        let normalizedEnd = normalizedCount - n + 1
        guard normalizedEnd > normalizedNext else { return }
        normalizedHashes.withUnsafeBufferPointer {
            Self.candidateWindows(UnsafeBufferPointer(rebasing: $0[normalizedNext..<normalizedCount]), offset: normalizedNext, benchmark.normalized, into: &windows)
        }
        normalizedNext = normalizedEnd
        for window in windows where benchmark.normalized.holds(hash: window.hash) {
            for j in 0..<n {
                let i = Int(normalizedSources[window.position + j])
                lookUpIDs(i, in: text)
                gramIDs[j] = normalizedIDs[i]
            }
            let g = gramIDs.withUnsafeBufferPointer { benchmark.normalized.lookup(hash: window.hash, at: $0.baseAddress!) }
            if g >= 0 { normalizedCounts[Int(g)] += 1 }
        }
    }

    /// The span length from seed position q matched at reference token p: the last matching
    /// token within `budget` mismatches (none among the first n), never past the sample or document.
    private mutating func extend(_ q: Int, _ p: Int, limit: Int32, budget: Int, in text: UnsafeRawBufferPointer) -> Int {
        var j = benchmark.parameters.n
        var best = j
        var mismatches = 0
        while q + j < Int(limit) && p + j < tokenCount {
            if matches(q + j, p + j, in: text) {
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

    /// Whether benchmark raw token q is reference token p: different hashes say no at once.
    @inline(__always)
    private mutating func matches(_ q: Int, _ p: Int, in text: UnsafeRawBufferPointer) -> Bool {
        let id = benchmark.raw.tokens[q]
        guard benchmark.tokenHash[Int(id)] == rawHashes[p] else { return false }
        lookUpIDs(p, in: text)
        return ids[p] == id
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
        for i in spans.indices where other.spans[i].length > 0 { offer(other.spans[i], slot: i) }
    }

    /// Offers a candidate found elsewhere for the seed that owns `spans[slot]`.
    mutating func offer(_ candidate: SpanCandidate, slot: Int) {
        let k = benchmark.parameters.candidatesPerSeed
        offer(candidate, at: slot - slot % k, k: k)
    }
}
