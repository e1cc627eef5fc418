/// The benchmark's token ids in one view (raw or normalised) and its distinct n-grams,
/// each with the positions where it occurs. An n-gram's hash rolls its tokens' `TokenHash`
/// values, so a reference window is hashed from its bytes alone; ids are looked up and
/// compared only where the hash is a benchmark n-gram's.
struct GramIndex: Sendable {
    let n: Int
    /// Every sample's token ids, concatenated: sample s is `tokens[base[s]..<base[s + 1]]`.
    private(set) var tokens: [Int32] = []
    private(set) var base: [Int] = [0]
    /// Per position: its distinct n-gram, or -1 when fewer than n tokens follow in its sample.
    private(set) var gramAt: [Int32] = []
    /// Per distinct n-gram: the position of its first occurrence.
    private(set) var gramFirst: [Int32] = []
    /// Per distinct n-gram g: its positions are `occurrences[occurrenceStart[g]..<occurrenceStart[g + 1]]`.
    private(set) var occurrenceStart: [Int32] = []
    private(set) var occurrences: [Int32] = []
    private var gramHash: [UInt64] = []
    private var slots: [Int32] = []
    private var mask = 0
    /// A blocked Bloom filter: each n-gram sets three bits of one word, chosen by its hash.
    /// Most reference windows are no benchmark n-gram, and this 256 KiB set says so for all
    /// but a fraction of a percent of them (one bit per n-gram let 5% through to `slots`,
    /// which misses the cache), while staying in the core's cache itself.
    private var present = [UInt64](repeating: 0, count: 1 << 15)

    /// Odd, so the rolling hash loses nothing; a literal, so reading it costs no lazy init.
    static let multiplier: UInt64 = 0x3779_BA0C_D843_D55B

    @inline(__always)
    static func slotHash(_ h: UInt64) -> UInt64 {
        var x = h ^ (h >> 31)
        x = x &* 0xBF58_476D_1CE4_E5B9
        return x ^ (x >> 29)
    }

    /// multiplier^n, to drop the oldest token from a rolling hash.
    let dropFactor: UInt64

    /// Indexes the n-grams of `samples` (vocabulary ids), hashing id i as `values[i]`.
    init(n: Int, samples: [[Int32]], values: [UInt64]) {
        self.n = n
        var factor: UInt64 = 1
        for _ in 0..<n { factor = factor &* Self.multiplier }
        dropFactor = factor
        for sample in samples {
            tokens += sample
            base.append(tokens.count)
        }
        gramAt = Array(repeating: -1, count: tokens.count)
        var capacity = 1024
        while capacity < tokens.count * 2 { capacity *= 2 }
        slots = Array(repeating: -1, count: capacity)
        mask = capacity - 1
        var counts: [Int32] = []
        tokens.withUnsafeBufferPointer { all in
            for s in 0..<samples.count {
                let start = base[s], end = base[s + 1]
                guard end - start >= n else { continue }
                var h: UInt64 = 0
                for p in start..<end {
                    h = h &* Self.multiplier &+ values[Int(all[p])]
                    if p - start >= n { h = h &- values[Int(all[p - n])] &* dropFactor }
                    guard p - start >= n - 1 else { continue }
                    let first = p - n + 1
                    let found = lookup(hash: h, at: all.baseAddress! + first)
                    if found >= 0 {
                        gramAt[first] = found
                        counts[Int(found)] += 1
                    } else {
                        let g = Int32(gramFirst.count)
                        gramFirst.append(Int32(first))
                        gramHash.append(h)
                        counts.append(1)
                        insert(g, hash: h)
                        gramAt[first] = g
                    }
                }
            }
        }
        // Positions per gram, in position order.
        occurrenceStart = [0]
        for c in counts { occurrenceStart.append(occurrenceStart.last! + c) }
        occurrences = Array(repeating: 0, count: Int(occurrenceStart.last!))
        var fill = occurrenceStart
        for (p, g) in gramAt.enumerated() where g >= 0 {
            occurrences[Int(fill[Int(g)])] = Int32(p)
            fill[Int(g)] += 1
        }
    }

    var gramCount: Int { gramFirst.count }
    var sampleCount: Int { base.count - 1 }

    /// The word of `present` and the three bits in it that stand for hash `h`.
    /// From the hash's top 33 bits, which its multiplications mix well, without mixing it again.
    @inline(__always)
    private static func presence(_ h: UInt64) -> (word: Int, bits: UInt64) {
        let bits = (1 as UInt64) &<< (h >> 31) | (1 as UInt64) &<< (h >> 37) | (1 as UInt64) &<< (h >> 43)
        return (Int(truncatingIfNeeded: h >> 49), bits)
    }

    private mutating func insert(_ g: Int32, hash h: UInt64) {
        let (word, bits) = Self.presence(h)
        present[word] |= bits
        var slot = Int(truncatingIfNeeded: Self.slotHash(h)) & mask
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = g
    }

    /// Whether `h` may be the hash of a benchmark n-gram: false for most reference windows,
    /// from one word of a set small enough to stay in the core's cache.
    @inline(__always)
    func mayHold(hash h: UInt64) -> Bool {
        let (word, bits) = Self.presence(h)
        return present[word] & bits == bits
    }

    /// Whether a benchmark n-gram has hash `h`; its ids are still to be compared.
    @inline(__always)
    func holds(hash h: UInt64) -> Bool {
        var slot = Int(truncatingIfNeeded: Self.slotHash(h)) & mask
        while slots[slot] >= 0 {
            if gramHash[Int(slots[slot])] == h { return true }
            slot = (slot + 1) & mask
        }
        return false
    }

    /// The distinct n-gram equal to the n ids at `ids` (whose rolling hash is `h`), or -1.
    @inline(__always)
    func lookup(hash h: UInt64, at ids: UnsafePointer<Int32>) -> Int32 {
        let mixed = Self.slotHash(h)
        var slot = Int(truncatingIfNeeded: mixed) & mask
        while true {
            let g = slots[slot]
            if g < 0 { return -1 }
            if gramHash[Int(g)] == h {
                let first = Int(gramFirst[Int(g)])
                var same = true
                for j in 0..<n where tokens[first + j] != ids[j] {
                    same = false
                    break
                }
                if same { return g }
            }
            slot = (slot + 1) & mask
        }
    }

    /// The sample that holds flat position `p` (binary search over `base`).
    func sample(of p: Int) -> Int {
        var low = 0, high = base.count - 1
        while low + 1 < high {
            let mid = (low + high) / 2
            if base[mid] <= p { low = mid } else { high = mid }
        }
        return low
    }
}
