/// The raw and normalised ids of reference tokens a worker has met lately. A corpus's
/// tokens repeat (a few thousand words make most of any text), so most tokens are found
/// here with one probe instead of a vocabulary lookup and a normalisation.
///
/// Direct-mapped, keyed by the token's own bytes (at most 16, zero-padded), so a hit is
/// exact, not a hash match. A token whose last byte is zero has no unique key and is
/// never kept. The text is valid UTF-8, so no key has an 0xFF byte: an all-ones word marks
/// an empty entry and a token that cannot be kept.
import CPrefetch

struct RecentTokens {
    struct Entry {
        var low: UInt64 = .max
        var high: UInt64 = 0
        var raw: Int32 = 0
        var normalized: Int32 = 0
    }

    /// What `probe` gives for a token that is not kept.
    static let miss: Int32 = .min

    /// 2^18 entries of 24 bytes (6 MiB per worker): most of a corpus's tokens hit, and the
    /// probes of a document's tokens overlap, so the table may be larger than the core's
    /// cache (2^18 took 7 to 12% less time than 2^16, interleaved runs; 2^20 no less).
    static let bits = 18
    private var entries = [Entry](repeating: Entry(), count: 1 << bits)

    /// The key of the token at `start..<end` of `text`: its bytes as two little-endian words,
    /// or two all-ones words when it cannot be kept.
    @inline(__always)
    static func key(_ text: UnsafeRawBufferPointer, start: Int, end: Int) -> (low: UInt64, high: UInt64) {
        let length = end - start
        @inline(__always) func mask(_ bytes: Int) -> UInt64 {
            bytes <= 0 ? 0 : bytes >= 8 ? .max : UInt64.max >> UInt64(64 - 8 * bytes)
        }
        let low: UInt64, high: UInt64
        if start + 16 <= text.count {
            // Whole words are loaded and masked, without a branch on the length.
            low = text.loadUnaligned(fromByteOffset: start, as: UInt64.self) & mask(length)
            high = text.loadUnaligned(fromByteOffset: start + 8, as: UInt64.self) & mask(length - 8)
        } else {
            var words: (UInt64, UInt64) = (0, 0)
            withUnsafeMutableBytes(of: &words) { words in
                for j in 0..<min(length, 16) { words[j] = text[start + j] }
            }
            (low, high) = words
        }
        let keepable = length <= 16 && text[end - 1] != 0
        return keepable ? (low, high) : (.max, .max)
    }

    @inline(__always)
    private static func slot(_ key: (low: UInt64, high: UInt64)) -> Int {
        Int(truncatingIfNeeded: ((key.low ^ (key.high &* 0xC2B2_AE3D_27D4_EB4F)) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - bits))
    }

    /// Writes the kept ids of each of `keys` (or `miss` for both) to `raw` and `normalized`.
    /// Every entry's load is started before the first is compared, so the loads overlap.
    func probe(_ keys: UnsafeBufferPointer<(low: UInt64, high: UInt64)>, raw: UnsafeMutablePointer<Int32>, normalized: UnsafeMutablePointer<Int32>) {
        entries.withUnsafeBufferPointer { entries in
            for key in keys { longweave_prefetch(entries.baseAddress! + Self.slot(key)) }
            for (i, key) in keys.enumerated() {
                let entry = entries[Self.slot(key)]
                // Selected arithmetically: a branch on the outcome would mispredict on every miss.
                let hit = (entry.low == key.low) && (entry.high == key.high)
                let select = Int32(truncatingIfNeeded: -Int(hit ? 1 : 0))
                raw[i] = (entry.raw & select) | (Self.miss & ~select)
                normalized[i] = (entry.normalized & select) | (Self.miss & ~select)
            }
        }
    }

    /// Keeps the ids of `key`, replacing whatever shared its slot.
    @inline(__always)
    mutating func keep(_ key: (low: UInt64, high: UInt64), raw: Int32, normalized: Int32) {
        guard key.low != .max else { return }
        let slot = Self.slot(key)
        entries.withUnsafeMutableBufferPointer { $0[slot] = Entry(low: key.low, high: key.high, raw: raw, normalized: normalized) }
    }
}
