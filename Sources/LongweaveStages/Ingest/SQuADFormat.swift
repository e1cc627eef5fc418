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
        var reader = Reader(input: input, pipeline: pipeline)
        let bytes = try InputFile.readAll(input.resolvedPath)
        try bytes.withUnsafeBytes { raw in
            var parser = JSONParser(bytes: raw)
            do {
                parser.beginDocument()
                guard parser.nextKind() == .object else { throw reader.notSQuAD }
                var sawData = false
                try parser.readObject { parser, key in
                    guard key == "data", parser.nextKind() == .array else { return try parser.skipValue() }
                    sawData = true
                    var article = 0
                    try parser.readArray { parser in
                        try reader.readArticle(&parser, index: article)
                        article += 1
                    }
                }
                try parser.finishDocument()
                guard sawData else { throw reader.notSQuAD }
            } catch let error as JSONSyntaxError {
                let (line, column) = JSONSyntaxError.location(of: error.offset, in: raw)
                throw IOError(path: input.path, "\(line):\(column): \(error.message)")
            }
        }
        return reader.result
    }

    /// Walks the file with a `JSONParser` cursor, building only the fields samples keep.
    private struct Reader {
        let input: InputSpec
        let pipeline: PipelineSpec
        let dataset: String
        let keepUnanswerable: Bool
        var result = IngestResult()
        var record = 0

        init(input: InputSpec, pipeline: PipelineSpec) {
            self.input = input
            self.pipeline = pipeline
            dataset = input.options.string("dataset")
            keepUnanswerable = input.options.string("unanswerable") == "keep"
        }

        var notSQuAD: IOError { IOError(path: input.path, "not a SQuAD file: expected an object with a 'data' list of articles") }

        /// One question as read; checked once its paragraph's context is known (SQuAD
        /// files put `qas` before `context`).
        struct Question {
            var id: JSONValue?
            var text: JSONValue?
            var answers: [String] = []
            var impossible = false
        }

        mutating func readArticle(_ parser: inout JSONParser, index a: Int) throws {
            guard parser.nextKind() == .object else { return try parser.skipValue() }
            var title = ""
            let firstSample = result.samples.count
            try parser.readObject { parser, key in
                switch key {
                case "title": title = try parser.readString() ?? ""
                case "paragraphs" where parser.nextKind() == .array:
                    var p = 0
                    try parser.readArray { parser in
                        try readParagraph(&parser, article: a, index: p)
                        p += 1
                    }
                default: try parser.skipValue()
                }
            }
            // The title may come after the paragraphs.
            for i in firstSample..<result.samples.count { result.samples[i].documents[0].title = title }
        }

        mutating func readParagraph(_ parser: inout JSONParser, article a: Int, index p: Int) throws {
            guard parser.nextKind() == .object else {
                try parser.skipValue()
                return reject("missing field: data[\(a)].paragraphs[\(p)].context")
            }
            var context: String?
            var questions: [Question] = []
            try parser.readObject { parser, key in
                switch key {
                case "context": context = try parser.readString()
                case "qas" where parser.nextKind() == .array:
                    try parser.readArray { parser in questions.append(try Self.readQuestion(&parser)) }
                default: try parser.skipValue()
                }
            }
            guard let context else { return reject("missing field: data[\(a)].paragraphs[\(p)].context") }
            for question in questions {
                defer { record += 1 }
                do throws(FieldError) {
                    try add(question, context: context)
                } catch {
                    result.rejects.append(Reject(file: input.path, line: 0, record: record, reason: error.reason,
                                                 id: question.id?.stringValue))
                }
            }
        }

        static func readQuestion(_ parser: inout JSONParser) throws -> Question {
            var question = Question()
            guard parser.nextKind() == .object else {
                try parser.skipValue()
                return question
            }
            try parser.readObject { parser, key in
                switch key {
                case "id": question.id = try parser.readValue()
                case "question": question.text = try parser.readValue()
                case "is_impossible": question.impossible = try parser.readValue() == .bool(true)
                case "answers" where parser.nextKind() == .array:
                    question.answers = []
                    try parser.readArray { parser in
                        guard parser.nextKind() == .object else { return try parser.skipValue() }
                        try parser.readObject { parser, key in
                            guard key == "text", let answer = try parser.readString() else { return try parser.skipValue() }
                            if !question.answers.contains(answer) { question.answers.append(answer) }
                        }
                    }
                default: try parser.skipValue()
                }
            }
            return question
        }

        mutating func add(_ question: Question, context: String) throws(FieldError) {
            let id = try FieldError.requiredString(question.id, "id")
            let text = try FieldError.requiredString(question.text, "question")
            if question.impossible && !keepUnanswerable {
                result.skipped["unanswerable", default: 0] += 1
                return
            }
            if !question.impossible && question.answers.isEmpty {
                throw FieldError(reason: "missing field: an answerable question without answers[].text")
            }
            var meta = JSONObject([("source", JSONValue.source(file: input.path, line: 0, record: record))])
            if question.impossible {
                meta.set("unanswerable", .bool(true))
                result.noted["unanswerable kept", default: 0] += 1
            }
            result.samples.append(Sample(id: id, dataset: dataset, language: pipeline.language, question: text, answers: question.answers,
                                         documents: [Document(title: "", text: context, evidence: true)], meta: meta))
        }

        mutating func reject(_ reason: String) {
            result.rejects.append(Reject(file: input.path, line: 0, record: record, reason: reason))
        }
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
        let dataset = input.options.string("dataset")
        var record = 0
        try JSONRecords.read(input, into: &result) { located, result in
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
                        result.rejects.append(Reject(file: input.path, line: located.line, record: located.record,
                                                     reason: error.reason, id: query["query_id"]?.stringValue))
                    }
                }
            } catch {
                result.rejects.append(Reject(file: input.path, line: located.line, record: located.record, reason: error.reason))
            }
        }
        return result
    }
}
