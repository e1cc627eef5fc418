import Foundation
import LongweaveIO

/// The JSON writer against Foundation's JSONEncoder on the same records.
enum JSONWriterBenchmark: Benchmark {
    static let section = BenchSection.json

    /// An LV-Eval record as Foundation encodes it.
    struct LVEvalRecord: Codable {
        var input: String
        var context: String
        var answers: [String]
        var length: Int
        var dataset: String
        var language: String
        var answer_keywords: String?
        var confusing_facts: [String]
        var all_classes: [String]?
        var _id: String
        var length_level: String
    }

    static func run(_ bench: inout BenchRun) throws {
        let decoded = try bench.records().prefix(200).map { try JSONDecoder().decode(LVEvalRecord.self, from: Data($0)) }
        let bytes = decoded.reduce(0) { $0 + $1.context.utf8.count }
        let encoder = JSONEncoder()
        let foundation = try best { for record in decoded { _ = try encoder.encode(record) } }
        var writer = JSONWriter(capacity: 1 << 22)
        let handWritten = best {
            for r in decoded {
                writer.reset()
                writer.beginObject()
                writer.key("input"); writer.string(r.input)
                writer.key("context"); writer.string(r.context)
                writer.key("answers"); writer.beginArray(); for a in r.answers { writer.string(a) }; writer.endArray()
                writer.key("length"); writer.int(r.length)
                writer.key("dataset"); writer.string(r.dataset)
                writer.key("language"); writer.string(r.language)
                writer.key("answer_keywords"); if let k = r.answer_keywords { writer.string(k) } else { writer.null() }
                writer.key("confusing_facts"); writer.beginArray(); for f in r.confusing_facts { writer.string(f) }; writer.endArray()
                writer.key("all_classes"); writer.null()
                writer.key("_id"); writer.string(r._id)
                writer.key("length_level"); writer.string(r.length_level)
                writer.endObject()
                writer.newline()
            }
        }
        bench.compare("JSON writer", ours: handWritten, reference: foundation, referenceName: "Foundation JSONEncoder", bytes: bytes, target: .ratio(5))
    }
}
