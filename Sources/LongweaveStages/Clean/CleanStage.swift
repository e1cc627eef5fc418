import LongweaveCore
import LongweaveIO
import LongweaveText

/// `clean`: normalises every text of a sample (question, answers, titles, documents) and of
/// the documents-only inputs, then removes documents that are too short or too long, exact
/// duplicates (within a sample, and across the distractor pool) and documents in the wrong
/// language. A sample whose evidence or question would go is rejected with the reason.
public struct CleanStage: StreamingStage, DocumentPoolStage, StageFactory {
    public static let descriptor = StageDescriptor(
        name: "clean",
        summary: "normalise text (NFC, entities, line endings, control and zero-width characters, whitespace); drop short, long, duplicate and wrong-language documents",
        kind: .streaming,
        parameters: [
            ParameterSpec("normalize", .choice(["nfc", "nfkc", "none"]), default: .string("nfc"), doc: "Unicode normalisation"),
            ParameterSpec("decode_entities", .boolean, default: .bool(true), doc: "decode HTML entities (&amp; &#233; &nbsp;)"),
            ParameterSpec("collapse_whitespace", .boolean, default: .bool(true),
                          doc: "collapse whitespace runs inside paragraphs; keep paragraph breaks"),
            ParameterSpec("min_words", .integer(min: 0, max: Int.max), default: .int(0),
                          doc: "drop documents with fewer words (characters for zh); 0: no minimum"),
            ParameterSpec("max_words", .integer(min: 0, max: Int.max), default: .int(0),
                          doc: "drop documents with more words (characters for zh); 0: no maximum"),
            ParameterSpec("dedupe", .boolean, default: .bool(true),
                          doc: "drop exact duplicate documents within a sample and across the distractor pool"),
            ParameterSpec("language", .choice(["none", "en", "zh"]), default: .string("none"),
                          doc: "keep only documents and questions in this script: zh at least 30% Han letters, en at least 50% Latin"),
        ])

    let cleaner: TextCleaner
    let minWords: Int
    let maxWords: Int
    let dedupe: Bool
    let language: String
    /// How words are counted: characters for Chinese pipelines, `str.split()` otherwise.
    let countsCharacters: Bool

    public static func make(_ setup: StageSetup) throws(StageSetupError) -> StageInstance {
        let config = setup.config
        let minWords = config.int("min_words"), maxWords = config.int("max_words")
        if maxWords > 0 && maxWords < minWords {
            throw StageSetupError("max_words (\(maxWords)) is below min_words (\(minWords))")
        }
        let language = config.string("language")
        return .streaming(CleanStage(
            cleaner: TextCleaner(normalization: TextCleaner.Normalization(rawValue: config.string("normalize"))!,
                                 decodeEntities: config.bool("decode_entities"),
                                 collapseWhitespace: config.bool("collapse_whitespace")),
            minWords: minWords, maxWords: maxWords, dedupe: config.bool("dedupe"), language: language,
            countsCharacters: (language == "none" ? setup.pipeline.language : language) == "zh"))
    }

    /// Why a document goes, or nil when it stays.
    func removalReason(_ document: Document) -> String? {
        if document.text.isEmpty { return "empty" }
        if minWords > 0 || maxWords > 0 {
            let words = countsCharacters ? CharCount.count(document.text) - document.text.utf8.count(where: { $0 == 0x20 || $0 == 0x0A }) : WordCount.count(document.text)
            if words < minWords { return "fewer than \(minWords) words" }
            if maxWords > 0 && words > maxWords { return "more than \(maxWords) words" }
        }
        if language != "none" && !inLanguage(document.text) { return "not \(language)" }
        return nil
    }

    func inLanguage(_ text: String) -> Bool {
        let shares = TextCleaner.scriptShares(text)
        return language == "zh" ? shares.han >= 0.3 : shares.latin >= 0.5
    }

    func cleaned(_ document: Document) -> Document {
        Document(title: cleaner.clean(document.title), text: cleaner.clean(document.text), evidence: document.evidence)
    }

    public func process(_ sample: inout Sample, random: inout SeededRandom) -> StageVerdict {
        var counts = StageCounts()
        return process(&sample, random: &random, counts: &counts)
    }

    public func process(_ sample: inout Sample, random: inout SeededRandom, counts: inout StageCounts) -> StageVerdict {
        sample.question = cleaner.clean(sample.question)
        sample.answers = sample.answers.map(cleaner.clean)
        if sample.question.isEmpty { return .reject(reason: "clean: the question is empty") }
        if language != "none" && !inLanguage(sample.question) { return .reject(reason: "clean: the question is not \(language)") }
        var kept: [Document] = []
        var seen: [ExactText: Int] = [:]
        for document in sample.documents.map(cleaned) {
            if let reason = removalReason(document) {
                if document.evidence { return .reject(reason: "clean: an evidence document is \(reason)") }
                counts.documentsRemoved[reason, default: 0] += 1
                continue
            }
            if dedupe, let first = seen[ExactText(document.text)] {
                // The copy that stays carries the evidence mark of either.
                if document.evidence { kept[first].evidence = true }
                counts.documentsRemoved["duplicate", default: 0] += 1
                continue
            }
            seen[ExactText(document.text)] = kept.count
            kept.append(document)
        }
        if kept.isEmpty { return .reject(reason: "clean: no document is left") }
        sample.documents = kept
        return .keep
    }

    public func process(documentInputs: [(id: String, documents: [Document])], context: StageContext) -> (kept: [[Document]], removed: [String: Int]) {
        var removed: [String: Int] = [:]
        var seen: Set<ExactText> = []
        var kept: [[Document]] = []
        for (_, documents) in documentInputs {
            var keep: [Document] = []
            keep.reserveCapacity(documents.count)
            for document in context.map(documents.count, chunk: 16, { cleaned(documents[$0]) }) {
                if let reason = removalReason(document) {
                    removed[reason, default: 0] += 1
                } else if dedupe && !seen.insert(ExactText(document.text)).inserted {
                    removed["duplicate", default: 0] += 1
                } else {
                    keep.append(document)
                }
            }
            kept.append(keep)
        }
        return (kept, removed)
    }

}

/// A text compared and hashed by its UTF-8 bytes: an exact duplicate is the same bytes
/// (after normalisation), and byte hashing skips String's Unicode-aware hashing.
struct ExactText: Hashable {
    let text: String

    init(_ text: String) { self.text = text }

    static func == (a: ExactText, b: ExactText) -> Bool { a.text.utf8.elementsEqual(b.text.utf8) }

    func hash(into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
