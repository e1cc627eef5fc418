import LongweaveCore
import LongweaveIO

/// Paragraph corpora used as distractor material: a JSON list of `{title, text}`, or an
/// object mapping each title to its text or to its list of sentences.
public enum ParagraphsFormat: IngestFormat {
    public static let descriptor = FormatDescriptor(
        name: "paragraphs",
        summary: "JSON list of {title, text} or object title -> text | [sentences]: documents for distractor pools",
        product: .documents)

    public static func read(_ input: InputSpec, pipeline: PipelineSpec) throws -> IngestResult {
        var result = IngestResult()
        try JSONRecords.read(input, into: &result) { record, result in
            do throws(FieldError) {
                let document = try convert(record)
                if document.text.unicodeScalars.allSatisfy(\.properties.isWhitespace) {
                    throw FieldError(reason: "empty text: paragraph '\(document.title)' has no words")
                }
                result.documents.append(document)
            } catch {
                result.rejects.append(Reject(file: input.path, line: record.line, record: record.record, reason: error.reason))
            }
        }
        return result
    }

    static func convert(_ record: JSONRecords.Located) throws(FieldError) -> Document {
        if let title = record.key {
            switch record.value {
            case .string(let text):
                return Document(title: title, text: text)
            case .array(let sentences):
                var text = ""
                for sentence in sentences {
                    guard let s = sentence.stringValue else { throw FieldError(reason: "wrong type: '\(title)' has a sentence that is not a string") }
                    text += s
                }
                return Document(title: title, text: text)
            default:
                throw FieldError(reason: "wrong type: '\(title)' is \(record.value.typeName), expected a string or a list of sentences")
            }
        }
        guard case .object = record.value else { throw FieldError(reason: "wrong type: record is \(record.value.typeName), expected {title, text}") }
        return Document(title: try record.value.requiredString("title"), text: try record.value.requiredString("text"))
    }
}
