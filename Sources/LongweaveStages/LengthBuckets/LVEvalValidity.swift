import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LongweaveCore
import LongweaveIO
import LongweaveText

/// The checks every LV-Eval-style record passes before it is written, and that `verify`
/// runs again on a built folder. A record that fails one is rejected with the check's name.
public enum LVEvalValidity {
    /// What the checks read of a record.
    public struct Record {
        public var input: String
        /// The context's UTF-8 bytes.
        public var context: [UInt8]
        public var answers: [String]
        public var facts: [String]
        /// The replacement pairs applied to the sample (`meta.kpr`).
        public var pairs: [(from: String, to: String)]
        /// Whether the sample's evidence held an answer before construction (`meta.extractive`).
        public var extractive: Bool
        public var chinese: Bool
        /// Whether the context holds the first answer (found once, by whoever ordered them).
        public var scoredInContext: Bool

        public init(input: String, context: [UInt8], answers: [String], facts: [String], pairs: [(from: String, to: String)],
                    extractive: Bool, chinese: Bool, scoredInContext: Bool? = nil) {
            self.input = input
            self.context = context
            self.answers = answers
            self.facts = facts
            self.pairs = pairs
            self.extractive = extractive
            self.chinese = chinese
            self.scoredInContext = scoredInContext ?? answers.first.map { LVEvalValidity.occurs($0, in: context, chinese: chinese) } ?? false
        }
    }

    /// The checks' names, as rejects and `verify` give them.
    public enum Check: String, CaseIterable, Sendable {
        case madeUpPhraseAbsent = "invalid record, made-up phrase of the question absent from the context"
        case answerAbsent = "invalid record, extractive answer absent from the context"
        case originalLeft = "invalid record, original of a replaced phrase left"
        case factNotOnce = "invalid record, confusing fact not in the context exactly once"
        case factHoldsAnswer = "invalid record, confusing fact holds an answer"
    }

    /// Whether `phrase` occurs in `text` as KPR matches it: whole words in English; in Chinese
    /// exactly, never inside a run of ASCII letters or digits.
    static func occurs(_ phrase: String, in text: String, chinese: Bool) -> Bool {
        var text = text
        return !phrase.isEmpty && text.withUTF8 { PhraseReplacer(pairs: [(phrase, "\u{1}")], wholeWords: !chinese).occursAnywhere(in: $0) }
    }

    static func occurs(_ phrase: String, in utf8: [UInt8], chinese: Bool) -> Bool {
        !phrase.isEmpty && utf8.withUnsafeBufferPointer { PhraseReplacer(pairs: [(phrase, "\u{1}")], wholeWords: !chinese).occursAnywhere(in: $0) }
    }

    /// Whether a sample is extractive: its evidence holds one of its answers (not yes or no).
    static func isExtractive(answers: [String], evidence: String, chinese: Bool) -> Bool {
        answers.contains { answer in
            !["yes", "no", "是", "否"].contains(answer.lowercased()) && occurs(answer, in: evidence, chinese: chinese)
        }
    }

    /// The context without its `### Passage N` / `### 文章 N` header lines.
    static func body(of context: [UInt8]) -> [UInt8] {
        let headers = [Array("### Passage ".utf8), Array("### 文章 ".utf8)]
        var body: [UInt8] = []
        body.reserveCapacity(context.count)
        for line in context.split(separator: 0x0A, omittingEmptySubsequences: false) {
            if headers.contains(where: { line.starts(with: $0) }) { continue }
            if !body.isEmpty { body.append(0x0A) }
            body.append(contentsOf: line)
        }
        return body
    }

    /// Non-overlapping occurrences of `needle` in `text`, compared as UTF-8 bytes.
    static func count(_ needle: String, in text: [UInt8]) -> Int {
        guard !needle.isEmpty else { return 0 }
        var needle = needle
        return text.withUnsafeBufferPointer { haystack in
            needle.withUTF8 { needle in
                guard let base = haystack.baseAddress, let pattern = needle.baseAddress else { return 0 }
                var count = 0
                var offset = 0
                // memchr to each candidate first byte, memcmp for the rest.
                while offset + needle.count <= haystack.count,
                      let hit = memchr(base + offset, Int32(pattern.pointee), haystack.count - offset - needle.count + 1) {
                    let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if memcmp(base + at, pattern, needle.count) == 0 {
                        count += 1
                        offset = at + needle.count
                    } else {
                        offset = at + 1
                    }
                }
                return count
            }
        }
    }

    /// The first check `record` fails, with what failed, or nil when it passes them all.
    /// Each text is scanned once for all pairs; a pair is looked at alone only when that scan
    /// did not settle it (a made-up phrase inside a longer one, an original in a header line).
    public static func problem(_ record: Record) -> String? {
        let chinese = record.chinese
        let pairCount = record.pairs.count
        // One matcher for the made-up phrases (0..<pairCount) and the originals (after them); an
        // original inside a made-up phrase is part of it, not left over.
        let both = PhraseReplacer(pairs: record.pairs.map { (from: $0.to, to: $0.from) } + record.pairs, wholeWords: !chinese)
        let inContext = record.pairs.isEmpty ? [] : Set(record.context.withUnsafeBufferPointer { both.pairsFound(in: $0) })
        if !record.pairs.isEmpty {
            let named = both.pairsFound(in: record.input).filter { $0 < pairCount }
            for index in named where !inContext.contains(index) && !occurs(record.pairs[index].to, in: record.context, chinese: chinese) {
                return "\(Check.madeUpPhraseAbsent.rawValue): '\(record.pairs[index].to)'"
            }
        }
        if record.extractive, !record.scoredInContext {
            return "\(Check.answerAbsent.rawValue): '\(record.answers.first ?? "")'"
        }
        if !record.pairs.isEmpty {
            var left = Set<Int>()
            for text in [record.input] + record.answers + record.facts { left.formUnion(both.pairsFound(in: text).filter { $0 >= pairCount }) }
            // Passage headers ('### Passage 12') may hold a number that was replaced elsewhere.
            if inContext.contains(where: { $0 >= pairCount }) {
                left.formUnion(body(of: record.context).withUnsafeBufferPointer { both.pairsFound(in: $0) }.filter { $0 >= pairCount })
            }
            if !left.isEmpty {
                return "\(Check.originalLeft.rawValue): " + left.sorted().map { "'\(record.pairs[$0 - pairCount].from)'" }.joined(separator: ", ")
            }
        }
        for fact in record.facts {
            let times = count(fact, in: record.context)
            if times != 1 { return "\(Check.factNotOnce.rawValue): \(times) times: '\(fact.prefix(80))'" }
            let lowered = fact.lowercased()
            if let answer = record.answers.first(where: { occurs($0.lowercased(), in: lowered, chinese: chinese) }) {
                return "\(Check.factHoldsAnswer.rawValue): '\(answer)'"
            }
        }
        return nil
    }

    /// Reads the checks' fields from a written record; nil when it is no LV-Eval-style record.
    public static func record(from value: JSONValue) -> Record? {
        guard let input = value["input"]?.stringValue, let context = value["context"]?.stringValue,
              let answers = value["answers"]?.arrayValue?.compactMap(\.stringValue), value["length_level"] != nil else { return nil }
        let meta = value["meta"]
        let pairs = Sample.keywordPairs(in: meta?["kpr"])
        let extractive = meta?["extractive"] == .bool(true)
        return Record(input: input, context: Array(context.utf8), answers: answers,
                      facts: value["confusing_facts"]?.arrayValue?.compactMap(\.stringValue) ?? [], pairs: pairs,
                      extractive: extractive, chinese: value["language"]?.stringValue == "zh")
    }

    /// Runs the checks on every LV-Eval-style record of a built dataset folder: one finding
    /// per failing record, naming its shard, line and id.
    public static func verify(directory: String) throws -> [DatasetReader.Finding] {
        var findings: [DatasetReader.Finding] = []
        for shard in try DatasetReader.shards(at: directory) {
            let relative = shard.hasPrefix(directory + "/") ? String(shard.dropFirst(directory.count + 1)) : shard
            try LineReader.forEachLine(in: shard) { line, number in
                var parser = JSONParser(bytes: line)
                guard let value = try? parser.parseDocument() else {
                    findings.append(DatasetReader.Finding(path: "\(relative):\(number)", problem: "not a JSON record"))
                    return
                }
                guard let record = record(from: value), let problem = problem(record) else { return }
                let id = value["_id"]?.stringValue ?? "?"
                findings.append(DatasetReader.Finding(path: "\(relative):\(number)", problem: "\(id): \(problem)"))
            }
        }
        return findings
    }
}
