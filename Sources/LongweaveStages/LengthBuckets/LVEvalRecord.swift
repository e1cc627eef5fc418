import LongweaveCore
import LongweaveIO
import LongweaveText

/// Writes one record in LV-Eval's own fields (`input`, `context`, `answers`, `length`,
/// `dataset`, `language`, `answer_keywords`, `confusing_facts`, `all_classes`) plus `_id`,
/// `length_level` and `meta`, so LV-Eval's loaders and scorer read it unchanged.
struct LVEvalRecord {
    var sample: Sample
    var id: String
    var context: [UInt8]
    var length: Int
    var level: Int
    /// The facts as inserted (after KPR).
    var facts: [String]
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

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("input"); json.string(sample.question)
        json.key("context"); context.withUnsafeBytes { json.string(utf8: $0) }
        json.key("answers"); json.beginArray()
        for answer in sample.answers { json.string(answer) }
        json.endArray()
        json.key("length"); json.int(length)
        json.key("dataset"); json.string(sample.dataset)
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
    }
}
