import Foundation
import LongweaveCore

/// One sample's four ConTAM scores and its longest matching span.
public struct SampleScores: Sendable, Equatable {
    public var id: String
    /// Raw tokens of the sample's text.
    public var tokens: Int
    public var tokenMatch: Double
    public var ngramMatch: Double
    public var tokenExtend: Double
    public var longestMatch: Double
    public var longestSpan: LongestSpan?

    public func value(_ metric: ContaminationMetric) -> Double {
        switch metric {
        case .tokenMatch: tokenMatch
        case .ngramMatch: ngramMatch
        case .tokenExtend: tokenExtend
        case .longestMatch: longestMatch
        }
    }
}

/// The longest span of a sample found in the reference.
public struct LongestSpan: Sendable, Equatable {
    /// Token indices in the sample, end exclusive.
    public var start: Int
    public var end: Int
    public var text: String
    /// Where `text` lies in the sample's text, in UTF-8 bytes.
    public var byteRange: Range<Int>
    /// The reference document: its file's position among the reference files and its own
    /// position in that file (see `ReferenceDocument`).
    public var referenceDocument: ReferenceDocument
    /// Character offset of the match in that document.
    public var referenceOffset: Int
}

/// ConTAM's four metrics.
public enum ContaminationMetric: String, Sendable, CaseIterable {
    case tokenMatch = "token_match"
    case ngramMatch = "ngram_match"
    case tokenExtend = "token_extend"
    case longestMatch = "longest_match"
}

/// What an audit found: scores per sample, and how much reference was read.
public struct AuditResult: Sendable {
    public var scores: [SampleScores]
    public var referenceDocuments: Int
    public var referenceTokens: Int
}

/// Audits benchmark samples against a reference corpus that is streamed once: the
/// benchmark's n-grams are indexed, every reference document is scanned against them on all
/// threads, and the four metrics are computed from the counts and spans found.
public struct ContaminationAudit: Sendable {
    let benchmark: AuditBenchmark

    /// `samples`: each sample's id and text (its chosen fields joined by newlines).
    public init(samples: [(id: String, text: String)], parameters: AuditParameters) {
        benchmark = AuditBenchmark(ids: samples.map(\.id), texts: samples.map(\.text), parameters: parameters)
    }

    /// Scans the documents that `reference` emits with their identities, on `threads`
    /// workers, and scores every sample. Ties between equally long spans go to the lower
    /// document identity, so the scores do not depend on threads or on how files were split.
    public func run(threads: Int, reference: (_ emit: ReferenceEmitter) throws -> Void) throws -> AuditResult {
        result(of: try scan(threads: threads, reference: reference))
    }

    /// The scores from what one or more scans found.
    func result(of found: ReferenceScanner) -> AuditResult {
        AuditResult(scores: score(found), referenceDocuments: found.documents, referenceTokens: found.tokens)
    }

    /// The most that the scanners' span candidates may take: one per benchmark token and
    /// candidate kept (`mincount` of them with no skips), per worker.
    static let spanMemoryLimit = 1 << 30

    /// Refuses, before any work, an audit whose span candidates would not fit in
    /// `spanMemoryLimit` (a large `mincount` on a large benchmark), saying what would.
    func checkSpanMemory(workers: Int) throws {
        let perWorker = benchmark.raw.tokens.count.multipliedReportingOverflow(by: benchmark.parameters.candidatesPerSeed * MemoryLayout<SpanCandidate>.stride)
        // The reader's own scanner, for documents too long to hand to a worker, counts too.
        let workers = workers + 1
        let total = perWorker.partialValue.multipliedReportingOverflow(by: workers)
        guard perWorker.overflow || total.overflow || total.partialValue > Self.spanMemoryLimit else { return }
        let fitting = Self.spanMemoryLimit / max(1, benchmark.raw.tokens.count * MemoryLayout<SpanCandidate>.stride * workers)
        throw RunError("mincount \(benchmark.parameters.mincount) keeps \(benchmark.parameters.candidatesPerSeed) span candidates for each of the benchmark's \(benchmark.raw.tokens.count) tokens on \(workers) threads, more than \(Self.spanMemoryLimit >> 20) MiB; use --mincount \(max(1, fitting)) or less, fewer --threads, a skip budget, or fewer fields", isInputProblem: true)
    }

    /// An empty scan state, to merge partial ones into.
    func emptyScan() -> ReferenceScanner { ReferenceScanner(benchmark: benchmark) }

    /// Scans the reference and returns what was found, before scoring (a slice's partial result).
    /// Documents up to `segmentBytes` go to the workers in batches; a longer one, or one that
    /// arrives in pieces, is scanned on the reading thread as it arrives, a segment at a time.
    func scan(threads: Int, segmentBytes: Int = ReferenceScanner.defaultSegmentBytes,
              reference: (_ emit: ReferenceEmitter) throws -> Void) throws -> ReferenceScanner {
        let workers = max(1, threads)
        try checkSpanMemory(workers: workers)
        let queue = BatchQueue(capacity: workers * 2)
        let results = UnsafeSlots<ReferenceScanner>(count: workers)
        let group = DispatchGroup()
        let benchmark = self.benchmark
        for worker in 0..<workers {
            DispatchQueue.global().async(group: group) {
                var scanner = ReferenceScanner(benchmark: benchmark, segmentBytes: segmentBytes)
                while let batch = queue.pop() {
                    batch.bytes.withUnsafeBytes { bytes in
                        for i in 0..<(batch.ends.count) {
                            let start = i == 0 ? 0 : batch.ends[i - 1]
                            scanner.scan(UnsafeRawBufferPointer(rebasing: bytes[start..<batch.ends[i]]), document: batch.documents[i].key)
                        }
                    }
                }
                results.set(worker, scanner)
            }
        }
        var batch = DocumentBatch()
        var long: ReferenceScanner?
        var failure: Error?
        do {
            try reference { document, identity, piece in
                guard piece == .whole, document.count <= segmentBytes else {
                    if long == nil { long = ReferenceScanner(benchmark: benchmark, segmentBytes: segmentBytes) }
                    if piece.isFirst { long!.begin(document: identity.key) }
                    long!.feed(document)
                    if piece.isLast { long!.finish() }
                    return
                }
                batch.bytes.append(contentsOf: document)
                batch.ends.append(batch.bytes.count)
                batch.documents.append(identity)
                if batch.bytes.count >= 1 << 20 || batch.ends.count >= 4096 {
                    queue.push(batch)
                    batch = DocumentBatch()
                }
            }
            if !batch.ends.isEmpty { queue.push(batch) }
        } catch {
            failure = error
        }
        queue.close()
        group.wait()
        if let failure { throw failure }
        var merged = results.take(0)
        for worker in 1..<workers { merged.merge(results.take(worker)) }
        if let long { merged.merge(long) }
        return merged
    }

    /// The four metrics of every sample from what the scan found.
    func score(_ found: ReferenceScanner) -> [SampleScores] {
        let parameters = benchmark.parameters
        let n = parameters.n
        let k = parameters.candidatesPerSeed
        let raw = benchmark.raw
        let normalized = benchmark.normalized
        var scores: [SampleScores] = []
        for s in 0..<benchmark.ids.count {
            // Normalised text: seeds and the tokens they cover.
            let normalizedStart = normalized.base[s], normalizedEnd = normalized.base[s + 1]
            let normalizedLength = normalizedEnd - normalizedStart
            var seeds = 0
            var covered = 0
            var coveredUntil = normalizedStart
            for i in normalizedStart..<normalizedEnd {
                let g = normalized.gramAt[i]
                guard g >= 0, found.normalizedCounts[Int(g)] >= parameters.mincount else { continue }
                seeds += 1
                covered += i + n - max(i, coveredUntil)
                coveredUntil = i + n
            }
            // Raw text: each seed's span, their union and the longest.
            let rawStart = raw.base[s], rawEnd = raw.base[s + 1]
            let length = rawEnd - rawStart
            var extended = 0
            var extendedUntil = rawStart
            var longest: (start: Int, candidate: SpanCandidate)?
            for a in rawStart..<rawEnd {
                let g = raw.gramAt[a]
                guard g >= 0, found.rawCounts[Int(g)] >= parameters.mincount else { continue }
                let candidate = found.spans[a * k + k - 1]
                let end = a + Int(candidate.length)
                if end > extendedUntil {
                    extended += end - max(a, extendedUntil)
                    extendedUntil = end
                }
                if longest == nil || candidate.length > longest!.candidate.length { longest = (a, candidate) }
            }
            var span: LongestSpan?
            if let (a, candidate) = longest {
                let document = ReferenceDocument(key: candidate.document)
                let ranges = benchmark.rawRanges[s]
                let first = a - rawStart, last = first + Int(candidate.length)
                let utf8 = Array(benchmark.texts[s].utf8)
                let bytes = ranges[first].lowerBound..<ranges[last - 1].upperBound
                span = LongestSpan(start: first, end: last, text: String(decoding: utf8[bytes], as: UTF8.self), byteRange: bytes,
                                   referenceDocument: document, referenceOffset: candidate.offset)
            }
            func share(_ part: Int, _ whole: Int) -> Double { whole > 0 ? Double(part) / Double(whole) : 0 }
            scores.append(SampleScores(
                id: benchmark.ids[s], tokens: length,
                tokenMatch: share(covered, normalizedLength),
                ngramMatch: normalizedLength >= n ? share(seeds, normalizedLength - n + 1) : 0,
                tokenExtend: share(extended, length),
                longestMatch: share(longest.map { Int($0.candidate.length) } ?? 0, length),
                longestSpan: span))
        }
        return scores
    }
}

/// Which reference document: the position of its file among the reference files, and its
/// own position in that file.
/// Which part of a reference document's text a piece is: a document longer than
/// `ReferenceReader.pieceBytes` arrives in several pieces, cut at any byte.
public struct DocumentPiece: Sendable, Equatable {
    public var isFirst: Bool
    public var isLast: Bool

    public init(isFirst: Bool, isLast: Bool) {
        self.isFirst = isFirst
        self.isLast = isLast
    }

    /// The whole document at once.
    public static let whole = DocumentPiece(isFirst: true, isLast: true)
}

/// Takes reference text: the bytes of a document or of a piece of one, the document, and
/// which piece. The pieces of a document arrive in order, one after the other.
public typealias ReferenceEmitter = (UnsafeRawBufferPointer, ReferenceDocument, DocumentPiece) -> Void

public struct ReferenceDocument: Sendable, Hashable, Comparable {
    public var file: Int
    public var index: Int

    public init(file: Int, index: Int) {
        self.file = file
        self.index = index
    }

    /// One integer in the same order, for compact storage.
    var key: Int { file << 40 | index }
    init(key: Int) { self.init(file: key >> 40, index: key & (1 << 40 - 1)) }

    public static func < (a: ReferenceDocument, b: ReferenceDocument) -> Bool { a.key < b.key }
}

/// Reference documents on their way to a worker: one buffer, each document's end in it.
struct DocumentBatch: Sendable {
    var bytes: [UInt8] = []
    var ends: [Int] = []
    var documents: [ReferenceDocument] = []
}

/// A bounded queue of batches between the reading thread and the workers. A class because
/// it owns the condition variable that both sides wait on.
final class BatchQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [DocumentBatch] = []
    private var closed = false
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func push(_ batch: DocumentBatch) {
        condition.lock()
        while items.count >= capacity { condition.wait() }
        items.append(batch)
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, or nil once the queue is closed and empty.
    func pop() -> DocumentBatch? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !closed { condition.wait() }
        if items.isEmpty { return nil }
        let batch = items.removeFirst()
        condition.broadcast()
        return batch
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
