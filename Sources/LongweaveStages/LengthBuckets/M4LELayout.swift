import LongweaveCore
import LongweaveIO
import LongweaveText

/// How a record is rendered and measured: the templates applied to planned passages.
struct M4LELayout: Sendable {
    let pool: [Sample]
    let candidates: CandidatePool
    let templates: M4LETemplates
    let unit: TokenizerSpec
    let tokenizer: Tokenizer
    /// The length of the instruction and of the one-shot example with its blank line.
    let fixedLength: Int
    let newlineLength: Int
    let spaceLength: Int
    /// Labels that do not name a title have the same length at a position in every record.
    let labelDependsOnTitle: Bool
    /// The median passage length, for the first estimate of a record's passage count.
    let medianLength: Int
    let header: Template
    let label: Template
    let question: Template
    let answer: Template
    /// UTF-8 of every title (by title id) and of the example; those and every candidate's
    /// text escaped for a JSON string, written into every record that uses them.
    let titleBytes: [[UInt8]]
    let exampleBytes: [UInt8]
    let escapedTexts: [[UInt8]]
    let escapedTitles: [[UInt8]]
    let escapedExample: [UInt8]

    init(pool: [Sample], candidates: CandidatePool, templates: M4LETemplates, unit: TokenizerSpec, tokenizer: Tokenizer) {
        self.pool = pool
        self.candidates = candidates
        self.templates = templates
        self.unit = unit
        self.tokenizer = tokenizer
        newlineLength = tokenizer.count("\n")
        spaceLength = tokenizer.count(" ")
        fixedLength = tokenizer.count(templates.instruction) + (templates.oneShot ? tokenizer.count(templates.example) + 2 * newlineLength : 0)
        header = Template(templates.header)
        label = Template(templates.label)
        labelDependsOnTitle = label.placeholders.contains("title")
        question = Template(templates.question)
        answer = Template(templates.answer)
        titleBytes = candidates.titles.map { Array($0.utf8) }
        exampleBytes = Array(templates.example.utf8)
        escapedTexts = candidates.texts.map(JSONWriter.escaped)
        escapedTitles = candidates.titles.map(JSONWriter.escaped)
        escapedExample = JSONWriter.escaped(templates.example)
        let sorted = candidates.lengths.sorted()
        medianLength = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    static func hex(_ id: UInt32) -> String {
        var bytes: [UInt8] = []
        Template.appendHex(id, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    func title(_ candidate: Int32) -> String {
        candidates.titles[Int(candidates.titleIDs[Int(candidate)])]
    }

    /// The label's bytes of the passage at `position` (escaped for JSON when `escaped`).
    func appendLabel(_ record: M4LERecord, at position: Int, escaped: Bool = false, to bytes: inout [UInt8]) {
        let titles = escaped ? escapedTitles : titleBytes
        let title = labelDependsOnTitle ? titles[Int(candidates.titleIDs[Int(record.passages[position])])] : []
        label.appendLabel(position: position, id: record.ids.isEmpty ? nil : record.ids[position], title: title, escaped: escaped, to: &bytes)
    }

    func label(_ record: M4LERecord, at position: Int) -> String {
        var bytes: [UInt8] = []
        appendLabel(record, at: position, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Fills a template's gold placeholders (`{index}`, `{id}`, `{title}` of the first gold;
    /// `{ids}`, `{indexes}` of all, in input order).
    func renderGold(_ template: Template, _ record: M4LERecord) -> String {
        let sample = pool[Int(record.sample)]
        let first = record.golds[0]
        let ordered = record.golds.sorted()
        return template.render { name in
            switch name {
            case "index": String(first + 1)
            case "id": record.ids.isEmpty ? nil : Self.hex(record.ids[first])
            case "title": title(record.passages[first])
            case "ids": record.ids.isEmpty ? nil : ordered.map { Self.hex(record.ids[$0]) }.joined(separator: ", ")
            case "indexes": ordered.map { String($0 + 1) }.joined(separator: ", ")
            case "question": sample.question
            case "question_lc": M4LETemplates.lowercasedFirst(sample.question)
            default: nil
            }
        }
    }

    func answers(_ record: M4LERecord) -> [String] {
        templates.answer == "{answers}" ? pool[Int(record.sample)].answers : [renderGold(answer, record)]
    }

    /// The longest answer by characters (the first of equals), as M4LE chose it.
    func longestAnswer(_ answers: [String]) -> String {
        var best = ""
        var bestCount = -1
        for answer in answers {
            let count = answer.unicodeScalars.count
            if count > bestCount { (best, bestCount) = (answer, count) }
        }
        return best
    }

    /// Appends the input: the one-shot example, the header line, the labelled passages, the question; as
    /// UTF-8, or `escaped` for a JSON string (passages, titles and example escaped once).
    func appendInput(_ record: M4LERecord, escaped: Bool, to bytes: inout [UInt8]) {
        let newline: [UInt8] = escaped ? [0x5C, 0x6E] : [0x0A]  // \n inside a JSON string
        if templates.oneShot { bytes += (escaped ? escapedExample : exampleBytes) + newline + newline }
        if !header.isEmpty {
            let line = renderGold(header, record)
            if escaped { bytes += JSONWriter.escaped(line) } else { bytes += line.utf8 }
            bytes += newline
        }
        for position in record.passages.indices {
            if position > 0 { bytes += newline }
            if !label.isEmpty {
                appendLabel(record, at: position, escaped: escaped, to: &bytes)
                bytes.append(0x20)
            }
            let candidate = Int(record.passages[position])
            if escaped { bytes += escapedTexts[candidate] } else { bytes += candidates.texts[candidate].utf8 }
        }
        bytes += newline
        let question = renderGold(question, record)
        if escaped { bytes += JSONWriter.escaped(question) } else { bytes += question.utf8 }
    }

    /// Input and total length (M4LE: instruction + input; plus the longest answer). Words and
    /// characters add up by parts (with `labelLengths` by position when labels name no title);
    /// tokens are counted on the rendered text.
    func measure(_ record: M4LERecord, labelLengths: inout [Int]) -> (input: Int, total: Int) {
        let answer = tokenizer.count(longestAnswer(answers(record)))
        guard unit.isAdditive else {
            var text: [UInt8] = []
            appendInput(record, escaped: false, to: &text)
            let input = tokenizer.count(templates.instruction) + tokenizer.count(String(decoding: text, as: UTF8.self))
            return (input, input + answer)
        }
        var length = fixedLength + newlineLength + tokenizer.count(renderGold(question, record))
        if !header.isEmpty { length += tokenizer.count(renderGold(header, record)) + newlineLength }
        length += max(0, record.passages.count - 1) * newlineLength
        let hasLabel = !label.isEmpty
        for (position, candidate) in record.passages.enumerated() {
            length += candidates.lengths[Int(candidate)]
            guard hasLabel else { continue }
            if labelDependsOnTitle {
                length += tokenizer.count(label(record, at: position)) + spaceLength
            } else {
                while labelLengths.count <= position {
                    // An ID is six hex digits: its length is the same for every ID.
                    var bytes: [UInt8] = []
                    label.appendLabel(position: labelLengths.count, id: 0, title: [], to: &bytes)
                    labelLengths.append(tokenizer.count(String(decoding: bytes, as: UTF8.self)) + spaceLength)
                }
                length += labelLengths[position]
            }
        }
        return (length, length + answer)
    }

    /// The record as one JSON object in M4LE's fields.
    func write(_ record: M4LERecord, bucket: Int, ability: M4LEAbility, into json: inout JSONWriter) {
        let sample = pool[Int(record.sample)]
        let bucketName = ValueSyntax.levelName(bucket)
        json.beginObject()
        json.key("instruction"); json.string(templates.instruction)
        json.key("input")
        json.beginString()
        appendInput(record, escaped: true, to: &json.bytes)
        json.endString()
        json.key("answers"); json.beginArray()
        for answer in answers(record) { json.string(answer) }
        json.endArray()
        json.key("input_length"); json.int(record.inputLength)
        json.key("total_length"); json.int(record.totalLength)
        json.key("length_bucket"); json.int(bucket)
        json.key("gold_index")
        if ability.isSingle {
            json.int(record.golds[0])
        } else {
            json.beginArray()
            for position in record.golds { json.int(position) }
            json.endArray()
        }
        json.key("n_para"); json.int(record.passages.count)
        json.key("_id"); json.string(sample.id + "@" + bucketName)
        json.key("meta"); json.beginObject()
        json.key("ability"); json.string(ability.rawValue)
        json.key("dataset"); json.string(sample.dataset)
        json.key("language"); json.string(sample.language)
        json.key("sample"); json.string(sample.id)
        json.key("bucket"); json.string(bucketName)
        json.key("sources"); json.beginArray()
        for candidate in record.passages { json.string(candidates.sources[Int(candidate)]) }
        json.endArray()
        json.key("sample_meta"); json.value(.object(sample.meta))
        json.endObject()
        json.endObject()
    }
}
