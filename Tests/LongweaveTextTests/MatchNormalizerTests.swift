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
}
