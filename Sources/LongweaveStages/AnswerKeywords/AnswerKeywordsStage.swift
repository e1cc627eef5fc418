import Foundation
import LongweaveCore
import LongweaveIO

/// `answer_keywords`: the keywords that LV-Eval's metric requires a prediction to recall
/// before it computes F1 (at least 0.2 of them in English, 0.4 in Chinese, function words not
/// counted). Made from the sample's first answer; a file may give hand-written ones per id.
///
/// English: the answer's content words, LV-Eval's blacklist of function words and the
/// articles left out. Chinese: the answer's phrases between punctuation, blacklisted words
/// left out. Run it after `keyword_replacement`, so the keywords name the replaced phrases.
public enum AnswerKeywordsStage: StageFactory {
    public static let descriptor = StageDescriptor(
        name: "answer_keywords",
        summary: "set answer_keywords (LV-Eval's metric recalls them first) from each sample's answer, or from a file of hand-written ones",
        kind: .streaming,
        parameters: [
            ParameterSpec("file", .string, default: .string(""),
                          doc: "JSON lines {\"_id\" (or \"id\"), \"answer_keywords\": \"...\"}: these win over the automatic ones"),
        ])

    public static func make(_ setup: StageSetup) throws(StageSetupError) -> StageInstance {
        var given: [String: String] = [:]
        let path = setup.config.string("file")
        if !path.isEmpty {
            given = try StageSetupError.reading("file") { try readKeywords(setup.pipeline.resolve(path), shownAs: path) }
        }
        return .streaming(AnswerKeywordsMaker(given: given, chinese: setup.pipeline.language == "zh"))
    }

    static func readKeywords(_ path: String, shownAs shown: String) throws -> [String: String] {
        var keywords: [String: String] = [:]
        let expected = "{\"_id\": ..., \"answer_keywords\": \"non-empty text\"}"
        try SampleDataFile.forEachRecord(path, shownAs: shown, expected: expected) { id, record in
            guard let text = record["answer_keywords"]?.stringValue, !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                return "expected \(expected)"
            }
            if keywords[id] != nil { return "id '\(id)' is given twice" }
            keywords[id] = text
            return nil
        }
        return keywords
    }
}

struct AnswerKeywordsMaker: StreamingStage {
    let given: [String: String]
    let chinese: Bool

    /// LV-Eval's blacklists (`ABANDON_WORDS_EN` / `_ZH` of its metric), which its recall does not count.
    static let blacklistEnglish: Set<String> = [
        "and", "to", "of", "in", "her", "was", "with", "for", "it", "from", "is", "that", "his", "he", "by", "she", "they",
        "or", "at", "because", "be", "on", "are", "their", "what", "as", "had", "were", "about", "being", "this", "who",
        "but", "have", "has", "when", "which", "does",
    ]
    static let blacklistChinese: Set<String> = [
        "的", "和", "是", "等", "在", "年", "可以", "为", "与", "‰", "了", "或", "一种", "月", "c", "至", "日", "有", "进行", "于",
        "不", "中", "×", "根据", "小", "由", "亩", "也", "要", "指", "法", "会", "元", "主要", "以及", "通过", "首先", "对", "然后",
        "号", "以", "所", "后", "丁", "包括", "无", "将", "用", "能", "形", "方面", "因素", "位于", "而", "从", "到", "一定", "用于",
        "但", "使用", "让", "具有", "并", "亿元", "万元", "上", "类", "基于", "才", "来", "地", "片", "其他", "个", "或者", "变得",
        "时", "给", "你", "使", "条", "受", "已经", "带", "度",
    ]
    static let articles: Set<String> = ["a", "an", "the"]

    func process(_ sample: inout Sample, random: inout SeededRandom) -> StageVerdict {
        var counts = StageCounts()
        return process(&sample, random: &random, counts: &counts)
    }

    func process(_ sample: inout Sample, random: inout SeededRandom, counts: inout StageCounts) -> StageVerdict {
        if var keywords = given[sample.id] {
            // Hand-written keywords name the originals: the sample's replacements apply to them too.
            if let replacer = sample.keywordReplacer { keywords = replacer.replace(keywords).text }
            sample.answerKeywords = keywords
            counts.counts["keywords from the file", default: 0] += 1
            return .keep
        }
        guard var answer = sample.answers.first(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
            counts.counts["no answer to take keywords from", default: 0] += 1
            return .keep
        }
        if chinese, let statement = Self.statement(answering: sample.question, with: answer) {
            // LV-Eval's Chinese metric cannot score '是的。': every word of it is blacklisted.
            // The answer becomes the statement it affirms, which the question spells out.
            if sample.meta["original_answers"] == nil { sample.meta.set("original_answers", .array(sample.answers.map { .string($0) })) }
            sample.answers = [statement] + sample.answers.filter { $0 != answer }
            answer = statement
            counts.counts["yes/no answers written as the statement they answer", default: 0] += 1
        }
        let keywords = chinese ? Self.chineseKeywords(answer) : Self.englishKeywords(answer)
        sample.answerKeywords = keywords.isEmpty ? answer : keywords
        counts.counts[keywords.isEmpty ? "keywords: the whole answer (no content word)" : "keywords made", default: 0] += 1
        return .keep
    }

    /// The answer's content words in order, each once: words as LV-Eval normalises them
    /// (lower-cased, ASCII punctuation removed) that are neither articles nor blacklisted.
    static func englishKeywords(_ answer: String) -> String {
        var seen: Set<String> = []
        var words: [String] = []
        for raw in answer.split(whereSeparator: \.isWhitespace) {
            let normalised = String(raw.lowercased().unicodeScalars.filter { !($0.isASCII && $0.properties.generalCategory.isPunctuationOrSymbol) }.map(Character.init))
            guard !normalised.isEmpty, !articles.contains(normalised), !blacklistEnglish.contains(normalised),
                  seen.insert(normalised).inserted else { continue }
            let trimmed = raw.trimmingCharacters(in: .punctuationCharacters.union(.symbols))
            words.append(trimmed.isEmpty ? normalised : trimmed)
        }
        return words.joined(separator: " ")
    }

    /// Marks that end a phrase; `%`, `°`, `.` and the like stay inside one (`10.95%` is one word).
    static let phraseEnds = Set("，。、；：！？（）《》「」『』【】“”‘’…—,;:!?()[]\"'")

    /// The answer's phrases between punctuation and spaces, each once, blacklisted ones left
    /// out; a `,` between digits stays.
    static func chineseKeywords(_ answer: String) -> String {
        let characters = Array(answer)
        var phrases: [String] = []
        var current = ""
        func flush() {
            if !current.isEmpty && !blacklistChinese.contains(current) && !phrases.contains(current) { phrases.append(current) }
            current = ""
        }
        for (i, character) in characters.enumerated() {
            let betweenDigits = i > 0 && i + 1 < characters.count && characters[i - 1].isASCII && characters[i - 1].isNumber
                && characters[i + 1].isASCII && characters[i + 1].isNumber
            if character.isWhitespace || (phraseEnds.contains(character) && !betweenDigits) {
                flush()
            } else {
                current.append(character)
            }
        }
        flush()
        return phrases.joined(separator: " ")
    }

    static let affirmative: Set<String> = ["是", "是的", "对", "对的", "是。", "是的。", "对。", "对的。"]
    static let negative: Set<String> = ["否", "不是", "不", "不对", "否。", "不是。", "不。", "不对。"]

    /// For a question 'A是否B？' answered yes or no, the statement 'AB' ('A不B' for no), with
    /// the answer word before it; nil for any other question or answer.
    static func statement(answering question: String, with answer: String) -> String? {
        let yes = affirmative.contains(answer), no = negative.contains(answer)
        guard yes || no, let range = question.range(of: "是否") else { return nil }
        let subject = question[..<range.lowerBound]
        let predicate = question[range.upperBound...].trimmingCharacters(in: CharacterSet(charactersIn: "？?。 "))
        guard !predicate.isEmpty else { return nil }
        return (yes ? "是的，" : "不，") + subject + (yes ? "" : "不") + predicate + "。"
    }
}

extension Unicode.GeneralCategory {
    /// Python's `string.punctuation` is ASCII punctuation and symbols.
    var isPunctuationOrSymbol: Bool {
        switch self {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return true
        default:
            return false
        }
    }
}
