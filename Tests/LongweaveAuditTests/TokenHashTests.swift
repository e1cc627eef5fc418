import LongweaveCore
import LongweaveText
import Testing
@testable import LongweaveAudit
import LongweaveStages

@Suite struct TokenHashTests {
    /// The register normaliser gives `MatchNormalizer`'s bytes for every ASCII token it takes,
    /// on random tokens of 1 to 16 bytes over all of ASCII; `isASCII` tells which it takes.
    @Test func registerNormalisingIsMatchNormalizers() {
        var random = SeededRandom(seed: 5, stage: "test", key: "ascii")
        // Half the tokens are letters with one mark, the shape that has its own path.
        let letters = Array("abcXYZ09".utf8)
        for _ in 0..<20_000 {
            let length = 1 + random.below(16)
            var token = (0..<length).map { _ in random.below(2) == 0 ? letters[random.below(letters.count)] : UInt8(random.below(128)) }
            if random.below(2) == 0 { token[length - 1] = Array("!,.;)$".utf8)[random.below(6)] }
            let expected = MatchNormalizer.normalize(String(decoding: token, as: UTF8.self))
            let words = token.withUnsafeBytes { TokenHash.words($0, start: 0, length: length, readable: length) }
            #expect(TokenHash.isASCII(words))
            let normalized = TokenHash.normalizedASCII(low: words.low, high: words.high, length: length)
            let result = withUnsafeBytes(of: (normalized.low, normalized.high)) { Array($0.prefix(normalized.count)) }
            #expect(result == Array(expected.utf8), "\(token)")
            if result != Array(expected.utf8) { return }
        }
        #expect(!TokenHash.isASCII((0xA9C3, 0)))
    }

    /// The hashes the scanner takes from a document's bytes are those of the token and of the
    /// token normalised, whatever the token's length, script or place in the document (its
    /// last bytes are read one by one), and when a non-ASCII token comes back from memory:
    /// every token is hashed three times, among thousands of accented ones that share slots.
    @Test func aTokensHashesAreThoseOfItsBytes() {
        var tokens = ["a", "The", "said,", "(word)", "ABCDEFGHIJKLMNOP", "abcdefghijklmnopq", "Straße", "«Ἀθηνᾶς»", "—", "...", "x\u{0}", "x", "ÉLAN,"]
        var random = SeededRandom(seed: 9, stage: "test", key: "accented")
        let letters = Array("aeÉéñÑ—«»".unicodeScalars)
        for _ in 0..<3000 { tokens.append(String(String.UnicodeScalarView((0..<(1 + random.below(6))).map { _ in letters[random.below(letters.count)] }))) }
        var hasher = TokenHasher()
        for round in 0..<3 {
            for token in tokens {
                let padding = [0, 3, 20][round]
                let text = Array(token.utf8) + Array(repeating: UInt8(ascii: " "), count: padding)
                let hashes = text.withUnsafeBytes { hasher.hashes($0, start: 0, end: token.utf8.count) }
                let raw = Array(token.utf8).withUnsafeBytes { TokenHash.of($0) }
                let normalized = MatchNormalizer.normalize(token)
                #expect(hashes.raw == raw, "\(token)")
                #expect(hashes.kept == !normalized.isEmpty, "\(token)")
                #expect(!hashes.kept || hashes.normalized == Array(normalized.utf8).withUnsafeBytes { TokenHash.of($0) }, "\(token)")
                if hashes.raw != raw { return }
            }
        }
        // A zero byte at the end is part of the token: "x\0" is not "x".
        let withZero = Array("x\u{0}".utf8).withUnsafeBytes { TokenHash.of($0) }
        #expect(withZero != Array("x".utf8).withUnsafeBytes { TokenHash.of($0) })
    }
}
