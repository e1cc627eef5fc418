import Testing
@testable import LongweaveIO

@Suite struct UTF8ValidationTests {
    /// Agrees with the standard library's validation on random byte strings built from ASCII
    /// runs, encoded scalars of every length, and the ill-formed pieces: stray continuation
    /// bytes, truncated sequences, overlong forms, surrogates and values past U+10FFFF.
    @Test func agreesWithTheStandardLibrary() {
        var random = SplitMix(seed: 3)
        let pieces: [[UInt8]] = [
            Array("plain ascii text ".utf8), Array("é".utf8), Array("—".utf8), Array("😀".utf8), Array("\u{10FFFF}".utf8),
            Array("\u{E000}".utf8), Array("\u{800}".utf8), [0x80], [0xBF], [0xC3], [0xE2, 0x80], [0xF0, 0x9F, 0x98],
            [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF],
            [0xF0, 0x80, 0x80, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF], [0xFE],
        ]
        var invalid = 0
        for _ in 0..<20_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0..<8, using: &random) {
                // Mostly well-formed pieces, so that one bad piece lands at every offset.
                let piece = Int.random(in: 0..<4, using: &random) == 0 ? pieces[Int.random(in: 9..<pieces.count, using: &random)] : pieces[Int.random(in: 0..<9, using: &random)]
                bytes += piece
            }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            let got = bytes.withUnsafeBytes { UTF8Validation.isValid($0) }
            #expect(got == expected, "\(bytes)")
            if got != expected { return }
            if !expected { invalid += 1 }
        }
        #expect(invalid > 5000)
    }
}
