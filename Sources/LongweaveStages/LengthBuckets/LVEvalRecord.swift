import LongweaveCore
import LongweaveIO
import LongweaveText

/// Writes one record in LV-Eval's own fields (`input`, `context`, `answers`, `length`,
/// `dataset`, `language`, `answer_keywords`, `confusing_facts`, `all_classes`) plus `_id`,
/// `length_level` and `meta`, so LV-Eval's loaders and scorer read it unchanged.
///
/// As LV-Eval defines them: `dataset` is the split's name (the source goes in
/// `meta.source_dataset`); `length` is input + context + answers in the split's unit (the
/// context alone, which reaches the level, is `meta.context_length`); `answers` holds each
/// answer once, the scored one (LV-Eval scores the first) first: the first that the context
/// holds. A record that fails `LVEvalValidity` is not written.
struct LVEvalRecord {
    var sample: Sample
    var id: String
    /// The split's name: the last part of the pipeline's name.
    var split: String
    var context: [UInt8]
    var contextLength: Int
    var level: Int
    /// The facts as inserted (after KPR).
    var facts: [String]
    /// The sample's evidence text (passages or needle), for `meta.extractive` when KPR did not set it.
    var evidence: String
    var meta: JSONObject

    /// `offset` characters of `total` as a depth from 0 to 1, four decimals.
    static func depth(_ offset: Int, of total: Int) -> JSONValue {
        .number((Double(offset) / Double(max(total, 1)) * 10000).rounded() / 10000)
    }

    /// The character offset (Python's str index) of each byte offset of `context`, and its
    /// character count: where facts and evidence landed, as `meta` reports them.
    static func characterOffsets(of byteOffsets: [Int], in context: [UInt8]) -> (offsets: [Int: Int], total: Int) {
        let sorted = byteOffsets.sorted()
        return context.withUnsafeBytes { bytes in
            (Dictionary(zip(sorted, CharCount.offsets(of: sorted, in: bytes)), uniquingKeysWith: { a, _ in a }), CharCount.count(utf8: bytes))
        }
    }

    /// `meta.cfi`: each fact's character offset and depth.
    static func factPositions(_ offsets: [Int], totalChars: Int) -> JSONValue {
        .array(offsets.map { .object(JSONObject([("offset", .number(Double($0))), ("depth", depth($0, of: totalChars))])) })
    }

    /// The split's name for a pipeline named `lveval/hotpotwikiqa_mixup`.
    static func splitName(pipeline name: String) -> String {
        String(name.split(separator: "/").last ?? Substring(name))
    }

    /// Each answer once, the scored one first (LV-Eval scores the first): the first that the
    /// context holds. Other answers stay only when the scored one holds them, since OpenCompass
    /// takes the last answer as the keywords of a split without `answer_keywords` (cmrc_mixup)
    /// and a gold answer must recall them; the rest are returned apart, for `meta.other_answers`.
    static func orderedAnswers(_ answers: [String], context: [UInt8], chinese: Bool) -> (answers: [String], others: [String], scoredInContext: Bool) {
        var distinct: [String] = []
        for answer in answers where !distinct.contains(answer) { distinct.append(answer) }
        let inContext = distinct.firstIndex { LVEvalValidity.occurs($0, in: context, chinese: chinese) }
        if let scored = inContext, scored > 0 {
            distinct.insert(distinct.remove(at: scored), at: 0)
        }
        guard let scored = distinct.first else { return ([], [], false) }
        let kept = [scored] + distinct.dropFirst().filter { scored.contains($0) }
        return (kept, distinct.filter { !kept.contains($0) }, inContext != nil)
    }

    /// Checks the record and writes it, or says which check it failed.
    func write(to json: inout JSONWriter, tokenizer: Tokenizer) -> AssemblyResult {
        let chinese = sample.language == "zh"
        let (answers, otherAnswers, scoredInContext) = Self.orderedAnswers(sample.answers, context: context, chinese: chinese)
        var meta = meta
        // KPR records extractiveness before it replaces anything; without KPR the evidence as
        // assembled tells.
        if meta["extractive"] == nil {
            meta.set("extractive", .bool(LVEvalValidity.isExtractive(answers: sample.answers, evidence: evidence, chinese: chinese)))
        }
        let checked = LVEvalValidity.Record(input: sample.question, context: context, answers: answers, facts: facts,
                                            pairs: Sample.keywordPairs(in: meta["kpr"]), extractive: meta["extractive"] == .bool(true),
                                            chinese: chinese, scoredInContext: scoredInContext)
        if let problem = LVEvalValidity.problem(checked) { return .rejected(reason: problem) }
        let length = tokenizer.count(sample.question) + contextLength + answers.reduce(0) { $0 + tokenizer.count($1) }
        meta.set("source_dataset", .string(sample.dataset))
        meta.set("context_length", .number(Double(contextLength)))
        if !otherAnswers.isEmpty { meta.set("other_answers", .array(otherAnswers.map { .string($0) })) }

        json.beginObject()
        json.key("input"); json.string(sample.question)
        json.key("context"); context.withUnsafeBytes { json.string(utf8: $0) }
        json.key("answers"); json.beginArray()
        for answer in answers { json.string(answer) }
        json.endArray()
        json.key("length"); json.int(length)
        json.key("dataset"); json.string(split)
        json.key("language"); json.string(sample.language)
        json.key("answer_keywords")
        if let keywords = sample.answerKeywords { json.string(keywords) } else { json.null() }
        json.key("confusing_facts"); json.beginArray()
        for fact in facts { json.string(fact) }
        json.endArray()
        json.key("all_classes"); json.null()
        json.key("_id"); json.string(id)
        json.key("length_level"); json.string(ValueSyntax.levelName(level))
        json.key("meta"); json.value(.object(meta))
        json.endObject()
        return .written(length: contextLength)
    }
}
