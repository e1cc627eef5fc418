import LongweaveCore
import LongweaveIO
import LongweaveText

/// LongBench JSON Lines (`input, context, answers, length, dataset, language, all_classes, _id`):
/// one sample per record; the context split into its passages where the dataset marks them
/// (`Passage N:`, `段落N`, `文章N` at the start of a line), else one document. LongBench does
/// not say which passages hold the answer, so every passage of the record's own context is
/// marked evidence: a fill keeps the whole original context and adds distractors around it.
public enum LongBenchFormat: IngestFormat {
    public static let descriptor = FormatDescriptor(
        name: "longbench",
        summary: "LongBench JSONL (input, context, answers, _id): one sample per record, context split at Passage N: / 段落N / 文章N",
        product: .samples,
        parameters: [JSONLines.maxLineBytesParameter])

    public static func read(_ input: InputSpec, pipeline: PipelineSpec) throws -> IngestResult {
        var result = IngestResult()
        try JSONLines.read(input, into: &result) { located, result in
            let value = located.value
            do throws(FieldError) {
                let id = try value.requiredString("_id")
                let question = try value.requiredString("input")
                let context = try value.requiredString("context")
                let answers = try value.requiredArray("answers").compactMap(\.stringValue)
                let dataset = value["dataset"]?.stringValue ?? "longbench"
                let language = value["language"]?.stringValue ?? pipeline.language
                let meta = JSONObject([("source", .source(file: input.path, line: located.line, record: located.record)),
                                       ("longbench_length", value["length"] ?? .null)])
                result.samples.append(Sample(id: id, dataset: dataset, language: language, question: question, answers: answers,
                                             documents: passages(context), meta: meta))
            } catch {
                result.rejects.append(Reject(file: input.path, line: located.line, record: located.record, reason: error.reason,
                                             id: value["_id"]?.stringValue))
            }
        }
        return result
    }

    /// Splits a LongBench context at passage markers at line starts; the first line after a
    /// marker is the passage's title (`标题：` removed).
    static func passages(_ context: String) -> [Document] {
        let lines = context.split(separator: "\n", omittingEmptySubsequences: false)
        var documents: [Document] = []
        var current: [Substring]?
        func close() {
            guard let body = current else { return }
            var rest = body
            while rest.last?.trimmingWhitespace().isEmpty == true { rest.removeLast() }
            let first = rest.first.map(String.init) ?? ""
            let title = first.hasPrefix("标题：") ? String(first.dropFirst(3)) : first
            documents.append(Document(title: title, text: rest.dropFirst().joined(separator: "\n"), evidence: true))
        }
        for line in lines {
            if isMarker(line) {
                close()
                current = []
            } else if current != nil {
                current!.append(line)
            }
        }
        close()
        if documents.isEmpty { return [Document(title: "", text: context, evidence: true)] }
        return documents
    }

    /// `Passage 12:`, `段落3`, `文章1` (alone on their line).
    static func isMarker(_ line: Substring) -> Bool {
        for (prefix, suffix) in [("Passage ", ":"), ("段落", ""), ("文章", "")] {
            guard line.hasPrefix(prefix), line.hasSuffix(suffix) else { continue }
            let number = line.dropFirst(prefix.count).dropLast(suffix.count)
            if !number.isEmpty && number.allSatisfy({ $0.isASCII && $0.isNumber }) { return true }
        }
        return false
    }
}
