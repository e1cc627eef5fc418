/// How two adjacent parts of a piece merge: the merge's rank (lower first) and the token id
/// of the result, or nil when they do not merge.
protocol MergeRule {
    func merge(_ bytes: UnsafeRawBufferPointer, from start: Int, split: Int, to end: Int, left: UInt32, right: UInt32) -> (rank: UInt32, id: UInt32)?
    func byteID(_ byte: UInt8) -> UInt32
}

/// tiktoken's rule: two parts merge when their concatenated bytes are a token; its rank is the id.
struct RankMerge: MergeRule {
    let ranks: ByteSequenceTable

    @inline(__always)
    func merge(_ bytes: UnsafeRawBufferPointer, from start: Int, split: Int, to end: Int, left: UInt32, right: UInt32) -> (rank: UInt32, id: UInt32)? {
        guard let rank = ranks.get(UnsafeRawBufferPointer(rebasing: bytes[start..<end])) else { return nil }
        return (rank, rank)
    }

    func byteID(_ byte: UInt8) -> UInt32 {
        withUnsafeBytes(of: byte) { ranks.get($0) } ?? UInt32.max
    }
}

/// Hugging Face's rule: a listed merge of two token ids, ranked by its line in `merges`.
struct PairMerge: MergeRule {
    /// (left << 32 | right) -> (rank << 32 | merged id)
    let pairs: [UInt64: UInt64]
    let bytes: [UInt32]

    @inline(__always)
    func merge(_ bytes: UnsafeRawBufferPointer, from start: Int, split: Int, to end: Int, left: UInt32, right: UInt32) -> (rank: UInt32, id: UInt32)? {
        guard let packed = pairs[UInt64(left) << 32 | UInt64(right)] else { return nil }
        return (UInt32(packed >> 32), UInt32(truncatingIfNeeded: packed))
    }

    func byteID(_ byte: UInt8) -> UInt32 { bytes[Int(byte)] }
}

/// Byte-pair merging of one piece: repeatedly merge the adjacent pair of lowest rank
/// (the leftmost on ties) until none merges. Short pieces use a linear scan per merge;
/// long ones a heap with lazy deletion, so a megabyte without spaces stays O(n log n).
enum BytePairMerge {
    static let heapThreshold = 256

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

    private static func linear<R: MergeRule>(_ bytes: UnsafeRawBufferPointer, rule: R, into out: inout [UInt32]) {
        let n = bytes.count
        var starts = Array(0...n)  // part i is bytes[starts[i]..<starts[i+1]]
        var ids = (0..<n).map { rule.byteID(bytes[$0]) }
        var ranks = [UInt32](repeating: .max, count: n)
        var merged = [UInt32](repeating: 0, count: n)
        func evaluate(_ i: Int) {
            if let m = rule.merge(bytes, from: starts[i], split: starts[i + 1], to: starts[i + 2], left: ids[i], right: ids[i + 1]) {
                ranks[i] = m.rank
                merged[i] = m.id
            } else {
                ranks[i] = .max
            }
        }
        for i in 0..<(n - 1) { evaluate(i) }
        var parts = n
        while parts > 1 {
            var best = UInt32.max
            var at = -1
            for i in 0..<(parts - 1) where ranks[i] < best {
                best = ranks[i]
                at = i
            }
            if at < 0 { break }
            ids[at] = merged[at]
            ids.remove(at: at + 1)
            starts.remove(at: at + 1)
            ranks.remove(at: at + 1)
            merged.remove(at: at + 1)
            parts -= 1
            if at < parts - 1 { evaluate(at) } else { ranks[at] = .max }
            if at > 0 { evaluate(at - 1) }
        }
        out.append(contentsOf: ids[0..<parts])
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
