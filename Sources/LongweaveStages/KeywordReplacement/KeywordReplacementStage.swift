import Foundation
import LongweaveCore
import LongweaveIO
import LongweaveText

/// `keyword_replacement` (LV-Eval's KPR): replaces key phrases everywhere a sample has text,
/// so that a model cannot answer from what it memorised about the originals.
///
/// The pairs applied to a sample are kept in `meta.kpr` (`[{"from", "to"}]`); the context
/// assembler applies them to the distractor passages and confusing facts it adds, and the
/// runner collects them into `kpr.tsv`.
public enum KeywordReplacementStage: StageFactory {
    public static let descriptor = StageDescriptor(
        name: "keyword_replacement",
        summary: "replace key phrases (a table file, or fictional counterparts made per sample) in documents, question, answers and facts",
        kind: .streaming,
        parameters: [
            ParameterSpec("table", .string, default: .string(""),
                          doc: "a TSV (original<TAB>replacement) or YAML (original: replacement) file of pairs applied to every sample"),
            ParameterSpec("auto", .mapping([
                ParameterSpec("from", .list(.choice(["answers", "question"]), nonEmpty: true),
                              default: .list([.string("answers"), .string("question")]), doc: "where key phrases are taken from"),
                ParameterSpec("max_per_sample", .integer(min: 1, max: 100), default: .int(3), doc: "at most this many phrases per sample"),
            ]), default: .mapping(ConfigMapping([])),
            doc: "make a table per sample from its answers and question (names, numbers, years, dates, quoted titles)"),
        ])

    public static func make(_ setup: StageSetup) throws(StageSetupError) -> StageInstance {
        let config = setup.config
        let chinese = setup.pipeline.language == "zh"
        var table: [(from: String, to: String)] = []
        let tablePath = config.string("table")
        if !tablePath.isEmpty {
            do {
                table = try readTable(setup.pipeline.resolve(tablePath), shownAs: tablePath)
            } catch let error as StageSetupError {
                throw error
            } catch {
                throw StageSetupError("table: \(error)")
            }
        }
        let auto = config.mapping("auto")
        var automatic: AutoSettings?
        if !auto.entries.isEmpty {
            let from = auto.list("from").compactMap { if case .string(let s) = $0 { s } else { nil } }
            automatic = AutoSettings(fromAnswers: from.contains("answers"), fromQuestion: from.contains("question"),
                                     maxPerSample: auto.int("max_per_sample"))
        }
        if table.isEmpty && automatic == nil { throw StageSetupError("give a table file, auto: {...}, or both") }
        // One matcher for the whole table, built once: a sample records only the pairs found in it.
        let matcher = PhraseReplacer(pairs: table, wholeWords: !chinese)
        return .streaming(KeywordReplacer(table: matcher, automatic: automatic, chinese: chinese))
    }

    /// Reads `original<TAB>replacement` lines (TSV) or a YAML mapping; `#` lines are comments.
    static func readTable(_ path: String, shownAs shown: String) throws -> [(from: String, to: String)] {
        let text = String(decoding: try FileSystem.readAll(path), as: UTF8.self)
        var pairs: [(from: String, to: String)] = []
        let yaml = path.hasSuffix(".yaml") || path.hasSuffix(".yml")
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let parts: [String]
            if yaml {
                parts = trimmed.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'")) }
            } else {
                parts = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw StageSetupError("\(shown):\(number + 1): expected " + (yaml ? "'original: replacement'" : "'original<TAB>replacement'") + ", found '\(line)'")
            }
            pairs.append((parts[0], parts[1]))
        }
        return pairs
    }
}

struct AutoSettings: Sendable {
    var fromAnswers: Bool
    var fromQuestion: Bool
    var maxPerSample: Int
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

    func process(_ sample: inout Sample, random: inout SeededRandom, counts: inout StageCounts) -> StageVerdict {
        let allText = ([sample.question] + sample.answers + sample.documents.map(\.text) + sample.confusingFacts
            + [sample.answerKeywords ?? ""]).joined(separator: "\n")
        var pairs: [(from: String, to: String)] = []
        // Table pairs that occur in the sample.
        pairs += table.pairsFound(in: allText).map { table.pairs[$0] }
        if let automatic {
            let candidates = chinese
                ? KeyPhrases.chineseCandidates(answers: sample.answers, question: sample.question,
                                               fromAnswers: automatic.fromAnswers, fromQuestion: automatic.fromQuestion)
                : KeyPhrases.englishCandidates(answers: sample.answers, question: sample.question,
                                               fromAnswers: automatic.fromAnswers, fromQuestion: automatic.fromQuestion)
            var made = 0
            for (phrase, kind) in candidates where made < automatic.maxPerSample && !pairs.contains(where: { $0.from == phrase }) {
                var replacement: String?
                for _ in 0..<32 {
                    let candidate = KeyPhrases.counterpart(of: phrase, kind: kind, random: &random)
                    // LV-Eval's rules: nothing shared with the original, nothing already in the sample.
                    if KeyPhrases.sharesPart(phrase, candidate, chinese: chinese) || allText.contains(candidate)
                        || pairs.contains(where: { $0.to == candidate }) { continue }
                    replacement = candidate
                    break
                }
                guard let replacement else {
                    counts.counts["no counterpart found", default: 0] += 1
                    continue
                }
                pairs.append((phrase, replacement))
                made += 1
            }
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
}

extension Sample {
    /// The replacements recorded in `meta.kpr`, as a replacer for text added later
    /// (distractor passages, confusing facts); nil when there are none.
    public var keywordReplacer: PhraseReplacer? {
        guard let pairs = meta["kpr"]?.arrayValue, !pairs.isEmpty else { return nil }
        return PhraseReplacer(pairs: pairs.compactMap { pair in
            guard let from = pair["from"]?.stringValue, let to = pair["to"]?.stringValue else { return nil }
            return (from, to)
        }, wholeWords: language != "zh")
    }
}
