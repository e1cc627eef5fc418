import LongweaveCore
import LongweaveIO

/// LooGLE JSON Lines (`input, title, qa_pairs, output`), `qa_pairs` a Python-literal list of
/// `{Q, A, S, type}`: one sample per QA pair. The long document is cut into passages; those
/// that contain an `S` evidence span are marked evidence. `type` is kept in `meta.loogle_type`
/// (LV-Eval splits LooGLE's long-dependency QA by it); a cloze pair's answers are its masks' fillers.
public enum LooGLEFormat: IngestFormat {
    public static let descriptor = FormatDescriptor(
        name: "loogle",
        summary: "LooGLE JSONL (input, title, qa_pairs as a Python literal of {Q, A, S, type}): one sample per QA pair",
        product: .samples,
        parameters: [
            ParameterSpec("dataset", .string, default: .string("loogle"), doc: "the samples' dataset name"),
            ParameterSpec("passage_words", .integer(min: 10, max: 100_000), default: .int(200),
                          doc: "the document is cut into passages of about this many words, at sentence ends"),
            JSONLines.maxLineBytesParameter,
        ])

    public static func read(_ input: InputSpec, pipeline: PipelineSpec) throws -> IngestResult {
        var result = IngestResult()
        let dataset = input.options.string("dataset")
        let passageWords = input.options.int("passage_words")
        try JSONLines.read(input, into: &result) { located, result in
            let value = located.value
            func reject(_ reason: String, _ id: String?) {
                result.rejects.append(Reject(file: input.path, line: located.line, record: located.record, reason: reason, id: id))
            }
            let pairs: [JSONValue]
            let document: String
            do throws(FieldError) {
                try value.requireObject()
                document = try value.requiredString("input")
                if let literal = value["qa_pairs"]?.stringValue, literal.lowercased() == "none" {
                    // Summarisation records carry no QA pairs.
                    result.skipped["no qa_pairs", default: 0] += 1
                    return
                }
                pairs = try value.requiredArrayOrLiteral("qa_pairs")
            } catch {
                reject(error.reason, nil)
                return
            }
            let title = value["title"]?.stringValue ?? ""
            let texts = Passages.split(document, words: passageWords)
            let bags = texts.map(Passages.wordBag)
            for (k, pair) in pairs.enumerated() {
                let id = "\(input.id):\(located.line):\(k)"
                guard let question = pair["Q"]?.stringValue else {
                    reject("missing field: qa_pairs[\(k)].Q", id)
                    continue
                }
                let answers: [String]
                switch pair["A"] {
                case .string(let answer)?: answers = [answer]
                case .object(let masks)?: answers = masks.values.compactMap(\.stringValue)
                case .array(let list)?: answers = list.compactMap(\.stringValue)
                default:
                    reject("missing field: qa_pairs[\(k)].A", id)
                    continue
                }
                let spans: [String] = switch pair["S"] {
                case .string(let span)?: [span]
                case .array(let list)?: list.compactMap(\.stringValue)
                default: []
                }
                var evidence = Set<Int>()
                var unmatched = 0
                for span in spans {
                    if let index = Passages.bestMatch(of: span, in: bags) { evidence.insert(index) } else { unmatched += 1 }
                }
                if unmatched > 0 { result.noted["evidence span not found in the document", default: 0] += unmatched }
                var meta = JSONObject([("source", .source(file: input.path, line: located.line, record: located.record)),
                                       ("qa_index", .number(Double(k)))])
                if let type = pair["type"]?.stringValue { meta.set("loogle_type", .string(type)) }
                if !spans.isEmpty { meta.set("evidence_spans", .array(spans.map { .string($0) })) }
                let documents = texts.enumerated().map { index, text in
                    Document(title: title, text: text, evidence: evidence.contains(index))
                }
                result.samples.append(Sample(id: id, dataset: dataset, language: pipeline.language, question: question,
                                             answers: answers, documents: documents, meta: meta))
            }
        }
        return result
    }
}
