import Foundation
import LongweaveCore
import LongweaveIO
import LongweaveText

/// `confusing_facts` (LV-Eval's CFI): facts that look relevant to the question but are
/// false for its subject, kept in `confusing_facts`; the context assembler places them.
public enum ConfusingFactsStage: StageFactory {
    public static let descriptor = StageDescriptor(
        name: "confusing_facts",
        summary: "make confusing facts per sample (entity-swap, no model needed) or read them from a JSONL file",
        kind: .pooled,
        parameters: [
            ParameterSpec("generator", .choice(["entity-swap", "file"]), default: .string("entity-swap"),
                          doc: "entity-swap: from the evidence sentence holding the answer; file: read them"),
            ParameterSpec("per_sample", .integer(min: 1, max: 20), default: .int(2), doc: "facts per sample (LV-Eval used 2)"),
            ParameterSpec("path", .string, default: .string(""),
                          doc: "generator file: JSON lines {\"_id\" (or \"id\"), \"facts\": [...]}"),
        ])

    public static func make(_ setup: StageSetup) throws(StageSetupError) -> StageInstance {
        let config = setup.config
        let perSample = config.int("per_sample")
        let chinese = setup.pipeline.language == "zh"
        switch config.string("generator") {
        case "file":
            let path = config.string("path")
            guard !path.isEmpty else { throw StageSetupError("generator file needs path: a JSON lines file of facts") }
            let facts = try StageSetupError.reading("path") { try readFacts(setup.pipeline.resolve(path), shownAs: path) }
            return .pooled(FactsFromFile(facts: facts, perSample: perSample))
        default:
            return .pooled(EntitySwap(perSample: perSample, chinese: chinese))
        }
    }

    static func readFacts(_ path: String, shownAs shown: String) throws -> [String: [String]] {
        var facts: [String: [String]] = [:]
        let expected = "{\"_id\": ..., \"facts\": [...]}"
        try SampleDataFile.forEachRecord(path, shownAs: shown, expected: expected) { id, record in
            guard let list = (record["facts"] ?? record["confusing_facts"])?.arrayValue else { return "expected \(expected)" }
            facts[id, default: []] += list.compactMap(\.stringValue)
            return nil
        }
        return facts
    }
}

struct FactsFromFile: PooledStage {
    let facts: [String: [String]]
    let perSample: Int

    func process(pool: [Sample], context: StageContext, counts: inout [String: Int]) -> PooledResult {
        var kept = pool
        for i in kept.indices {
            guard let list = facts[kept[i].id], !list.isEmpty else {
                counts["no fact: not in the file", default: 0] += 1
                continue
            }
            kept[i].confusingFacts += list.prefix(perSample)
            counts["facts", default: 0] += min(list.count, perSample)
        }
        return (kept, [])
    }
}

/// Makes facts without a model: the evidence sentence that holds the answer, with the
/// answer swapped for another answer of the same kind from the dataset and the subject it
/// shares with the question swapped for another name of the same length. The fact reads
/// as relevant, is false for the question's subject, and does not contradict the evidence.
///
/// Swaps replace whole words only (never inside a word); a sample whose answer is yes or no
/// gets no fact, and a fact never holds a gold answer.
struct EntitySwap: PooledStage {
    let perSample: Int
    let chinese: Bool
    let english = EnglishKeyPhrases(table: WordCaseTable())

    /// A kind for grouping answers: the key-phrase kind, else words (or characters) count.
    func answerKind(_ answer: String) -> String {
        if chinese { return answer.allSatisfy(\.isNumber) ? "number" : "zh\(answer.count)" }
        if let kind = english.kind(of: answer) { return kind == .name ? "name\(answer.split(separator: " ").count)" : kind.rawValue }
        return "other\(answer.split(separator: " ").count)"
    }

    /// Names in `text` (English capitalised runs; Chinese: the caller's spans).
    func names(in text: String) -> [String] {
        english.nameRuns(in: text)
    }

    func process(pool: [Sample], context: StageContext, counts: inout [String: Int]) -> PooledResult {
        // Answers by kind and names by length, in pool order (deterministic).
        var answersByKind: [String: [String]] = [:]
        var namesByLength: [Int: [String]] = [:]
        var seenAnswers: Set<String> = []
        var seenNames: Set<String> = []
        for sample in pool {
            for answer in sample.answers where !answer.isEmpty && seenAnswers.insert(answer).inserted {
                answersByKind[answerKind(answer), default: []].append(answer)
            }
            let found = chinese ? sample.answers.filter { !$0.allSatisfy(\.isNumber) } : names(in: sample.question)
            for name in found where seenNames.insert(name).inserted {
                namesByLength[chinese ? name.count : name.split(separator: " ").count, default: []].append(name)
            }
        }
        var kept = pool
        for index in kept.indices {
            var random = context.random(kept[index].id)
            switch makeFacts(for: kept[index], answersByKind: answersByKind, namesByLength: namesByLength, random: &random) {
            case .success(let facts):
                kept[index].confusingFacts += facts
                counts["facts", default: 0] += facts.count
            case .failure(let reason):
                counts["no fact: \(reason.text)", default: 0] += 1
            }
        }
        return (kept, [])
    }

    struct Reason: Error { var text: String }

    /// Whether `phrase` occurs in `text` as a whole word (English) or exactly (Chinese).
    func occurs(_ phrase: String, in text: String) -> Bool {
        LVEvalValidity.occurs(phrase, in: text, chinese: chinese)
    }

    /// Whether `fact` holds one of the answers, in any case.
    func holdsAnswer(_ fact: String, _ answers: [String]) -> Bool {
        let lowered = fact.lowercased()
        return answers.contains { !$0.isEmpty && occurs($0.lowercased(), in: lowered) }
    }

    func makeFacts(for sample: Sample, answersByKind: [String: [String]], namesByLength: [Int: [String]],
                   random: inout SeededRandom) -> Result<[String], Reason> {
        if sample.answers.contains(where: { ["yes", "no", "是", "否"].contains($0.lowercased()) }) {
            return .failure(Reason(text: "yes/no answer"))
        }
        // The evidence sentence holding an answer.
        var found: (sentence: String, answer: String)?
        search: for document in sample.documents where document.evidence {
            for sentence in Sentences.split(document.text) {
                if let answer = sample.answers.first(where: { occurs($0, in: String(sentence)) }) {
                    found = (String(sentence), answer)
                    break search
                }
            }
        }
        guard let (sentence, answer) = found else { return .failure(Reason(text: "answer not in an evidence sentence")) }
        let others = (answersByKind[answerKind(answer)] ?? []).filter { other in
            !sample.answers.contains { $0.lowercased() == other.lowercased() } && !occurs(other, in: sentence)
                && !holdsAnswer(other, sample.answers) && !["yes", "no", "是", "否"].contains(other.lowercased())
        }
        guard !others.isEmpty else { return .failure(Reason(text: "no other answer of the same kind")) }
        // The subject: the longest name the sentence shares with the question, outside the answer.
        // (English: else the sentence's first name, usually its grammatical subject.)
        let subject: String
        if chinese {
            let spans = sharedSpans(sentence, sample.question).filter { !answer.contains($0) && !$0.contains(answer) }
            guard let longest = spans.max(by: { $0.count < $1.count }) else {
                return .failure(Reason(text: "no subject shared with the question"))
            }
            subject = longest
        } else {
            let candidates = names(in: sentence).filter { !answer.contains($0) && !$0.contains(answer) && !holdsAnswer($0, sample.answers) }
            guard let chosen = candidates.filter({ sample.question.contains($0) }).max(by: { $0.count < $1.count }) ?? candidates.first else {
                return .failure(Reason(text: "no name in the evidence sentence besides the answer"))
            }
            subject = chosen
        }
        let length = chinese ? subject.count : subject.split(separator: " ").count
        let nearMisses = (namesByLength[length] ?? []).filter {
            $0 != subject && !sentence.contains($0) && !sample.question.contains($0) && !holdsAnswer($0, sample.answers)
        }
        guard !nearMisses.isEmpty else { return .failure(Reason(text: "no other name of the subject's length")) }
        var facts: [String] = []
        for _ in 0..<(perSample * 4) where facts.count < perSample {
            let other = others[random.below(others.count)]
            let nearMiss = nearMisses[random.below(nearMisses.count)]
            let swap = PhraseReplacer(pairs: [(answer, other), (subject, nearMiss)], wholeWords: !chinese)
            let (fact, swapped) = swap.replace(sentence)
            if swapped > 0 && fact != sentence && !facts.contains(fact) && !holdsAnswer(fact, sample.answers) { facts.append(fact) }
        }
        return facts.isEmpty ? .failure(Reason(text: "every swap kept an answer")) : .success(facts)
    }

    /// Chinese spans of 2 to 8 characters that occur in both texts, longest first.
    func sharedSpans(_ sentence: String, _ question: String) -> [String] {
        let chars = Array(question)
        var spans: [String] = []
        for length in stride(from: min(8, chars.count), through: 2, by: -1) {
            for start in 0...(chars.count - length) {
                let span = String(chars[start..<start + length])
                if span.contains(where: { $0.isPunctuation || $0.isWhitespace }) { continue }
                if sentence.contains(span) && !spans.contains(where: { $0.contains(span) }) { spans.append(span) }
            }
        }
        return spans
    }
}
