import LongweaveIO

/// A record that could not be used, with where it came from and why; one line of rejects.jsonl.
public struct Reject: Sendable, Equatable {
    /// The input file as the pipeline file names it.
    public var file: String
    /// 1-based line where the record starts, 0 when unknown.
    public var line: Int
    /// 0-based position of the record in its file, -1 when unknown.
    public var record: Int
    /// `ingest:<input id>` or the stage's name. Ingest formats leave it empty: the runner
    /// stamps their rejects with the input's id.
    public var stage: String
    public var reason: String
    /// The sample id, when one was read.
    public var id: String?

    public init(file: String, line: Int, record: Int, stage: String = "", reason: String, id: String? = nil) {
        self.file = file
        self.line = line
        self.record = record
        self.stage = stage
        self.reason = reason
        self.id = id
    }

    /// A reject about a sample, located by the `meta.source` that ingest recorded.
    public init(sample: Sample, stage: String, reason: String) {
        let source = sample.meta["source"]
        self.init(file: source?["file"]?.stringValue ?? "",
                  line: source?["line"]?.intValue ?? 0,
                  record: source?["record"]?.intValue ?? -1,
                  stage: stage, reason: reason, id: sample.id)
    }

    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("file"); json.string(file)
        json.key("line"); json.int(line)
        json.key("record"); json.int(record)
        json.key("stage"); json.string(stage)
        json.key("reason"); json.string(reason)
        json.key("id")
        if let id { json.string(id) } else { json.null() }
        json.endObject()
    }

    /// The reason without record-specific detail, for counting: text before the first `:`.
    public var reasonKind: String { Self.kind(of: reason) }

    /// `reason` without record-specific detail: its text before the first `:`. An assembly's
    /// reject starts with its stream (`16k: ...`), which is kept with the kind that follows it.
    public static func kind(of reason: String) -> String {
        guard let colon = reason.firstIndex(of: ":") else { return reason }
        let head = reason[..<colon]
        let rest = reason[colon...].dropFirst()
        if isStreamName(head), rest.hasPrefix(" ") {
            let detail = rest.dropFirst()
            let end = detail.firstIndex(of: ":") ?? detail.endIndex
            return String(head) + ": " + detail[..<end]
        }
        return String(head)
    }

    /// A level or bucket name: digits and an optional k or m (`16k`, `2000k`, `128`).
    static func isStreamName(_ text: Substring) -> Bool {
        let digits = text.last.map { "kKmM".contains($0) } == true ? text.dropLast() : text
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }
}

extension JSONValue {
    /// The source position that ingest records in `meta.source`.
    public static func source(file: String, line: Int, record: Int) -> JSONValue {
        .object(JSONObject([("file", .string(file)), ("line", .number(Double(line))), ("record", .number(Double(record)))]))
    }
}
