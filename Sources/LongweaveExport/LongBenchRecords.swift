import LongweaveCore
import LongweaveIO

/// LongBench's record: `input`, `context`, `answers`, `length`, `dataset`, `language`,
/// `all_classes`, `_id`, in that order. An LV-Eval record gives its own fields; an M4LE record
/// gives its instruction as `input`, its input as `context` and its `total_length`.
enum LongBenchRecords {
    static func write(_ stream: ExportInput.Stream, kind: RecordKind, dataset: String, into writer: inout FileWriter, progress: Progress) throws {
        var json = JSONWriter()
        for shard in stream.shards.map(\.path) {
            var records = 0
            try LineReader.forEachLine(in: shard) { line, number in
                let record = try JSONValue.parse(line: line, path: shard, number: number)
                let m4le = kind == .m4le
                json.beginObject()
                json.key("input")
                json.value(record[m4le ? "instruction" : "input"] ?? .string(""))
                json.key("context")
                json.value(record[m4le ? "input" : "context"] ?? .string(""))
                json.key("answers")
                json.value(record["answers"] ?? .array([]))
                json.key("length")
                json.value(record[m4le ? "total_length" : "length"] ?? .null)
                json.key("dataset")
                json.string(dataset)
                json.key("language")
                json.value(record["language"] ?? record["meta"]?["language"] ?? .null)
                json.key("all_classes")
                json.value(record["all_classes"] ?? .null)
                json.key("_id")
                json.value(record["_id"] ?? .null)
                json.endObject()
                json.newline()
                records += 1
                if json.bytes.count >= 1 << 20 {
                    try writer.write(json.bytes)
                    json.reset()
                }
            }
            try writer.write(json.bytes)
            json.reset()
            progress.add(records: records, bytes: 0)
        }
    }
}
