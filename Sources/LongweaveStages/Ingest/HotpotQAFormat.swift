import LongweaveCore
import LongweaveIO

/// HotpotQA's original JSON: a list of `{_id, question, answer, supporting_facts, context, type, level}`;
/// `context` and `supporting_facts` may also be Python-literal strings of the same lists.
/// One sample per question; its paragraphs are the documents, those named in
/// `supporting_facts` marked as evidence.
public enum HotpotQAFormat: IngestFormat {
    public static let descriptor = FormatDescriptor(
        name: "hotpotqa",
        summary: "HotpotQA JSON (_id, question, answer, supporting_facts, context): one sample per question",
        product: .samples,
        parameters: [
            ParameterSpec("dataset", .string, default: .string("hotpotqa"), doc: "the samples' dataset name"),
        ])

    public static func read(_ input: InputSpec, pipeline: PipelineSpec) throws -> IngestResult {
        var result = IngestResult()
        let dataset = input.options.string("dataset")
        try JSONRecords.read(input, into: &result) { record, result in
            do throws(FieldError) {
                let sample = try convert(record.value, dataset: dataset, language: pipeline.language,
                                         source: .source(file: input.path, line: record.line, record: record.record))
                result.samples.append(sample)
            } catch {
                let id = record.value["_id"]?.stringValue
                result.rejects.append(Reject(file: input.path, line: record.line, record: record.record,
                                             reason: error.reason, id: id))
            }
        }
        return result
    }

    static func convert(_ value: JSONValue, dataset: String, language: String, source: JSONValue) throws(FieldError) -> Sample {
        try value.requireObject()
        let id = try value.requiredString("_id")
        let question = try value.requiredString("question")
        let answer = try value.requiredString("answer")
        var supportingTitles: [String] = []
        for (i, fact) in try value.requiredArrayOrLiteral("supporting_facts").enumerated() {
            guard let pair = fact.arrayValue, pair.count == 2, let title = pair[0].stringValue, pair[1].numberValue != nil else {
                throw FieldError(reason: "wrong type: supporting_facts[\(i)] is not [title, sentence index]")
            }
            if !supportingTitles.contains(title) { supportingTitles.append(title) }
        }
        var documents: [Document] = []
        for (i, paragraph) in try value.requiredArrayOrLiteral("context").enumerated() {
            guard let pair = paragraph.arrayValue, pair.count == 2, let title = pair[0].stringValue, let sentences = pair[1].arrayValue else {
                throw FieldError(reason: "wrong type: context[\(i)] is not [title, [sentences]]")
            }
            var text = ""
            for sentence in sentences {
                guard let s = sentence.stringValue else { throw FieldError(reason: "wrong type: context[\(i)] has a sentence that is not a string") }
                text += s
            }
            documents.append(Document(title: title, text: text, evidence: supportingTitles.contains(title)))
        }
        for title in supportingTitles where !documents.contains(where: { $0.title == title }) {
            throw FieldError(reason: "evidence missing: supporting fact title '\(title)' is not among the context paragraphs")
        }
        var meta = JSONObject([("source", source)])
        if let type = value["type"]?.stringValue { meta.set("type", .string(type)) }
        if let level = value["level"]?.stringValue { meta.set("level", .string(level)) }
        return Sample(id: id, dataset: dataset, language: language, question: question, answers: [answer],
                      documents: documents, meta: meta)
    }
}
