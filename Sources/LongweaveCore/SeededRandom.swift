import Crypto

/// A xoshiro256** generator seeded from (pipeline seed, stage name, key), so that every
/// random choice depends on what it is about, never on the order work ran in.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// - Parameters:
    ///   - seed: the pipeline's seed.
    ///   - stage: the stage's name in the pipeline file.
    ///   - key: what the choice is about, usually the sample id (plus a level).
    public init(seed: UInt64, stage: String, key: String) {
        var hasher = SHA256()
        withUnsafeBytes(of: seed.littleEndian) { hasher.update(bufferPointer: $0) }
        hasher.update(data: Array(stage.utf8) + [0] + Array(key.utf8))
        let digest = Array(hasher.finalize())
        func word(_ i: Int) -> UInt64 {
            var value: UInt64 = 0
            for j in 0..<8 { value |= UInt64(digest[i * 8 + j]) << (8 * UInt64(j)) }
            return value
        }
        state = (word(0), word(1), word(2), word(3))
        if state == (0, 0, 0, 0) { state.0 = 0x9E37_79B9_7F4A_7C15 }
    }

    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotate(state.3, 45)
        return result
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }

    /// A uniform integer in `0..<bound` (Lemire's method, unbiased).
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        let b = UInt64(bound)
        var product = next().multipliedFullWidth(by: b)
        if product.low < b {
            let threshold = (0 &- b) % b
            while product.low < threshold {
                product = next().multipliedFullWidth(by: b)
            }
        }
        return Int(product.high)
    }

    /// Shuffles `array` in place (Fisher-Yates with `below`, stable across platforms,
    /// unlike the standard library's `shuffle(using:)` whose algorithm is unspecified).
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = below(i + 1)
            if i != j { array.swapAt(i, j) }
        }
    }
}
