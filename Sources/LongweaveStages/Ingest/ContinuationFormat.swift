import LongweaveCore
import LongweaveIO
import LongweaveText

/// Consecutive paragraph pairs of plain text or WikiText articles, as samples for M4LE's
/// "which passage continues this one" task: the question is a paragraph, the one evidence
/// document the paragraph after it (titled by the article). Lines shorter than `min_words`
/// (headings, captions) are not paragraphs; a pair never crosses an article.
public enum ContinuationFormat: IngestFormat {
    public static let descriptor = FormatDescriptor(
        name: "continuation",
        summary: "text or WikiText articles as samples: a paragraph (question) and the paragraph after it (evidence)",
        product: .samples,
        parameters: [
            ParameterSpec("split", .choice(["none", "wikitext"]), default: .string("none"),
                          doc: "none: a document per file; wikitext: a document per ' = Title = ' article"),
            ParameterSpec("min_words", .integer(min: 1, max: 100_000), default: .int(20),
                          doc: "lines with fewer words (Python str.split) are not paragraphs"),
        ],
        readsFolders: true)

    public static func read(_ input: InputSpec, pipeline: PipelineSpec) throws -> IngestResult {
        let articles = try TextFormat.read(input, pipeline: pipeline)
        var result = IngestResult()
        result.rejects = articles.rejects
        result.skipped = articles.skipped
        let minWords = input.options.int("min_words")
        for (article, document) in articles.documents.enumerated() {
            let paragraphs = document.text.split(separator: "\n").filter { WordCount.count(String($0)) >= minWords }
            if paragraphs.count < 2 {
                result.skipped["article with fewer than two paragraphs", default: 0] += 1
                continue
            }
            for k in 0..<(paragraphs.count - 1) {
                let meta = JSONObject([("source", JSONValue.source(file: input.path, line: 0, record: article)),
                                       ("article", .string(document.title)), ("paragraph", .number(Double(k)))])
                result.samples.append(Sample(
                    id: "\(input.id):\(article):\(k)", dataset: "continuation", language: pipeline.language,
                    question: String(paragraphs[k]), answers: [],
                    documents: [Document(title: document.title, text: String(paragraphs[k + 1]), evidence: true)], meta: meta))
            }
        }
        return result
    }
}
