import LongweaveCore
import LongweaveIO

/// M4LE's five abilities: whether one span or several must be found, by an explicit hint
/// (a passage ID or index) or a semantic one (a title, a topic), or the whole input is one
/// natural document.
enum M4LEAbility: String, CaseIterable, Sendable {
    case explicitSingle = "explicit-single"
    case semanticSingle = "semantic-single"
    case explicitMultiple = "explicit-multiple"
    case semanticMultiple = "semantic-multiple"
    case global

    /// Whether a record has one gold passage (written as `gold_index: Int`, else a list).
    var isSingle: Bool { self == .explicitSingle || self == .semanticSingle || self == .global }
}

/// The text around a record's passages. Placeholders, in braces: `{index}` (1-based position),
/// `{id}` (6 uppercase hex characters), `{title}` of a passage in `label`, of the (first) gold
/// passage elsewhere; `{ids}`, `{indexes}` of every gold passage, comma-separated; `{question}`
/// and `{question_lc}` (its first letter lowercased, as M4LE wrote "Based on ..., what ...");
/// `answer` may also be `{answers}`: the sample's own answers. `header`, empty unless a
/// pipeline sets it, is a line before the passages (M4LE's WikiText task puts its query there).
struct M4LETemplates: Sendable {
    var instruction: String
    var header: String = ""
    var label: String
    var question: String
    var answer: String
    var example: String
    var oneShot: Bool

    static let placeholders = ["index", "id", "title", "ids", "indexes", "question", "question_lc", "answers"]

    /// Checks the placeholders of every template; `{answers}` only as the whole `answer`.
    func validate() throws(StageSetupError) {
        for (key, text) in [("instruction", instruction), ("header", header), ("label", label), ("question", question), ("answer", answer), ("example", example)] {
            for name in Template(text).placeholders {
                guard Self.placeholders.contains(name) else {
                    let suggestion = Suggestion.closest(to: name, in: Self.placeholders).map { " (did you mean '{\($0)}'?)" } ?? ""
                    throw StageSetupError("\(key): unknown placeholder '{\(name)}'\(suggestion); expected one of \(Self.placeholders.map { "{\($0)}" }.joined(separator: ", "))")
                }
                if name == "answers" && !(key == "answer" && text == "{answers}") {
                    throw StageSetupError("\(key): '{answers}' stands alone as the whole answer template")
                }
            }
        }
    }

    /// Whether any template draws passage IDs.
    var usesIDs: Bool {
        [header, label, question, answer].contains { $0.contains("{id}") || $0.contains("{ids}") }
    }

    /// The question with its first letter lowercased unless it starts an acronym ("NFL").
    static func lowercasedFirst(_ question: String) -> String {
        var scalars = question.unicodeScalars[...]
        guard let first = scalars.first, first.properties.isUppercase else { return question }
        scalars = scalars.dropFirst()
        if let second = scalars.first, second.properties.isUppercase { return question }
        return String(first).lowercased() + String(String.UnicodeScalarView(scalars))
    }

    /// The defaults of an ability in a language (`zh` or anything else for English), with
    /// the pipeline's keys (non-empty ones) laid over them.
    static func resolve(ability: M4LEAbility, language: String, instruction: String, header: String = "", label: String,
                        question: String, answer: String, example: String, oneShot: Bool) -> M4LETemplates {
        var templates = defaults(ability, chinese: language == "zh")
        if !instruction.isEmpty { templates.instruction = instruction }
        templates.header = header
        if !label.isEmpty { templates.label = label }
        if !question.isEmpty { templates.question = question }
        if !answer.isEmpty { templates.answer = answer }
        if !example.isEmpty { templates.example = example }
        templates.oneShot = oneShot
        return templates
    }

    static func defaults(_ ability: M4LEAbility, chinese: Bool) -> M4LETemplates {
        switch (ability, chinese) {
        case (.explicitSingle, false):
            return M4LETemplates(
                instruction: "Passages follow, each labelled with an ID. Answer the question from the passage whose ID it names; the other passages are unrelated to it.",
                label: "Passage {id}:", question: "Question: Based on passage {id}, {question_lc}\nAnswer:", answer: "{answers}",
                example: "Passage 3F90AC: The Eiffel Tower was finished in 1889 as the entrance arch of the World's Fair in Paris.\nPassage B71E24: Kilimanjaro, in Tanzania, is the highest mountain in Africa.\nQuestion: Based on passage 3F90AC, when was the Eiffel Tower finished?\nAnswer: 1889",
                oneShot: false)
        case (.explicitSingle, true):
            return M4LETemplates(
                instruction: "下面有许多段落，每段都有编号。请只根据问题指定的段落回答问题，其他段落与问题无关。",
                label: "段落{index}:", question: "问题：根据段落{index}，{question}\n答案：", answer: "{answers}",
                example: "段落1: 长城是中国古代修建的军事防御工程，东起山海关，西至嘉峪关。\n段落2: 西湖位于浙江省杭州市，是著名的风景名胜区。\n问题：根据段落2，西湖位于哪个城市？\n答案：杭州市",
                oneShot: false)
        case (.semanticSingle, false):
            return M4LETemplates(
                instruction: "Passages follow. Answer the question from the passage it describes; the other passages are unrelated to it.",
                label: "Passage {index}:", question: "Question: Based on the passage about \"{title}\", {question_lc}\nAnswer:", answer: "{answers}",
                example: "Passage 1: The Eiffel Tower was finished in 1889 as the entrance arch of the World's Fair in Paris.\nPassage 2: Kilimanjaro, in Tanzania, is the highest mountain in Africa.\nQuestion: Based on the passage about \"Kilimanjaro\", in which country is it?\nAnswer: Tanzania",
                oneShot: false)
        case (.semanticSingle, true):
            return M4LETemplates(
                instruction: "请使用下列提供的段落为以下问题写出一个高质量的答案（大部分段落与问题无关）。",
                label: "文章 [{index}](标题：{title})", question: "问题：{question}\n答案：", answer: "{answers}",
                example: "文章 [1](标题：西湖) 西湖位于浙江省杭州市，是著名的风景名胜区。\n文章 [2](标题：长城) 长城是中国古代修建的军事防御工程。\n问题：西湖在哪个城市\n答案：杭州市",
                oneShot: false)
        case (.explicitMultiple, false):
            return M4LETemplates(
                instruction: "Passages follow, each labelled with an ID. Give the IDs of every passage needed to answer the question, separated by commas, in the order they appear.",
                label: "Passage {id}:", question: "Question: Which passages are needed to answer \"{question}\"?\nAnswer:", answer: "{ids}",
                example: "Passage 3F90AC: Gustave Eiffel's company built the Eiffel Tower.\nPassage B71E24: Kilimanjaro is in Tanzania.\nPassage 0D5C17: Gustave Eiffel was born in Dijon.\nQuestion: Which passages are needed to answer \"Where was the builder of the Eiffel Tower born?\"?\nAnswer: 3F90AC, 0D5C17",
                oneShot: false)
        case (.explicitMultiple, true):
            return M4LETemplates(
                instruction: "下面有许多段落，每段都有编号。请按出现顺序列出回答问题所需的全部段落编号，用逗号分隔。",
                label: "段落{id}:", question: "问题：回答“{question}”需要哪些段落？\n答案：", answer: "{ids}",
                example: "段落3F90AC: 埃菲尔铁塔由埃菲尔的公司建造。\n段落B71E24: 乞力马扎罗山位于坦桑尼亚。\n段落0D5C17: 埃菲尔出生于第戎。\n问题：回答“埃菲尔铁塔的建造者出生在哪里？”需要哪些段落？\n答案：3F90AC, 0D5C17",
                oneShot: false)
        case (.semanticMultiple, false):
            return M4LETemplates(
                instruction: "Answer the question based on the paragraphs below. Most paragraphs are irrelevant; the answer needs more than one of the others.",
                label: "Paragraph {index}:", question: "Question: {question}\nAnswer:", answer: "{answers}",
                example: "Paragraph 1: Pratia is a genus of flowering plants in the family Campanulaceae.\nParagraph 2: Kilimanjaro is the highest mountain in Africa.\nParagraph 3: Sutherlandia is a genus of flowering plants in the family Fabaceae.\nQuestion: Are Sutherlandia and Pratia in the same family?\nAnswer: no",
                oneShot: false)
        case (.semanticMultiple, true):
            return M4LETemplates(
                instruction: "请根据下列段落回答问题。大部分段落与问题无关，答案需要用到其余的多个段落。",
                label: "段落{index}:", question: "问题：{question}\n答案：", answer: "{answers}",
                example: "段落1: 埃菲尔铁塔由埃菲尔的公司建造。\n段落2: 乞力马扎罗山位于坦桑尼亚。\n段落3: 埃菲尔出生于第戎。\n问题：埃菲尔铁塔的建造者出生在哪里？\n答案：第戎",
                oneShot: false)
        case (.global, false):
            return M4LETemplates(
                instruction: "Read the document below and answer the question about it.",
                label: "Document:", question: "Question: {question}\nAnswer:", answer: "{answers}",
                example: "Document: The Eiffel Tower was finished in 1889 as the entrance arch of the World's Fair in Paris. It was the tallest structure in the world until 1930.\nQuestion: For how many years was the Eiffel Tower the tallest structure in the world?\nAnswer: 41 years",
                oneShot: false)
        case (.global, true):
            return M4LETemplates(
                instruction: "阅读下面的文章并回答问题。",
                label: "文章：", question: "问题：{question}\n答案：", answer: "{answers}",
                example: "文章：西湖位于浙江省杭州市，是著名的风景名胜区，2011年列入世界遗产名录。\n问题：西湖哪一年列入世界遗产名录？\n答案：2011年",
                oneShot: false)
        }
    }
}

/// A template cut once into literal bytes and `{name}` placeholders, so that the thousands
/// of labels of a long record are written straight into the input's bytes.
struct Template: Sendable {
    enum Piece: Sendable, Equatable {
        case literal([UInt8])
        case placeholder(String)
    }

    let pieces: [Piece]
    /// The same with the literals escaped for a JSON string, for labels written into JSON.
    let escapedPieces: [Piece]
    var isEmpty: Bool { pieces.isEmpty }
    var placeholders: [String] {
        pieces.compactMap { if case .placeholder(let name) = $0 { name } else { nil } }
    }

    init(_ text: String) {
        var pieces: [Piece] = []
        var literal: [UInt8] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "}") else { break }
            literal += Array(rest[..<open].utf8)
            if !literal.isEmpty { pieces.append(.literal(literal)) }
            literal = []
            pieces.append(.placeholder(String(after[..<close])))
            rest = after[after.index(after: close)...]
        }
        literal += Array(rest.utf8)
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        self.pieces = pieces
        escapedPieces = pieces.map { piece in
            guard case .literal(let literal) = piece else { return piece }
            return .literal(JSONWriter.escaped(String(decoding: literal, as: UTF8.self)))
        }
    }

    /// The text with each placeholder replaced by `value(name)`; a nil value leaves `{name}`.
    func render(_ value: (String) -> String?) -> String {
        var bytes: [UInt8] = []
        for piece in pieces {
            switch piece {
            case .literal(let literal): bytes += literal
            case .placeholder(let name): bytes += Array((value(name) ?? "{" + name + "}").utf8)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends a passage label: `{index}` (1-based from `position`), `{id}`, `{title}`;
    /// `escaped`: with the literals escaped for JSON (the title then given escaped too).
    func appendLabel(position: Int, id: UInt32?, title: [UInt8], escaped: Bool = false, to bytes: inout [UInt8]) {
        for piece in escaped ? escapedPieces : pieces {
            switch piece {
            case .literal(let literal): bytes += literal
            case .placeholder("index"): Self.appendDecimal(position + 1, to: &bytes)
            case .placeholder("id"): if let id { Self.appendHex(id, to: &bytes) }
            case .placeholder("title"): bytes += title
            case .placeholder(let name): bytes += Array(("{" + name + "}").utf8)
            }
        }
    }

    static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        var digits: [UInt8] = []
        var rest = value
        repeat {
            digits.append(UInt8(truncatingIfNeeded: 0x30 + rest % 10))
            rest /= 10
        } while rest > 0
        bytes += digits.reversed()
    }

    /// Six uppercase hex digits of the low 24 bits.
    static func appendHex(_ id: UInt32, to bytes: inout [UInt8]) {
        let digits: StaticString = "0123456789ABCDEF"
        for k in stride(from: 5, through: 0, by: -1) {
            bytes.append(digits.utf8Start[Int((id >> (4 * UInt32(k))) & 15)])
        }
    }
}
