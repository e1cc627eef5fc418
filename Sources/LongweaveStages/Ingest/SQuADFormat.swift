import LongweaveCore
import LongweaveIO

/// SQuAD v1.1/v2.0 JSON (also CMRC 2018's SQuAD-style file): one sample per question, its
/// paragraph as the one evidence document, answers from `answers[].text`.
public enum SQuADFormat: IngestFormat {
    public static let descriptor = FormatDescriptor(
        name: "squad",
        summary: "SQuAD v1.1/v2.0 JSON (data[].paragraphs[].qas[]): one sample per question",
        product: .samples,
        parameters: [
            ParameterSpec("dataset", .string, default: .string("squad"), doc: "the samples' dataset name"),
            ParameterSpec("unanswerable", .choice(["skip", "keep"]), default: .string("skip"),
                          doc: "is_impossible questions: skip them (counted) or keep them with no answers"),
        ])

    public static func read(_ input: InputSpec, pipeline: PipelineSpec) throws -> IngestResult {
        var result = IngestResult()
        let stage = "ingest:\(input.id)"
        let dataset = input.options.string("dataset")
        let keepUnanswerable = input.options.string("unanswerable") == "keep"
        let root = try JSONValue.parse(file: input.resolvedPath)
        guard let articles = root["data"]?.arrayValue else {
            throw IOError(path: input.path, "not a SQuAD file: expected an object with a 'data' list of articles")
        }
        var record = 0
        for (a, article) in articles.enumerated() {
            let title = article["title"]?.stringValue ?? ""
            for (p, paragraph) in (article["paragraphs"]?.arrayValue ?? []).enumerated() {
                guard let context = paragraph["context"]?.stringValue else {
                    result.rejects.append(Reject(file: input.path, line: 0, record: record, stage: stage,
                                                 reason: "missing field: data[\(a)].paragraphs[\(p)].context"))
                    continue
                }
                for question in paragraph["qas"]?.arrayValue ?? [] {
                    defer { record += 1 }
                    let source = JSONValue.source(file: input.path, line: 0, record: record)
                    do throws(FieldError) {
                        let id = try question.requiredString("id")
                        let text = try question.requiredString("question")
                        var answers: [String] = []
                        for answer in question["answers"]?.arrayValue ?? [] {
                            if let a = answer["text"]?.stringValue, !answers.contains(a) { answers.append(a) }
                        }
                        let impossible = question["is_impossible"] == .bool(true)
                        if impossible && !keepUnanswerable {
                            result.skipped["unanswerable", default: 0] += 1
                            continue
                        }
                        if !impossible && answers.isEmpty { throw FieldError(reason: "missing field: an answerable question without answers[].text") }
                        var meta = JSONObject([("source", source)])
                        if impossible {
                            meta.set("unanswerable", .bool(true))
                            result.noted["unanswerable kept", default: 0] += 1
                        }
                        result.samples.append(Sample(id: id, dataset: dataset, language: pipeline.language, question: text, answers: answers,
                                                     documents: [Document(title: title, text: context, evidence: true)], meta: meta))
                    } catch {
                        result.rejects.append(Reject(file: input.path, line: 0, record: record, stage: stage, reason: error.reason,
                                                     id: question["id"]?.stringValue))
                    }
                }
            }
        }
        return result
    }
}

/// CMRC 2018's native JSON: a list of `{context_id, context_text, title, qas[{query_id, query_text, answers}]}`.
public enum CMRC2018Format: IngestFormat {
    public static let descriptor = FormatDescriptor(
        name: "cmrc2018",
        summary: "CMRC 2018 native JSON (context_text, qas[].query_text, answers): one sample per query",
        product: .samples,
        parameters: [ParameterSpec("dataset", .string, default: .string("cmrc2018"), doc: "the samples' dataset name")])

    public static func read(_ input: InputSpec, pipeline: PipelineSpec) throws -> IngestResult {
        var result = IngestResult()
        let stage = "ingest:\(input.id)"
        let dataset = input.options.string("dataset")
        var record = 0
        try JSONRecords.read(input, stage: stage, into: &result) { located, result in
            do throws(FieldError) {
                let context = try located.value.requiredString("context_text")
                let title = located.value["title"]?.stringValue ?? ""
                for query in try located.value.requiredArray("qas") {
                    defer { record += 1 }
                    let source = JSONValue.source(file: input.path, line: located.line, record: located.record)
                    do throws(FieldError) {
                        let id = try query.requiredString("query_id")
                        let text = try query.requiredString("query_text")
                        var answers: [String] = []
                        for answer in try query.requiredArray("answers") {
                            if let a = answer.stringValue ?? answer["text"]?.stringValue, !answers.contains(a) { answers.append(a) }
                        }
                        if answers.isEmpty { throw FieldError(reason: "missing field: query '\(id)' has no answers") }
                        result.samples.append(Sample(id: id, dataset: dataset, language: pipeline.language, question: text, answers: answers,
                                                     documents: [Document(title: title, text: context, evidence: true)],
                                                     meta: JSONObject([("source", source), ("context_id", located.value["context_id"] ?? .null)])))
                    } catch {
                        result.rejects.append(Reject(file: input.path, line: located.line, record: located.record, stage: stage,
                                                     reason: error.reason, id: query["query_id"]?.stringValue))
                    }
                }
            } catch {
                result.rejects.append(Reject(file: input.path, line: located.line, record: located.record, stage: stage, reason: error.reason))
            }
        }
        return result
    }
}
