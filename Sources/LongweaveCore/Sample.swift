import LongweaveIO

/// One passage of a sample's material.
public struct Document: Sendable, Equatable {
    public var title: String
    public var text: String
    /// Whether the passage supports the answer.
    public var evidence: Bool

    public init(title: String, text: String, evidence: Bool = false) {
        self.title = title
        self.text = text
        self.evidence = evidence
    }
}

/// An in-flight sample: what ingest produces and stages transform, before contexts
/// are assembled (the in-flight record of docs/ARCHITECTURE.md).
public struct Sample: Sendable, Equatable {
    /// Stable and unique within a run; every random choice about the sample is keyed by it.
    public var id: String
    public var dataset: String
    /// `en` or `zh`.
    public var language: String
    public var question: String
    public var answers: [String]
    public var documents: [Document]
    public var answerKeywords: String?
    public var confusingFacts: [String]
    public var options: [String]?
    /// Free-form notes that stages append to (source position, tables applied, scores...).
    public var meta: JSONObject

    public init(
        id: String, dataset: String, language: String, question: String, answers: [String],
        documents: [Document], answerKeywords: String? = nil, confusingFacts: [String] = [],
        options: [String]? = nil, meta: JSONObject = JSONObject()
    ) {
        self.id = id
        self.dataset = dataset
        self.language = language
        self.question = question
        self.answers = answers
        self.documents = documents
        self.answerKeywords = answerKeywords
        self.confusingFacts = confusingFacts
        self.options = options
        self.meta = meta
    }

    /// Writes the sample as one JSON object (the in-flight sample of docs/ARCHITECTURE.md).
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("id"); json.string(id)
        json.key("dataset"); json.string(dataset)
        json.key("language"); json.string(language)
        json.key("question"); json.string(question)
        json.key("answers"); json.beginArray()
        for answer in answers { json.string(answer) }
        json.endArray()
        json.key("documents"); json.beginArray()
        for document in documents {
            json.beginObject()
            json.key("title"); json.string(document.title)
            json.key("text"); json.string(document.text)
            json.key("evidence"); json.bool(document.evidence)
            json.endObject()
        }
        json.endArray()
        json.key("answer_keywords")
        if let answerKeywords { json.string(answerKeywords) } else { json.null() }
        json.key("confusing_facts"); json.beginArray()
        for fact in confusingFacts { json.string(fact) }
        json.endArray()
        json.key("options")
        if let options {
            json.beginArray()
            for option in options { json.string(option) }
            json.endArray()
        } else {
            json.null()
        }
        json.key("meta"); json.value(.object(meta))
        json.endObject()
    }
}
