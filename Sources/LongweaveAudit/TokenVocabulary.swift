/// Token strings of the benchmark, each with a dense id; a reference token that is not one
/// of them gets `unknown` and can never be part of a match.
struct TokenVocabulary: Sendable {
    static let unknown: Int32 = -1
    private var slots: [Int32]
    private var mask: Int
    /// One bit per hash value (its top 18 bits): a token whose bit is clear is unknown,
    /// found without touching `slots`, which for a large vocabulary misses the cache.
    private var present = [UInt64](repeating: 0, count: 1 << 12)
    private var hashes: [UInt64] = []
    private var starts: [Int] = [0]
    private var storage: [UInt8] = []

    init() {
        slots = Array(repeating: -1, count: 1024)
        mask = 1023
    }

    var count: Int { hashes.count }

    /// The hash of a token. `readable` bytes from its start may be read (at least its
    /// length): when its last partial word fits in them, that word is loaded whole and masked
    /// rather than assembled byte by byte; the value is the same either way.
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer, readable: Int) -> UInt64 {
        var h: UInt64 = 0x243F_6A88_85A3_08D3 ^ UInt64(bytes.count)
        var i = 0
        while i + 8 <= bytes.count {
            h = (h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 29
            i += 8
        }
        let rest = bytes.count - i
        if rest > 0 {
            var tail: UInt64 = 0
            if i + 8 <= readable {
                tail = UnsafeRawPointer(bytes.baseAddress!).loadUnaligned(fromByteOffset: i, as: UInt64.self) & (UInt64.max >> UInt64(64 - 8 * rest))
            } else {
                var shift: UInt64 = 0
                while i < bytes.count {
                    tail |= UInt64(bytes[i]) << shift
                    shift += 8
                    i += 1
                }
            }
            h = (h ^ tail) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 29
        }
        return (h ^ (h >> 32)) &* 0xD6E8_FEB8_6659_FD93
    }

    @inline(__always)
    private func equals(_ id: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        let start = starts[Int(id)], end = starts[Int(id) + 1]
        guard end - start == bytes.count else { return false }
        return storage.withUnsafeBytes { stored in
            // Most words are short: compare them without a call.
            if bytes.count <= 8 {
                for j in 0..<bytes.count where stored[start + j] != bytes[j] { return false }
                return true
            }
            return memcmp(stored.baseAddress! + start, bytes.baseAddress!, bytes.count) == 0
        }
    }

    /// The id of `bytes`, or `unknown`; `readable` bytes from its start may be read.
    @inline(__always)
    func id(of bytes: UnsafeRawBufferPointer, readable: Int = 0) -> Int32 {
        if bytes.isEmpty { return Self.unknown }
        let h = Self.hash(bytes, readable: readable)
        let bit = Int(truncatingIfNeeded: h >> 46)
        if present[bit >> 6] & (1 << UInt64(bit & 63)) == 0 { return Self.unknown }
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let id = slots[slot]
            if id < 0 { return Self.unknown }
            if hashes[Int(id)] == h && equals(id, bytes) { return id }
            slot = (slot + 1) & mask
        }
    }

    /// Calls `body` with the bytes of token `id`.
    func bytes(of id: Int32, _ body: (UnsafeRawBufferPointer) -> Void) {
        storage.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[starts[Int(id)]..<starts[Int(id) + 1]])) }
    }

    /// The id of `bytes`, added when new.
    mutating func intern(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        let existing = id(of: bytes)
        if existing != Self.unknown { return existing }
        if (hashes.count + 1) * 2 > slots.count { grow() }
        let h = Self.hash(bytes, readable: 0)
        let id = Int32(hashes.count)
        hashes.append(h)
        storage.append(contentsOf: bytes)
        starts.append(storage.count)
        place(id, hash: h)
        return id
    }

    private mutating func place(_ id: Int32, hash h: UInt64) {
        let bit = Int(truncatingIfNeeded: h >> 46)
        present[bit >> 6] |= 1 << UInt64(bit & 63)
        var slot = Int(truncatingIfNeeded: h) & mask
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = id
    }

    private mutating func grow() {
        slots = Array(repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for (id, h) in hashes.enumerated() { place(Int32(id), hash: h) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
