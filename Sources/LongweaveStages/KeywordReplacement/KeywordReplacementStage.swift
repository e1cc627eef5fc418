import Foundation
import LongweaveCore
import LongweaveIO
import LongweaveText
import Yams

/// `keyword_replacement` (LV-Eval's KPR): replaces key phrases everywhere a sample has text,
/// so that a model cannot answer from what it memorised about the originals.
///
/// The pairs applied to a sample are kept in `meta.kpr` (`[{"from", "to"}]`); the context
/// assembler applies them to the distractor passages and confusing facts it adds, and the
/// stage writes them into `kpr.tsv` (`KeywordTable.swift`).
public enum KeywordReplacementStage: StageFactory {
    public static let descriptor = StageDescriptor(
        name: "keyword_replacement",
        summary: "replace key phrases (a table file, or fictional counterparts of the same kind made per sample) in documents, question, answers and facts",
        kind: .streaming,
        parameters: [
            ParameterSpec("table", .string, default: .string(""),
                          doc: "a TSV (original<TAB>replacement) or YAML (original: replacement) file of pairs applied to every sample"),
            ParameterSpec("auto", .mapping([
                ParameterSpec("from", .list(.choice(["answers", "question"]), nonEmpty: true),
                              default: .list([.string("answers"), .string("question")]), doc: "where key phrases are taken from"),
                ParameterSpec("max_per_sample", .integer(min: 1, max: 100), default: .int(3), doc: "at most this many phrases per sample"),
                ParameterSpec("word_table", .string, default: .string(""),
                              doc: "English: a plain-text corpus; a capitalised word written lower-case there more often than capitalised is a common word, never a name"),
            ]), default: .mapping(ConfigMapping([])),
            doc: "make a table per sample from its answers and question (names, numbers, years, dates, titles; Chinese places, organisations and persons) where the evidence holds them"),
        ],
        sideFiles: ["kpr.tsv"])

    public static func make(_ setup: StageSetup) throws(StageSetupError) -> StageInstance {
        let config = setup.config
        let chinese = setup.pipeline.language == "zh"
        var table: [(from: String, to: String)] = []
        let tablePath = config.string("table")
        if !tablePath.isEmpty {
            table = try StageSetupError.reading("table") { try readTable(setup.pipeline.resolve(tablePath), shownAs: tablePath) }
        }
        let auto = config.mapping("auto")
        var automatic: AutoSettings?
        if !auto.entries.isEmpty {
            let from = auto.list("from").compactMap { if case .string(let s) = $0 { s } else { nil } }
            var words = WordCaseTable()
            let corpus = auto.string("word_table")
            if !corpus.isEmpty {
                if chinese { throw StageSetupError("auto.word_table: a table of English words, but the pipeline's language is zh") }
                words = try StageSetupError.reading("auto.word_table") { try WordCaseTable(corpus: setup.pipeline.resolve(corpus)) }
            }
            automatic = AutoSettings(fromAnswers: from.contains("answers"), fromQuestion: from.contains("question"),
                                     maxPerSample: auto.int("max_per_sample"), english: EnglishKeyPhrases(table: words))
        }
        if table.isEmpty && automatic == nil { throw StageSetupError("give a table file, auto: {...}, or both") }
        // One matcher for the whole table, built once: a sample records only the pairs found in it.
        let matcher = PhraseReplacer(pairs: table, wholeWords: !chinese)
        return .streaming(KeywordReplacer(table: matcher, automatic: automatic, chinese: chinese))
    }

    /// Reads `original<TAB>replacement` lines (TSV) or a YAML mapping; `#` lines are comments.
    static func readTable(_ path: String, shownAs shown: String) throws -> [(from: String, to: String)] {
        let text = String(decoding: try FileSystem.readAll(path), as: UTF8.self)
        if path.hasSuffix(".yaml") || path.hasSuffix(".yml") { return try readYAMLTable(text, shownAs: shown) }
        var pairs: [(from: String, to: String)] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw StageSetupError("\(shown):\(number + 1): expected 'original<TAB>replacement', found '\(line)'")
            }
            pairs.append((parts[0], parts[1]))
        }
        return pairs
    }

    /// A YAML mapping of `original: replacement`, both plain text: a list, a mapping or an
    /// empty value is an error naming its line, never skipped.
    static func readYAMLTable(_ text: String, shownAs shown: String) throws -> [(from: String, to: String)] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw StageSetupError("\(shown): not YAML: \(error)")
        }
        guard let root else { return [] }
        guard case .mapping(let mapping) = root else { throw StageSetupError("\(shown): expected a mapping of 'original: replacement'") }
        return try mapping.map { key, value in
            let line = (value.mark ?? key.mark)?.line ?? 0
            guard case .scalar(let original) = key, !original.string.isEmpty, case .scalar(let replacement) = value, !replacement.string.isEmpty else {
                throw StageSetupError("\(shown):\(line): expected 'original: replacement', both text; found \(key.string.map { "'\($0)'" } ?? "a key that is not text") with a value that is not text")
            }
            return (original.string, replacement.string)
        }
    }
}

struct AutoSettings: Sendable {
    var fromAnswers: Bool
    var fromQuestion: Bool
    var maxPerSample: Int
    var english: EnglishKeyPhrases
}

struct KeywordReplacer: StreamingStage {
    /// The table file's pairs.
    let table: PhraseReplacer
    let automatic: AutoSettings?
    let chinese: Bool

    func process(_ sample: inout Sample, random: inout SeededRandom) -> StageVerdict {
        var counts = StageCounts()
        return process(&sample, random: &random, counts: &counts)
    }

    /// Whether `phrase` occurs in `text` as KPR matches it (whole words in English).
    func occurs(_ phrase: String, in text: String) -> Bool {
        LVEvalValidity.occurs(phrase, in: text, chinese: chinese)
    }

    func process(_ sample: inout Sample, random: inout SeededRandom, counts: inout StageCounts) -> StageVerdict {
        let evidenceDocuments = sample.documents.contains(where: \.evidence) ? sample.documents.filter(\.evidence) : sample.documents
        let evidence = evidenceDocuments.map(\.text).joined(separator: "\n")
        if !chinese {
            // An answer that the evidence writes in another case takes the evidence's form (the
            // answers as read are kept in meta.original_answers).
            let original = sample.answers
            for i in sample.answers.indices where !occurs(sample.answers[i], in: evidence) {
                if let form = EvidenceForm.find(sample.answers[i], in: evidence) {
                    sample.answers[i] = form
                    counts.counts["answers given the evidence's case", default: 0] += 1
                }
            }
            if sample.answers != original && sample.meta["original_answers"] == nil {
                sample.meta.set("original_answers", .array(original.map { .string($0) }))
            }
        }
        // Whether the sample is extractive: an answer (not yes or no) that its evidence holds.
        if sample.meta["extractive"] == nil {
            sample.meta.set("extractive", .bool(LVEvalValidity.isExtractive(answers: sample.answers, evidence: evidence, chinese: chinese)))
        }
        let questionAndAnswers = ([sample.question] + sample.answers).joined(separator: "\n")
        let allText = ([sample.question] + sample.answers + sample.documents.map(\.text) + sample.confusingFacts
            + [sample.answerKeywords ?? ""]).joined(separator: "\n")
        var pairs: [(from: String, to: String)] = []
        // Table pairs that occur in the sample.
        pairs += table.pairsFound(in: allText).map { table.pairs[$0] }
        let tablePairs = pairs.count
        var kinds: [PhraseKind] = []
        if let automatic {
            let candidates = chinese
                ? ChineseKeyPhrases.candidates(answers: sample.answers, question: sample.question, evidence: evidence,
                                               fromAnswers: automatic.fromAnswers, fromQuestion: automatic.fromQuestion)
                : automatic.english.candidates(answers: sample.answers, question: sample.question,
                                               fromAnswers: automatic.fromAnswers, fromQuestion: automatic.fromQuestion)
            var made = 0
            var words: [String: String] = [:]
            for (phrase, kind) in candidates where made < automatic.maxPerSample && !pairs.contains(where: { $0.from == phrase }) {
                // Only what the evidence itself says, as the question or an answer writes it:
                // then the question stays answerable from the context after replacement.
                guard occurs(phrase, in: evidence), occurs(phrase, in: questionAndAnswers) else {
                    counts.counts["phrases not in the evidence as written", default: 0] += 1
                    continue
                }
                var replacement: String?
                var tried = words
                for _ in 0..<32 {
                    tried = words
                    let candidate = chinese
                        ? ChineseKeyPhrases.counterpart(of: phrase, kind: kind, random: &random)
                        : automatic.english.counterpart(of: phrase, kind: kind, words: &tried, random: &random)
                    // LV-Eval's rules: nothing shared with the original, nothing already in the sample.
                    if sharesPart(phrase, candidate, kind: kind, english: automatic.english) || allText.contains(candidate)
                        || pairs.contains(where: { $0.to == candidate }) { continue }
                    replacement = candidate
                    break
                }
                guard let replacement else {
                    counts.counts["no counterpart found", default: 0] += 1
                    continue
                }
                words = tried
                pairs.append((phrase, replacement))
                kinds.append(kind)
                made += 1
            }
            // A phrase that a longer one swallows in the evidence must still show its made-up
            // form there; one that does not is dropped (the table's pairs are the user's).
            while true {
                let replaced = PhraseReplacer(pairs: pairs, wholeWords: !chinese).replace(evidence).text
                guard let lost = pairs.indices.last(where: { $0 >= tablePairs && !occurs(pairs[$0].to, in: replaced) }) else { break }
                pairs.remove(at: lost)
                kinds.remove(at: lost - tablePairs)
                counts.counts["phrases swallowed by a longer one", default: 0] += 1
            }
            for kind in kinds { counts.counts["pairs: \(kind.rawValue)", default: 0] += 1 }
        }
        guard !pairs.isEmpty else {
            counts.counts["samples without key phrases", default: 0] += 1
            return .keep
        }
        let replacer = PhraseReplacer(pairs: pairs, wholeWords: !chinese)
        func apply(_ text: inout String, field: String) {
            let (replaced, n) = replacer.replace(text)
            if n > 0 {
                text = replaced
                counts.counts["replacements in \(field)", default: 0] += n
            }
        }
        apply(&sample.question, field: "question")
        for i in sample.answers.indices { apply(&sample.answers[i], field: "answers") }
        for i in sample.documents.indices {
            apply(&sample.documents[i].text, field: "documents")
            apply(&sample.documents[i].title, field: "titles")
        }
        for i in sample.confusingFacts.indices { apply(&sample.confusingFacts[i], field: "confusing_facts") }
        if var keywords = sample.answerKeywords {
            apply(&keywords, field: "answer_keywords")
            sample.answerKeywords = keywords
        }
        counts.counts["pairs", default: 0] += pairs.count
        var applied = (sample.meta["kpr"]?.arrayValue ?? [])
        applied += pairs.map { .object(JSONObject([("from", .string($0.from)), ("to", .string($0.to))])) }
        sample.meta.set("kpr", .array(applied))
        return .keep
    }

    /// Whether `replacement` shares a replaced word (English, case-insensitive; kept head words
    /// and connectors aside) or character (Chinese, digits and kept endings aside) with `original`.
    func sharesPart(_ original: String, _ replacement: String, kind: PhraseKind, english: EnglishKeyPhrases) -> Bool {
        if original == replacement { return true }
        if chinese {
            var kept = Set(ChineseKeyPhrases.levels(of: original).compactMap(ChineseKeyPhrases.kindEnding(of:)).joined())
            if kind == .chineseSpecies { kept.formUnion(ChineseKeyPhrases.speciesEndings.first { original.hasSuffix($0) } ?? "") }
            let own = Set(original.filter { !$0.isASCII && !kept.contains($0) && $0 != "·" })
            return replacement.contains { own.contains($0) }
        }
        let own = english.replacedWords(of: original, kind: kind)
        return PhraseWords.tokens(replacement).contains { $0.isWord && own.contains($0.text.lowercased()) }
    }
}

/// Finds how the evidence writes a phrase that it holds only in another case.
enum EvidenceForm {
    /// The evidence's own spelling of `phrase` (a whole-word match ignoring case), or nil.
    static func find(_ phrase: String, in evidence: String) -> String? {
        guard !phrase.isEmpty else { return nil }
        var searchRange = evidence.startIndex..<evidence.endIndex
        while let found = evidence.range(of: phrase, options: [.caseInsensitive], range: searchRange) {
            let before = found.lowerBound > evidence.startIndex ? evidence[evidence.index(before: found.lowerBound)] : " "
            let after = found.upperBound < evidence.endIndex ? evidence[found.upperBound] : " "
            let isWord = { (c: Character) in c.unicodeScalars.contains { PhraseWords.isWordScalar($0) } }
            if !isWord(before) && !isWord(after) {
                let form = String(evidence[found])
                return form.count == phrase.count ? form : nil
            }
            searchRange = found.upperBound..<evidence.endIndex
        }
        return nil
    }
}

extension Sample {
    /// The replacements recorded in `meta.kpr`, as a replacer for text added later
    /// (distractor passages, confusing facts); nil when there are none.
    public var keywordReplacer: PhraseReplacer? {
        let pairs = Self.keywordPairs(in: meta["kpr"])
        return pairs.isEmpty ? nil : PhraseReplacer(pairs: pairs, wholeWords: language != "zh")
    }

    /// The pairs of a `meta.kpr` list (`[{"from", "to"}]`), in order; malformed entries are skipped.
    public static func keywordPairs(in kpr: JSONValue?) -> [(from: String, to: String)] {
        (kpr?.arrayValue ?? []).compactMap { pair in
            guard let from = pair["from"]?.stringValue, let to = pair["to"]?.stringValue else { return nil }
            return (from, to)
        }
    }
}
