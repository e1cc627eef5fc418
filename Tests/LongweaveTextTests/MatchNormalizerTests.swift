import Testing
@testable import LongweaveText

@Suite struct MatchNormalizerTests {
    /// The bit set of ASCII punctuation is Unicode's P* categories, byte for byte.
    @Test func asciiPunctuationIsUnicodesPunctuation() {
        for b in UInt8(0)..<128 {
            let category = Unicode.Scalar(b).properties.generalCategory
            #expect(MatchNormalizer.isASCIIPunctuation(b) == MatchNormalizer.isPunctuation(category), "byte \(b)")
        }
    }

    /// The register path for short ASCII words gives what the general path gives.
    @Test func shortASCIIWordsNormaliseAsTheGeneralPath() {
        for token in ["The", "said.", "U.S.A.", "(a)", "a-b_c", "$5+3", "word", "...", "ABCDEFGH", "ABCDEFGHI", "café"] {
            let expected = MatchNormalizer.normalize(token)
            var bytes = Array(token.utf8)
            let short = bytes.withUnsafeMutableBytes { MatchNormalizer.normalizedShortASCII(UnsafeRawBufferPointer($0)) }
            let changes = bytes.withUnsafeMutableBytes { MatchNormalizer.mayChange(UnsafeRawBufferPointer($0)) }
            // "May": it never misses a change; non-ASCII tokens always go the general way.
            if expected != token { #expect(changes, "\(token)") }
            if token.utf8.allSatisfy({ $0 < 0x80 }) { #expect(changes == (expected != token), "\(token)") }
            if token.utf8.count > 8 || !token.utf8.allSatisfy({ $0 < 0x80 }) || expected == token {
                #expect(short == nil, "\(token)")
                continue
            }
            let (word, count) = try! #require(short)
            let decoded = withUnsafeBytes(of: word) { String(decoding: $0.prefix(count), as: UTF8.self) }
            #expect(decoded == expected, "\(token)")
        }
    }
}
