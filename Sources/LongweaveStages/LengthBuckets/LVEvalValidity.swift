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
        public var context: String
        public var answers: [String]
        public var facts: [String]
        /// The replacement pairs applied to the sample (`meta.kpr`).
        public var pairs: [(from: String, to: String)]
        /// Whether the sample's evidence held an answer before construction (`meta.extractive`).
        public var extractive: Bool
        public var chinese: Bool
    }

    /// The checks' names, as rejects and `verify` give them.
    public enum Check: String, CaseIterable, Sendable {
        case madeUpPhraseAbsent = "invalid record, made-up phrase of the question absent from the context"
        case answerAbsent = "invalid record, extractive answer absent from the context"
        case originalLeft = "invalid record, original of a replaced phrase left"
        case factNotOnce = "invalid record, confusing fact not in the context exactly once"
        case factHoldsAnswer = "invalid record, confusing fact holds an answer"
    }

    static func occurs(_ phrase: String, in text: String, chinese: Bool) -> Bool {
        !phrase.isEmpty && PhraseReplacer(pairs: [(phrase, "\u{1}")], wholeWords: !chinese).occurrences(in: text) > 0
    }

    /// Whether a sample is extractive: its evidence holds one of its answers (not yes or no).
    static func isExtractive(answers: [String], evidence: String, chinese: Bool) -> Bool {
        answers.contains { answer in
            !["yes", "no", "是", "否"].contains(answer.lowercased()) && occurs(answer, in: evidence, chinese: chinese)
        }
    }

    /// The context without its `### Passage N` / `### 文章 N` header lines.
    static func body(of context: String) -> String {
        guard context.contains("### ") else { return context }
        return context.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !($0.hasPrefix("### Passage ") || $0.hasPrefix("### 文章 ")) }
            .joined(separator: "\n")
    }

    /// Non-overlapping occurrences of `needle` in `text`, compared as UTF-8 bytes.
    static func count(_ needle: String, in text: String) -> Int {
        guard !needle.isEmpty else { return 0 }
        var text = text, needle = needle
        return text.withUTF8 { haystack in
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
    public static func problem(_ record: Record) -> String? {
        let chinese = record.chinese
        for pair in record.pairs where occurs(pair.to, in: record.input, chinese: chinese) && !occurs(pair.to, in: record.context, chinese: chinese) {
            return "\(Check.madeUpPhraseAbsent.rawValue): '\(pair.to)'"
        }
        if record.extractive, let scored = record.answers.first, !occurs(scored, in: record.context, chinese: chinese) {
            return "\(Check.answerAbsent.rawValue): '\(scored)'"
        }
        if !record.pairs.isEmpty {
            let originals = PhraseReplacer(pairs: record.pairs, wholeWords: !chinese)
            let text = ([body(of: record.context), record.input] + record.answers + record.facts).joined(separator: "\n")
            if !originals.pairsFound(in: text).isEmpty {
                let names = originals.pairsFound(in: text).map { "'\(record.pairs[$0].from)'" }.joined(separator: ", ")
                return "\(Check.originalLeft.rawValue): \(names)"
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
        let pairs: [(from: String, to: String)] = (meta?["kpr"]?.arrayValue ?? []).compactMap { pair in
            guard let from = pair["from"]?.stringValue, let to = pair["to"]?.stringValue else { return nil }
            return (from, to)
        }
        let extractive = meta?["extractive"] == .bool(true)
        return Record(input: input, context: context, answers: answers,
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
