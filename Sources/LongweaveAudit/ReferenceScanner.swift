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
struct ReferenceScanner {
    let benchmark: AuditBenchmark
    var rawCounts: [Int32]
    var normalizedCounts: [Int32]
    /// `candidatesPerSeed` per raw position, best first.
    var spans: [SpanCandidate]
    var documents = 0
    var tokens = 0
    /// The document being scanned: its tokens' byte ranges and hashes, and the hashes of the
    /// tokens left after normalising, each with the index of the raw token it came from.
    private var starts: [Int] = []
    private var ends: [Int] = []
    private var tokenCount = 0
    private var rawHashes: [UInt64] = []
    private var normalizedHashes: [UInt64] = []
    private var normalizedSources: [Int32] = []
    private var normalizedCount = 0
    /// Per token of the document: its raw and normalised ids, `notLookedUp` until a window
    /// needs them; `idsCleared` says whether this document's entries were reset yet.
    private var ids: [Int32] = []
    private var normalizedIDs: [Int32] = []
    private var idsCleared = false
    private static let notLookedUp: Int32 = .min
    private var windows: [(position: Int, hash: UInt64)] = []
    private var hits: [(position: Int, gram: Int32)] = []
    private var gramIDs: [Int32]
    private var hasher = TokenHasher()
    private var scratch: [UInt8] = []
    /// Per raw position: the last match computed there (document, reference token, length).
    /// Made at the first hit: a scanner that only merges others' findings never needs it.
    private var lastMatch: [(document: Int, position: Int, length: Int32)] = []

    init(benchmark: AuditBenchmark) {
        self.benchmark = benchmark
        rawCounts = Array(repeating: 0, count: benchmark.raw.gramCount)
        normalizedCounts = Array(repeating: 0, count: benchmark.normalized.gramCount)
        spans = Array(repeating: SpanCandidate(), count: benchmark.raw.tokens.count * benchmark.parameters.candidatesPerSeed)
        gramIDs = Array(repeating: 0, count: benchmark.parameters.n)
    }

    /// Cuts `text` into tokens (`starts`, `ends`, `tokenCount`) and hashes them into
    /// `rawHashes` and `normalizedHashes[..<normalizedCount]` (a token that normalises to
    /// nothing leaves no hash there).
    private mutating func hashTokens(_ text: UnsafeRawBufferPointer) {
        // Swapped out, so that filling them does not overlap other accesses to self.
        var starts: [Int] = [], ends: [Int] = [], rawHashes: [UInt64] = [], normalizedHashes: [UInt64] = []
        var normalizedSources: [Int32] = [], hasher = TokenHasher.placeholder
        func exchange(_ scanner: inout ReferenceScanner) {
            swap(&starts, &scanner.starts)
            swap(&ends, &scanner.ends)
            swap(&rawHashes, &scanner.rawHashes)
            swap(&normalizedHashes, &scanner.normalizedHashes)
            swap(&normalizedSources, &scanner.normalizedSources)
            swap(&hasher, &scanner.hasher)
        }
        exchange(&self)
        defer { exchange(&self) }
        // The buffers grow with the tokens of the longest document so far, never shrink.
        var count = 0
        let tokenizer = benchmark.parameters.tokenizer
        if tokenizer.isWords {
            count = Words.boundaries(utf8: text, starts: &starts, ends: &ends)
        } else {
            let bound = tokenizer.tokenCountBound(utf8: text)
            if starts.count < bound {
                starts = Array(repeating: 0, count: max(bound, 2 * starts.count))
                ends = starts
            }
            starts.withUnsafeMutableBufferPointer { starts in
                ends.withUnsafeMutableBufferPointer { ends in
                    tokenizer.forEachToken(utf8: text) { start, end in
                        starts[count] = start
                        ends[count] = end
                        count += 1
                    }
                }
            }
        }
        if rawHashes.count < count {
            let capacity = max(count, 2 * rawHashes.count)
            rawHashes = Array(repeating: 0, count: capacity)
            normalizedHashes = rawHashes
            normalizedSources = Array(repeating: 0, count: capacity)
            ids = normalizedSources
            normalizedIDs = normalizedSources
        }
        let normalizedCount = starts.withUnsafeBufferPointer { starts in
            ends.withUnsafeBufferPointer { ends in
                rawHashes.withUnsafeMutableBufferPointer { rawHashes in
                    normalizedHashes.withUnsafeMutableBufferPointer { normalizedHashes in
                        normalizedSources.withUnsafeMutableBufferPointer { normalizedSources in
                            Self.hash(text, starts: starts.baseAddress!, ends: ends.baseAddress!, count: count, with: &hasher, raw: rawHashes.baseAddress!,
                                      normalized: normalizedHashes.baseAddress!, sources: normalizedSources.baseAddress!)
                        }
                    }
                }
            }
        }
        tokenCount = count
        self.normalizedCount = normalizedCount
    }

    /// Hashes tokens `starts[i]..<ends[i]` of `text` into `raw[i]`, and those left after
    /// normalising into `normalized`, each with its token's index in `sources`: their count.
    /// On pointers, so that the loop keeps its counters in registers.
    private static func hash(_ text: UnsafeRawBufferPointer, starts: UnsafePointer<Int>, ends: UnsafePointer<Int>, count: Int, with hasher: inout TokenHasher,
                             raw: UnsafeMutablePointer<UInt64>, normalized: UnsafeMutablePointer<UInt64>, sources: UnsafeMutablePointer<Int32>) -> Int {
        var kept = 0
        for i in 0..<count {
            let hashes = hasher.hashes(text, start: starts[i], end: ends[i])
            raw[i] = hashes.raw
            // Written always, kept by the count: no branch on the outcome.
            normalized[kept] = hashes.normalized
            sources[kept] = Int32(truncatingIfNeeded: i)
            kept &+= hashes.kept ? 1 : 0
        }
        return kept
    }

    /// Makes `ids[i]` and `normalizedIDs[i]` the ids of token i of `text`.
    @inline(__always)
    private mutating func lookUpIDs(_ i: Int, in text: UnsafeRawBufferPointer) {
        if !idsCleared {
            for j in 0..<tokenCount { ids[j] = Self.notLookedUp }
            idsCleared = true
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

    /// Appends to `windows` each start position in `hashes` whose n-gram hash `index` may hold.
    @inline(__always)
    private static func candidateWindows(_ hashes: UnsafeBufferPointer<UInt64>, _ index: GramIndex, into windows: inout [(position: Int, hash: UInt64)]) {
        let n = index.n
        guard hashes.count >= n else { return }
        var h: UInt64 = 0
        for p in 0..<n { h = h &* GramIndex.multiplier &+ hashes[p] }
        if index.mayHold(hash: h) { windows.append((0, h)) }
        for p in n..<hashes.count {
            h = h &* GramIndex.multiplier &+ hashes[p] &- hashes[p - n] &* index.dropFactor
            if index.mayHold(hash: h) { windows.append((p - n + 1, h)) }
        }
    }

    /// Scans one reference document (global index `document`).
    mutating func scan(_ text: UnsafeRawBufferPointer, document: Int) {
        documents += 1
        hashTokens(text)
        tokens += tokenCount
        idsCleared = false
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
        rawHashes.withUnsafeBufferPointer {
            Self.candidateWindows(UnsafeBufferPointer(rebasing: $0[..<tokenCount]), benchmark.raw, into: &windows)
        }
        for window in windows where benchmark.raw.holds(hash: window.hash) {
            for p in window.position..<window.position + n { lookUpIDs(p, in: text) }
            let g = ids.withUnsafeBufferPointer { benchmark.raw.lookup(hash: window.hash, at: $0.baseAddress! + window.position) }
            if g >= 0 { hits.append((window.position, g)) }
        }
        if !hits.isEmpty {
            if lastMatch.isEmpty { lastMatch = Array(repeating: (-1, -1, 0), count: benchmark.raw.tokens.count) }
            // Character offsets of this document's tokens, once, for the candidates it makes.
            let charOffsets = CharCount.offsets(of: starts[..<tokenCount], in: text)
            for (p, g) in hits {
                rawCounts[Int(g)] += 1
                for o in Int(benchmark.raw.occurrenceStart[Int(g)])..<Int(benchmark.raw.occurrenceStart[Int(g) + 1]) {
                    let q = Int(benchmark.raw.occurrences[o])
                    let length: Int
                    // Without skips, a match that went on past the seed one token back on the
                    // same diagonal gives this one's length; long copies stay linear.
                    if parameters.skipBudget == 0, q > 0, lastMatch[q - 1].document == document,
                       lastMatch[q - 1].position == p - 1, Int(lastMatch[q - 1].length) > n, benchmark.limit[q - 1] == benchmark.limit[q] {
                        length = Int(lastMatch[q - 1].length) - 1
                    } else {
                        length = extend(q, p, limit: benchmark.limit[q], budget: parameters.skipBudget, in: text)
                    }
                    lastMatch[q] = (document, p, Int32(length))
                    offer(SpanCandidate(length: Int32(length), document: document, offset: charOffsets[p]), at: q * k, k: k)
                }
            }
        }
        guard benchmark.normalized.gramCount > 0 else { return }
        windows.removeAll(keepingCapacity: true)
        normalizedHashes.withUnsafeBufferPointer {
            Self.candidateWindows(UnsafeBufferPointer(rebasing: $0[..<normalizedCount]), benchmark.normalized, into: &windows)
        }
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
