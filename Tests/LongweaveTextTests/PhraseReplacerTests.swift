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

    @Test func pairsFoundAreThoseReplaceWouldApply() {
        let replacer = PhraseReplacer(pairs: [("Paris", "Velmor"), ("Paris Hilton", "Tamsil Korven"), ("Rome", "Ostric"), ("river", "canal")],
                                      wholeWords: true)
        // "Paris" occurs only inside the longer "Paris Hilton"; "River" is a case variant of pair 3.
        #expect(replacer.pairsFound(in: "Paris Hilton sailed the River.") == [1, 3])
        #expect(replacer.pairsFound(in: "Parisian Romeo") == [])
        #expect(replacer.occurrences(in: "PARIS, Paris Hilton, Rome and Rome") == 4)
    }

    /// Unicode's word boundaries: a dash, a curly quote or a bracket ends a word; a letter of
    /// any script continues it.
    @Test func wordsEndAtAnyPunctuationOfAnyScript() {
        let replacer = PhraseReplacer(pairs: [("American", "Velmoric"), ("United States", "Tamsil Korven"), ("2014", "1987"), ("Sun", "Rel")],
                                      wholeWords: true)
        #expect(replacer.replace("the Mexican–American War").text == "the Mexican–Velmoric War")
        #expect(replacer.replace("the United States’ President").text == "the Tamsil Korven’ President")
        #expect(replacer.replace("Rapla( 2014–2018)").text == "Rapla( 1987–2018)")
        #expect(replacer.replace("«Sun»").text == "«Rel»")
        // Letters, digits and marks of other scripts continue a word.
        #expect(replacer.occurrences(in: "Suné Américan Americanö 2014年 Sun\u{301} Sun.") == 1)
        #expect(replacer.occurrences(in: "Sunday, SUNLIGHT, Sunδ") == 0)
        #expect(PhraseReplacer.isWordScalar(UInt32(("é" as Unicode.Scalar).value)) && !PhraseReplacer.isWordScalar(0x2013))
    }

    /// The memchr search answers as the full scan does, for whole words and for Chinese.
    @Test func occursAnywhereAgreesWithTheScan() {
        let texts = ["the Mexican–American War", "Parisian Paris PARIS", "1997年取代了97号", "AB ABC", "Sun\u{301} Sun", "x", "",
                     "Velmor Records was founded by Ann Tamsil. ", "ann tamsil", "«Ann» Tamsil’s", "ÉcoleÉcole École"]
        let phrases = ["American", "Paris", "97", "AB", "Sun", "x", "Ann Tamsil", "ann", "Tamsil", "École", "Records was", "年"]
        for phrase in phrases {
            for wholeWords in [true, false] {
                let replacer = PhraseReplacer(pairs: [(phrase, "\u{1}")], wholeWords: wholeWords)
                for text in texts {
                    var copy = text
                    let fast = copy.withUTF8 { replacer.occursAnywhere(in: $0) }
                    #expect(fast == (replacer.occurrences(in: text) > 0), "\(phrase) in \(text), whole words \(wholeWords)")
                }
            }
        }
    }

    @Test func chineseMatchesExactly() {
        let replacer = PhraseReplacer(pairs: [("北京", "岚城"), ("北京大学", "沐泽学院")], wholeWords: false)
        #expect(replacer.replace("他在北京大学读书，住在北京。").text == "他在沐泽学院读书，住在岚城。")
        #expect(replacer.occurrences(in: "南京") == 0)
        #expect(PhraseReplacer(pairs: [], wholeWords: false).replace("北京").count == 0)
    }

    /// CMRC's 1997 once became 1971 when 97 -> 71 matched inside it, leaving a new 97.
    @Test func chineseNeverSplitsADigitOrLatinRun() {
        let replacer = PhraseReplacer(pairs: [("97", "71"), ("9", "7"), ("AB", "CD")], wholeWords: false)
        #expect(replacer.replace("1997年取代了97号，9月，ABC和AB。").text == "1997年取代了71号，7月，ABC和CD。")
        #expect(replacer.occurrences(in: "1971年") == 0)
    }
}
