import LongweaveCore
import LongweaveIO

/// Any JSON Lines file, with `fields:` saying where each sample field is (dotted paths,
/// numbers index lists: `data.context.0`). `documents` may point at a string (one document),
/// a list of strings, a list of objects (`document_title`/`document_text` name their keys) or
/// an object of title → text. Every document of a record is its evidence.
public enum JSONLinesFormat: IngestFormat {
    static let fieldParameters: [ParameterSpec] = [
        ParameterSpec("id", .string, default: .string(""), doc: "path of the id (default: input id and line number)"),
        ParameterSpec("question", .string, default: .string("question"), doc: "path of the question (a string)"),
        ParameterSpec("answers", .string, default: .string("answers"), doc: "path of the answers (a string, or a list of strings or {text})"),
        ParameterSpec("documents", .string, default: .string("documents"), doc: "path of the documents"),
        ParameterSpec("document_title", .string, default: .string("title"), doc: "key of a document object's title"),
        ParameterSpec("document_text", .string, default: .string("text"), doc: "key of a document object's text"),
    ]

    public static let descriptor = FormatDescriptor(
        name: "jsonl",
        summary: "any JSON Lines, with fields: {id, question, answers, documents} as dotted paths",
        product: .samples,
        parameters: [
            ParameterSpec("fields", .mapping(fieldParameters),
                          default: .mapping(ConfigMapping(fieldParameters.map { ($0.name, $0.defaultValue!) })),
                          doc: "where each sample field is in a record"),
            ParameterSpec("dataset", .string, default: .string("jsonl"), doc: "the samples' dataset name"),
            JSONLines.maxLineBytesParameter,
        ])

    public static func read(_ input: InputSpec, pipeline: PipelineSpec) throws -> IngestResult {
        var result = IngestResult()
        let fields = input.options.mapping("fields")
        let dataset = input.options.string("dataset")
        try JSONLines.read(input, into: &result) { located, result in
            do throws(FieldError) {
                let sample = try convert(located, fields: fields, inputID: input.id, dataset: dataset, language: pipeline.language,
                                         source: .source(file: input.path, line: located.line, record: located.record))
                result.samples.append(sample)
            } catch {
                result.rejects.append(Reject(file: input.path, line: located.line, record: located.record, reason: error.reason))
            }
        }
        return result
    }

    static func convert(
        _ located: JSONRecords.Located, fields: ConfigMapping, inputID: String, dataset: String, language: String, source: JSONValue
    ) throws(FieldError) -> Sample {
        let record = located.value
        let idPath = fields.string("id")
        let id: String
        if idPath.isEmpty {
            id = "\(inputID):\(located.line)"
        } else {
            let value = try lookup(record, idPath)
            guard let text = value.idText else {
                throw FieldError(reason: "wrong type: '\(idPath)' is \(value.typeName), expected a string or a whole number below 2^53")
            }
            id = text
        }
        let questionPath = fields.string("question")
        guard let question = try lookup(record, questionPath).stringValue else {
            throw FieldError(reason: "wrong type: '\(questionPath)' is not a string")
        }
        let answersPath = fields.string("answers")
        let answers: [String] = switch try lookup(record, answersPath) {
        case .string(let answer): [answer]
        case .array(let list):
            // Every item is an answer: one that is not text is a reject, never dropped.
            try list.enumerated().map { (i, item) throws(FieldError) -> String in
                guard let text = item.stringValue ?? item["text"]?.stringValue else {
                    throw FieldError(reason: "wrong type: '\(answersPath).\(i)' is \(item.typeName), expected a string or {text}")
                }
                return text
            }
        case let other: throw FieldError(reason: "wrong type: '\(answersPath)' is \(other.typeName), expected string or list")
        }
        let documentsPath = fields.string("documents")
        let titleKey = fields.string("document_title"), textKey = fields.string("document_text")
        var documents: [Document] = []
        switch try lookup(record, documentsPath) {
        case .string(let text):
            documents = [Document(title: "", text: text, evidence: true)]
        case .array(let list):
            for (i, item) in list.enumerated() {
                if let text = item.stringValue {
                    documents.append(Document(title: "", text: text, evidence: true))
                } else if let text = item[textKey]?.stringValue {
                    documents.append(Document(title: item[titleKey]?.stringValue ?? "", text: text, evidence: true))
                } else {
                    throw FieldError(reason: "wrong type: '\(documentsPath).\(i)' is neither a string nor an object with '\(textKey)'")
                }
            }
        case .object(let map):
            for (title, value) in map.members {
                guard let text = value.stringValue else { throw FieldError(reason: "wrong type: '\(documentsPath).\(title)' is not a string") }
                documents.append(Document(title: title, text: text, evidence: true))
            }
        case let other:
            throw FieldError(reason: "wrong type: '\(documentsPath)' is \(other.typeName), expected string, list or object")
        }
        return Sample(id: id, dataset: dataset, language: language, question: question, answers: answers,
                      documents: documents, meta: JSONObject([("source", source)]))
    }

    /// Follows a dotted path; numeric parts index lists.
    static func lookup(_ value: JSONValue, _ path: String) throws(FieldError) -> JSONValue {
        var current = value
        var walked: [Substring] = []
        for part in path.split(separator: ".") {
            walked.append(part)
            let next: JSONValue?
            if case .array(let list) = current, let index = Int(part) {
                next = index >= 0 && index < list.count ? list[index] : nil
            } else {
                next = current[String(part)]
            }
            guard let next else { throw FieldError(reason: "missing field: '\(walked.joined(separator: "."))'") }
            current = next
        }
        return current
    }
}
