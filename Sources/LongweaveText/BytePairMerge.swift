/// How two adjacent parts of a piece merge: the merge's rank (lower first) and the token id
/// of the result, or nil when they do not merge.
protocol MergeRule {
    func merge(_ bytes: UnsafeRawBufferPointer, from start: Int, split: Int, to end: Int, left: UInt32, right: UInt32) -> (rank: UInt32, id: UInt32)?
    func byteID(_ byte: UInt8) -> UInt32
}

/// tiktoken's rule: two parts merge when their concatenated bytes are a token; its rank is the id.
struct RankMerge: MergeRule, Sendable {
    let ranks: ByteSequenceTable
    /// The rank of each single byte, looked up once.
    let byteRanks: [UInt32]

    /// The rank of each two-byte sequence (`.max` when none): the first merges of every
    /// piece read an array instead of hashing.
    let pairRanks: [UInt32]

    init(ranks: ByteSequenceTable) {
        self.ranks = ranks
        byteRanks = (0..<256).map { byte in withUnsafeBytes(of: UInt8(byte)) { ranks.get($0) } ?? UInt32.max }
        var pairs = [UInt32](repeating: .max, count: 1 << 16)
        ranks.forEach { bytes, rank in
            if bytes.count == 2 { pairs[Int(bytes[0]) << 8 | Int(bytes[1])] = rank }
        }
        pairRanks = pairs
    }

    @inline(__always)
    func merge(_ bytes: UnsafeRawBufferPointer, from start: Int, split: Int, to end: Int, left: UInt32, right: UInt32) -> (rank: UInt32, id: UInt32)? {
        if end - start == 2 {
            let rank = pairRanks.withUnsafeBufferPointer { $0[Int(bytes[start]) << 8 | Int(bytes[start + 1])] }
            return rank == .max ? nil : (rank, rank)
        }
        guard let rank = ranks.get(UnsafeRawBufferPointer(rebasing: bytes[start..<end])) else { return nil }
        return (rank, rank)
    }

    @inline(__always)
    func byteID(_ byte: UInt8) -> UInt32 { byteRanks[Int(byte)] }
}

/// Hugging Face's rule: a listed merge of two token ids, ranked by its line in `merges`.
struct PairMerge: MergeRule, Sendable {
    /// (left << 32 | right) -> (rank << 32 | merged id)
    let pairs: [UInt64: UInt64]
    let bytes: [UInt32]

    @inline(__always)
    func merge(_ bytes: UnsafeRawBufferPointer, from start: Int, split: Int, to end: Int, left: UInt32, right: UInt32) -> (rank: UInt32, id: UInt32)? {
        guard let packed = pairs[UInt64(left) << 32 | UInt64(right)] else { return nil }
        return (UInt32(packed >> 32), UInt32(truncatingIfNeeded: packed))
    }

    @inline(__always)
    func byteID(_ byte: UInt8) -> UInt32 { bytes[Int(byte)] }
}

/// Byte-pair merging of one piece: repeatedly merge the adjacent pair of lowest rank
/// (the leftmost on ties) until none merges. Short pieces use a linear scan per merge;
/// long ones a heap with lazy deletion, so a megabyte without spaces stays O(n log n).
enum BytePairMerge {
    static let heapThreshold = 128

    static func encode<R: MergeRule>(_ bytes: UnsafeRawBufferPointer, rule: R, into out: inout [UInt32], heapThreshold: Int = heapThreshold) {
        let n = bytes.count
        if n == 0 { return }
        if n == 1 {
            out.append(rule.byteID(bytes[0]))
            return
        }
        if n <= heapThreshold {
            linear(bytes, rule: rule, into: &out)
        } else {
            heap(bytes, rule: rule, into: &out)
        }
    }

    /// One part of a piece during the linear scan: where it starts, its token id, and the
    /// rank and result of merging it with the next part.
    private struct Part {
        var start: Int32
        var id: UInt32
        var rank: UInt32
        var merged: UInt32
    }

    private static func linear<R: MergeRule>(_ bytes: UnsafeRawBufferPointer, rule: R, into out: inout [UInt32]) {
        let n = bytes.count
        // parts[n] is a sentinel marking the end.
        var parts = (0...n).map { Part(start: Int32($0), id: $0 < n ? rule.byteID(bytes[$0]) : 0, rank: .max, merged: 0) }
        parts.withUnsafeMutableBufferPointer { parts in
            var count = n  // live parts, excluding the sentinel
            @inline(__always) func evaluate(_ i: Int) {
                if i + 1 < count, let m = rule.merge(bytes, from: Int(parts[i].start), split: Int(parts[i + 1].start),
                                                      to: Int(parts[i + 2].start), left: parts[i].id, right: parts[i + 1].id) {
                    parts[i].rank = m.rank
                    parts[i].merged = m.id
                } else {
                    parts[i].rank = .max
                }
            }
            for i in 0..<(n - 1) { evaluate(i) }
            while count > 1 {
                var best = UInt32.max
                var at = -1
                for i in 0..<(count - 1) where parts[i].rank < best {
                    best = parts[i].rank
                    at = i
                }
                if at < 0 { break }
                parts[at].id = parts[at].merged
                // Drop part at+1 (the sentinel moves down with the rest).
                for j in (at + 1)..<count { parts[j] = parts[j + 1] }
                count -= 1
                evaluate(at)
                if at > 0 { evaluate(at - 1) }
            }
            for i in 0..<count { out.append(parts[i].id) }
        }
    }

    private struct Candidate: Comparable {
        var rank: UInt32
        var left: Int32  // index of the left part (its start byte: unique and ordered)
        var stamp: UInt32  // the left part's version when this was computed
        var rightStamp: UInt32
        var id: UInt32
        static func < (a: Candidate, b: Candidate) -> Bool { (a.rank, a.left) < (b.rank, b.left) }
    }

    private static func heap<R: MergeRule>(_ bytes: UnsafeRawBufferPointer, rule: R, into out: inout [UInt32]) {
        let n = bytes.count
        // Parts are identified by their first byte index; a linked list over them.
        var next = (0..<n).map { Int32($0 + 1) }
        var prev = (0..<n).map { Int32($0 - 1) }
        var ids = (0..<n).map { rule.byteID(bytes[$0]) }
        var stamps = [UInt32](repeating: 0, count: n)
        var alive = [Bool](repeating: true, count: n)
        var queue = MinHeap<Candidate>()
        func push(_ left: Int) {
            let right = Int(next[left])
            guard right < n else { return }
            let end = Int(next[right])
            if let m = rule.merge(bytes, from: left, split: right, to: end, left: ids[left], right: ids[right]) {
                queue.push(Candidate(rank: m.rank, left: Int32(left), stamp: stamps[left], rightStamp: stamps[right], id: m.id))
            }
        }
        for i in 0..<(n - 1) { push(i) }
        while let candidate = queue.pop() {
            let left = Int(candidate.left)
            guard alive[left], stamps[left] == candidate.stamp else { continue }
            let right = Int(next[left])
            guard right < n, stamps[right] == candidate.rightStamp else { continue }
            // Merge right into left.
            ids[left] = candidate.id
            alive[right] = false
            next[left] = next[right]
            if Int(next[right]) < n { prev[Int(next[right])] = Int32(left) }
            stamps[left] &+= 1
            stamps[right] &+= 1
            push(left)
            if prev[left] >= 0 { push(Int(prev[left])) }
        }
        var i = 0
        while i < n {
            out.append(ids[i])
            i = Int(next[i])
        }
    }
}

/// A binary min-heap.
struct MinHeap<Element: Comparable> {
    private var items: [Element] = []

    mutating func push(_ element: Element) {
        items.append(element)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if items[child] < items[parent] {
                items.swapAt(child, parent)
                child = parent
            } else {
                break
            }
        }
    }

    mutating func pop() -> Element? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < items.count && items[left] < items[smallest] { smallest = left }
                if right < items.count && items[right] < items[smallest] { smallest = right }
                if smallest == parent { break }
                items.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return first
    }
}
