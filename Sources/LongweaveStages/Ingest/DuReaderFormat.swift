import LongweaveCore
import LongweaveIO

/// DuReader 2.0 JSON Lines (`question_id, question, documents[{title, paragraphs, is_selected}],
/// answers`): one sample per question; each document's paragraphs become one document
/// (`paragraphs: lines`, one a line, or `joined` with nothing between them, as M4LE's task does),
/// the `is_selected` ones marked evidence. Test records have no answers and follow
/// `unanswerable`, as SQuAD's impossible questions do.
public enum DuReaderFormat: IngestFormat {
    public static let descriptor = FormatDescriptor(
        name: "dureader",
        summary: "DuReader 2.0 JSONL (question, documents[].paragraphs, is_selected, answers): one sample per question",
        product: .samples,
        parameters: [
            ParameterSpec("dataset", .string, default: .string("dureader"), doc: "the samples' dataset name"),
            ParameterSpec("paragraphs", .choice(["lines", "joined"]), default: .string("lines"),
                          doc: "a document's paragraphs one a line, or joined with nothing between them (M4LE's dureader task)"),
            ParameterSpec("unanswerable", .choice(["skip", "keep"]), default: .string("skip"),
                          doc: "records without answers (the test split): skip them (counted) or keep them with no answers"),
            JSONLines.maxLineBytesParameter,
        ])

    public static func read(_ input: InputSpec, pipeline: PipelineSpec) throws -> IngestResult {
        var result = IngestResult()
        let dataset = input.options.string("dataset")
        let keepUnanswerable = input.options.string("unanswerable") == "keep"
        let separator = input.options.string("paragraphs") == "joined" ? "" : "\n"
        try JSONLines.read(input, into: &result) { located, result in
            let value = located.value
            do throws(FieldError) {
                try value.requireObject()
                guard let id = value["question_id"]?.idText else {
                    throw FieldError(reason: "missing field: 'question_id'")
                }
                let question = try value.requiredString("question")
                var documents: [Document] = []
                for (i, document) in try value.requiredArray("documents").enumerated() {
                    guard let paragraphs = document["paragraphs"]?.arrayValue else {
                        throw FieldError(reason: "missing field: documents[\(i)].paragraphs")
                    }
                    let text = paragraphs.compactMap(\.stringValue).joined(separator: separator)
                    documents.append(Document(title: document["title"]?.stringValue ?? "", text: text,
                                              evidence: document["is_selected"] == .bool(true)))
                }
                let answers = (value["answers"]?.arrayValue ?? []).compactMap(\.stringValue).filter { !$0.isEmpty }
                var meta = JSONObject([("source", .source(file: input.path, line: located.line, record: located.record))])
                if answers.isEmpty {
                    guard keepUnanswerable else {
                        result.skipped["unanswerable", default: 0] += 1
                        return
                    }
                    meta.set("unanswerable", .bool(true))
                    result.noted["unanswerable kept", default: 0] += 1
                }
                for key in ["question_type", "fact_or_opinion"] {
                    if let field = value[key]?.stringValue { meta.set(key, .string(field)) }
                }
                result.samples.append(Sample(id: id, dataset: dataset, language: pipeline.language, question: question,
                                             answers: answers, documents: documents, meta: meta))
            } catch {
                result.rejects.append(Reject(file: input.path, line: located.line, record: located.record,
                                             reason: error.reason, id: value["question_id"]?.idText))
            }
        }
        return result
    }
}
