import Testing
@testable import LongweaveText

@Suite struct PhraseReplacerTests {
    @Test func wholeWordsLongestFirstAndCaseVariants() {
        let replacer = PhraseReplacer(pairs: [("Paris", "Velmor"), ("Paris Hilton", "Tamsil Korven"), ("river", "canal")], wholeWords: true)
        let (text, count) = replacer.replace("Paris Hilton left PARIS for Parisian shores; the river. River!")
        #expect(text == "Tamsil Korven left VELMOR for Parisian shores; the canal. Canal!")
        #expect(count == 4)
        // A replacement is never matched again, even when it contains an original.
        let chain = PhraseReplacer(pairs: [("a", "b a"), ("b", "c")], wholeWords: true)
        #expect(chain.replace("a b").text == "b a c")
    }

    @Test func chineseMatchesExactly() {
        let replacer = PhraseReplacer(pairs: [("北京", "岚城"), ("北京大学", "沐泽学院")], wholeWords: false)
        #expect(replacer.replace("他在北京大学读书，住在北京。").text == "他在沐泽学院读书，住在岚城。")
        #expect(replacer.occurrences(in: "南京") == 0)
        #expect(PhraseReplacer(pairs: [], wholeWords: false).replace("北京").count == 0)
    }
}
