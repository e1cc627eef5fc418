/// An open-addressing hash map from byte sequences to 32-bit values, with keys in one
/// flat arena: lookups by a borrowed byte range allocate nothing.
public struct ByteSequenceTable: Sendable {
    private var arena: [UInt8] = []
    private var keyStart: [UInt32] = []
    private var keyLength: [UInt32] = []
    private var values: [UInt32] = []
    /// Slot -> (hash tag << 32) | (entry index + 1); 0 = empty. The tag spares most
    /// mismatching probes a trip to the arena.
    private var slots: [UInt64]
    private var mask: Int
    /// One bit per hash prefix, small enough to stay in cache: most sequences that are
    /// not keys (the common case while merging) are rejected without touching `slots`.
    private var filter = [UInt64](repeating: 0, count: 1 << (filterBits - 6))
    private static let filterBits = 21

    public init(expectedCount: Int) {
        var capacity = 16
        while capacity < expectedCount * 2 { capacity <<= 1 }
        slots = [UInt64](repeating: 0, count: capacity)
        mask = capacity - 1
    }

    public var count: Int { values.count }

    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var i = 0
        let n = bytes.count
        while i + 8 <= n {
            h = (h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 29
            i += 8
        }
        var tail: UInt64 = 0
        if i < n {
            withUnsafeMutableBytes(of: &tail) { $0.baseAddress!.copyMemory(from: bytes.baseAddress! + i, byteCount: n - i) }
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 32)
    }

    /// Adds or replaces the value of `key`.
    public mutating func insert(_ key: [UInt8], value: UInt32) {
        key.withUnsafeBytes { raw in
            let hash = Self.hash(raw)
            let tag = hash >> 32
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] != 0 {
                let entry = Int(truncatingIfNeeded: slots[slot] & 0xFFFF_FFFF) - 1
                if slots[slot] >> 32 == tag && equals(entry, raw) {
                    values[entry] = value
                    return
                }
                slot = (slot + 1) & mask
            }
            let bit = Int(truncatingIfNeeded: hash >> UInt64(64 - Self.filterBits))
            filter[bit >> 6] |= 1 << UInt64(bit & 63)
            keyStart.append(UInt32(arena.count))
            keyLength.append(UInt32(raw.count))
            arena.append(contentsOf: raw)
            values.append(value)
            slots[slot] = tag << 32 | UInt64(values.count)
        }
    }

    @inline(__always)
    private func equals(_ entry: Int, _ raw: UnsafeRawBufferPointer) -> Bool {
        let length = Int(keyLength[entry])
        guard length == raw.count else { return false }
        return arena.withUnsafeBytes { a in
            memcmpBytes(a.baseAddress! + Int(keyStart[entry]), raw.baseAddress!, length)
        }
    }

    /// The value of the byte sequence `bytes`, or nil.
    @inline(__always)
    public func get(_ bytes: UnsafeRawBufferPointer) -> UInt32? {
        guard bytes.count > 0 else { return nil }
        let hash = Self.hash(bytes)
        let bit = Int(truncatingIfNeeded: hash >> UInt64(64 - Self.filterBits))
        guard filter.withUnsafeBufferPointer({ $0[bit >> 6] }) & (1 << UInt64(bit & 63)) != 0 else { return nil }
        let tag = hash >> 32
        var slot = Int(truncatingIfNeeded: hash) & mask
        return slots.withUnsafeBufferPointer { slots in
            while true {
                let stored = slots[slot]
                if stored == 0 { return nil }
                if stored >> 32 == tag {
                    let entry = Int(truncatingIfNeeded: stored & 0xFFFF_FFFF) - 1
                    if equals(entry, bytes) { return values[entry] }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// Every (key, value), in insertion order.
    public func forEach(_ body: (UnsafeRawBufferPointer, UInt32) -> Void) {
        arena.withUnsafeBytes { a in
            for i in values.indices {
                body(UnsafeRawBufferPointer(rebasing: a[Int(keyStart[i])..<Int(keyStart[i] + keyLength[i])]), values[i])
            }
        }
    }
}

@inline(__always)
func memcmpBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
    var i = 0
    while i + 8 <= count {
        if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
        i += 8
    }
    while i < count {
        if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
        i += 1
    }
    return true
}
