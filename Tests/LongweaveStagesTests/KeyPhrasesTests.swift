import Foundation
import Testing
import LongweaveTestSupport
@testable import LongweaveCore
import LongweaveIO
import LongweaveText
@testable import LongweaveStages

/// What KPR takes as a key phrase and what it makes of it: names decided from a real corpus,
/// kinds kept, never common words, months, yes/no or sentence answers.
@Suite struct KeyPhrasesTests {
    static let wikiText = TestPaths.data("wikitext2/wiki.test.raw")

    @Test func theWordTableFromWikiTextTellsCommonWordsFromNames() throws {
        let table = try WordCaseTable(corpus: Self.wikiText)
        #expect(!table.isEmpty)
        // The words the issue saw replaced: written lower-case more often than capitalised.
        for word in ["According", "Back", "Local", "Album", "Film", "Against"] {
            #expect(table.isCommon(word), "\(word) is a common word")
        }
        for name in ["London", "Chicago", "Beatles", "Smith"] {
            #expect(!table.isCommon(name), "\(name) is a name")
        }
        let english = EnglishKeyPhrases(table: table)
        #expect(english.nameRuns(in: "According to the 2048 Census, Back then the Album sold") == [])
        #expect(english.nameRuns(in: "Who was born on 12 December 1858 in London?") == ["London"])
        // Monday and Avenue alone are no names; a name keeps its head word in the run.
        #expect(english.nameRuns(in: "Was it Monday on Fifth Avenue or at the University of Chicago?").contains("University of Chicago"))
        #expect(!english.nameRuns(in: "on Monday").contains("Monday"))
        // A dash or a curly quote ends a run, as a space between capitalised words does not.
        #expect(english.nameRuns(in: "the Mexican–American War") == ["Mexican", "American War"])
        #expect(english.nameRuns(in: "the United States’ President").first == "United States")
    }

    @Test func aWordTableIsARegularFile() {
        #expect { _ = try WordCaseTable(corpus: "/dev/zero") } throws: { "\($0)".contains("not a regular file") }
        #expect { _ = try WordCaseTable(corpus: TestPaths.temporaryDirectory() + "/missing.txt") } throws: { "\($0)".contains("no such file") }
    }

    @Test func englishCandidatesSkipYesNoSentencesAndMonths() {
        let english = EnglishKeyPhrases(table: WordCaseTable())
        #expect(english.candidates(answers: ["yes"], question: "Is Paris in France?", fromAnswers: true, fromQuestion: false).isEmpty)
        let sentence = "The treaty was signed by both parties in the city of Paris in spring."
        #expect(english.candidates(answers: [sentence], question: "", fromAnswers: true, fromQuestion: false).isEmpty)
        #expect(english.kind(of: "March 3, 1999") == .date)
        #expect(english.kind(of: "1999") == .year)
        #expect(english.kind(of: "3,677") == .number)
        #expect(english.kind(of: "March") == nil)
        let found = english.candidates(answers: ["Ed Wood"], question: "Were Scott Derrickson and Ed Wood of the same nationality?",
                                       fromAnswers: true, fromQuestion: true)
        #expect(found.map(\.0) == ["Ed Wood", "Scott Derrickson"])
    }

    @Test func englishCounterpartsKeepTheirShape() {
        let english = EnglishKeyPhrases(table: WordCaseTable())
        var random = SeededRandom(seed: 1, stage: "test", key: "shape")
        for _ in 0..<50 {
            var words: [String: String] = [:]
            let university = english.counterpart(of: "University of Chicago", kind: .name, words: &words, random: &random)
            #expect(university.hasPrefix("University of ") && !university.hasSuffix("Chicago"))
            let club = english.counterpart(of: "Chelsea FC", kind: .name, words: &words, random: &random)
            #expect(club.hasSuffix(" FC") && !club.hasPrefix("Chelsea"))
            let person = english.counterpart(of: "Virginia Woolf", kind: .name, words: &words, random: &random)
            #expect(person.split(separator: " ").count == 2 && person.split(separator: " ").allSatisfy { $0.first!.isUppercase })
            // The same word gets the same counterpart in every phrase of a sample.
            let full = english.counterpart(of: "Adeline Virginia Woolf", kind: .name, words: &words, random: &random)
            #expect(full.hasSuffix(" " + person))
            let date = english.counterpart(of: "March 3, 1999", kind: .date, words: &words, random: &random)
            let parts = date.split(separator: " ")
            #expect(parts.count == 3 && EnglishKeyPhrases.months.contains(String(parts[0])) && Int(parts[2])! <= 2024)
            #expect(Int(english.counterpart(of: "2014", kind: .year, words: &words, random: &random))! <= 2024)
        }
    }

    @Test func chineseKindsAndTheirCounterparts() {
        #expect(ChineseKeyPhrases.kind(of: "河南省固始县段集镇", personQuestion: false) == .chinesePlace)
        #expect(ChineseKeyPhrases.levels(of: "河南省固始县段集镇") == ["河南省", "固始县", "段集镇"])
        #expect(ChineseKeyPhrases.kind(of: "中国航天科技集团公司", personQuestion: false) == .chinesePlace)
        #expect(ChineseKeyPhrases.kind(of: "王宏文", personQuestion: true) == .chinesePerson)
        #expect(ChineseKeyPhrases.kind(of: "王宏文", personQuestion: false) == nil)
        #expect(ChineseKeyPhrases.kind(of: "布兰科·茨尔文科夫斯基", personQuestion: false) == .chineseForeign)
        #expect(ChineseKeyPhrases.kind(of: "全市", personQuestion: false) == nil)
        #expect(ChineseKeyPhrases.kind(of: "是的", personQuestion: true) == nil)
        #expect(ChineseKeyPhrases.kind(of: "足球运动员", personQuestion: false) == nil)
        #expect(ChineseKeyPhrases.kind(of: "红腹锉尾蛇", personQuestion: false) == .chineseSpecies)
        // A lifespan right after a name in the evidence makes it a person, whatever its surname.
        #expect(ChineseKeyPhrases.kind(of: "矢井田瞳", personQuestion: false, evidence: "矢井田瞳（1978年7月28日－），日本女歌手。") == .chinesePerson)
        #expect(ChineseKeyPhrases.kind(of: "矢井田瞳", personQuestion: false, evidence: "矢井田瞳是日本女歌手。") == nil)
        // A question's subject with a surname is a person; one with a kind ending is not.
        #expect(ChineseKeyPhrases.kind(of: "邹游", personQuestion: false, subject: true) == .chinesePerson)
        #expect(ChineseKeyPhrases.kind(of: "高阳山", personQuestion: false, subject: true) == .chinesePlace)
        var random = SeededRandom(seed: 1, stage: "test", key: "zh")
        for _ in 0..<50 {
            let address = ChineseKeyPhrases.counterpart(of: "河南省固始县段集镇", kind: .chinesePlace, random: &random)
            #expect(Array(address).count == 9 && Array(address)[2] == "省" && Array(address)[5] == "县" && address.hasSuffix("镇"))
            #expect(!address.contains("河") && !address.contains("固"))
            for (place, ending) in [("中国航天科技集团公司", "公司"), ("武汉铁路局", "局"), ("高阳山", "山"), ("安邦线", "线")] {
                let made = ChineseKeyPhrases.counterpart(of: place, kind: .chinesePlace, random: &random)
                #expect(made.hasSuffix(ending) && made.count == place.count, "\(place) -> \(made)")
            }
            let person = ChineseKeyPhrases.counterpart(of: "王宏文", kind: .chinesePerson, random: &random)
            #expect(person.count == 3 && ChineseKeyPhrases.counterpartSurnames.contains(person.first!) && person.first != "王")
            #expect(ChineseKeyPhrases.counterpart(of: "1903", kind: .year, random: &random).count == 4)
            let snake = ChineseKeyPhrases.counterpart(of: "红腹锉尾蛇", kind: .chineseSpecies, random: &random)
            #expect(snake.count == 5 && snake.hasSuffix("蛇"))
        }
    }

    @Test func chineseCandidatesChangeEveryAnnotationTogether() {
        // CMRC's DEV_103_QUERY_2: the second annotation is not in the first, so neither is replaced whole.
        let candidates = ChineseKeyPhrases.candidates(answers: ["虹口足球场站经上海西站至吴泾", "虹口足球场站、吴泾"],
                                                      question: "上海轨道交通3号线的路线走向是怎样的？", fromAnswers: true, fromQuestion: false)
        #expect(candidates.isEmpty)
        // A sentence answer is never replaced whole; its numbers are.
        let sentence = ChineseKeyPhrases.candidates(answers: ["40754.95元。"], question: "损失总额是多少？", fromAnswers: true, fromQuestion: false)
        #expect(sentence.map(\.0) == ["40754.95"])
        #expect(ChineseKeyPhrases.candidates(answers: ["是的。"], question: "赵长山是否同意？", fromAnswers: true, fromQuestion: false).isEmpty)
        let subject = ChineseKeyPhrases.candidates(answers: ["足球运动员"], question: "邹游的职业是什么？", fromAnswers: true, fromQuestion: true)
        #expect(subject.map(\.0) == ["邹游"] && subject.first?.1 == .chinesePerson)
    }

    @Test func sentencesDoNotEndAtInitialsAndAbbreviations() {
        let text = "It was written by K. Smith. Martin Luther King Jr. was born in the U.S. in 1929. He lived at No. 5 St. James Street for 3.5 years. It ended."
        let sentences = Sentences.split(text).map(String.init)
        #expect(sentences == ["It was written by K. Smith.", "Martin Luther King Jr. was born in the U.S. in 1929.",
                              "He lived at No. 5 St. James Street for 3.5 years.", "It ended."])
        #expect(Sentences.split("The answer is no. Then it rained.").count == 2)
    }
}
