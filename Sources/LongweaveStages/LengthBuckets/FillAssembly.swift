import LongweaveCore
import LongweaveIO
import LongweavePrompts
import LongweaveText

struct FillAssembly: Assembly {
    let pool: [Sample]
    let levels: [Int]
    let unit: TokenizerSpec
    let tokenizer: Tokenizer
    let candidates: CandidatePool
    let ownCandidates: [[Int32]]
    let ownTitles: [[Int32]]
    let tolerance: Double
    let nested: Bool
    let context: StageContext
    /// The split's name, written as each record's `dataset`.
    let split: String
    /// `fit: {model}`: the model whose whole prompt (plus its answer tokens) the level budgets.
    let fitView: ModelView?

    /// `### Passage {i}\n` (English) or `### 文章 {i}\n` (Chinese).
    static func header(_ number: Int, language: String) -> String {
        (language == "zh" ? "### 文章 " : "### Passage ") + String(number) + "\n"
    }

    /// One passage of a context being planned.
    struct Passage {
        var text: String
        var length: Int
        var evidence: Bool
        /// Where it goes: passages are rendered in key order, so a nested level keeps the
        /// smaller level's order.
        var key: UInt64
    }

    /// The length a passage adds: header, text and the blank line before it (an estimate
    /// for tokens; the rendered context is measured).
    func passageLength(number: Int, textLength: Int, language: String) -> Int {
        let separator = number > 1 ? tokenizer.count("\n\n") : 0
        return tokenizer.count(Self.header(number, language: language)) + textLength + separator
    }

    /// The length a confusing fact adds where it is inserted (after a space in English).
    func factLength(_ fact: String, language: String) -> Int {
        tokenizer.count(language == "zh" ? fact : " " + fact)
    }

    /// Chooses the passages of one context: the evidence, then distractors drawn without
    /// replacement until the estimate reaches `lower`; the distractor that crosses it is
    /// cut at the sentence end that lands at most at `upper`, or set aside for another.
    func plan(sample index: Int, lower: Int, upper: Int, fixed: Int, replacer: PhraseReplacer?,
              random: inout SeededRandom) -> Result<[Passage], AssemblyFailure> {
        let sample = pool[index]
        let own = ownCandidates[index]
        let titles = ownTitles[index]
        var passages: [Passage] = []
        var estimate = fixed
        for (document, candidate) in zip(sample.documents, own) where document.evidence {
            let length = candidates.lengths[Int(candidate)]
            passages.append(Passage(text: document.text, length: length, evidence: true, key: random.next()))
            estimate += passageLength(number: passages.count, textLength: length, language: sample.language)
        }
        if passages.isEmpty { return .failure(AssemblyFailure("no evidence documents: the sample marks none of its documents as evidence")) }
        if estimate > upper { return .failure(AssemblyFailure("the evidence alone is past the level: \(estimate) \(unit)")) }

        var order = Array(0..<Int32(candidates.texts.count))
        var drawn = 0
        var setAside = 0
        while estimate < lower {
            guard drawn < order.count else {
                return .failure(AssemblyFailure("distractor pool exhausted: \(estimate) \(unit) after every candidate, level \(lower)"))
            }
            let j = drawn + random.below(order.count - drawn)
            order.swapAt(drawn, j)
            let candidate = order[drawn]
            drawn += 1
            let key = random.next()
            if own.contains(candidate) || titles.contains(candidates.titleIDs[Int(candidate)]) { continue }
            var text = candidates.texts[Int(candidate)]
            var length = candidates.lengths[Int(candidate)]
            if let replacer {
                let (replaced, count) = replacer.replace(text)
                if count > 0 {
                    text = replaced
                    length = tokenizer.count(text)
                }
            }
            let overhead = passageLength(number: passages.count + 1, textLength: 0, language: sample.language)
            if estimate + overhead + length <= upper {
                passages.append(Passage(text: text, length: length, evidence: false, key: key))
                estimate += overhead + length
                continue
            }
            // This one crosses the level: keep the shortest sentence-end prefix that reaches it.
            let needed = lower - estimate - overhead
            if needed > 0, let (prefix, prefixLength) = shortestPrefix(of: text, reaching: needed),
               estimate + overhead + prefixLength <= upper {
                passages.append(Passage(text: prefix, length: prefixLength, evidence: false, key: key))
                estimate += overhead + prefixLength
                break
            }
            setAside += 1
            if setAside > 200 {
                return .failure(AssemblyFailure("no distractor ends a sentence within the tolerance: level \(lower), \(setAside) tried"))
            }
        }
        return .success(passages)
    }

    /// The shortest prefix of `text` ending at a sentence end whose length is at least `needed`.
    func shortestPrefix(of text: String, reaching needed: Int) -> (String, Int)? {
        let ends = Sentences.ends(in: text)
        let utf8 = Array(text.utf8)
        func prefix(_ end: Int) -> String {
            String(String(decoding: utf8[..<end], as: UTF8.self).trimmingWhitespace())
        }
        // Lengths grow with the end: binary search for the first end that is enough.
        var low = 0, high = ends.count
        while low < high {
            let mid = (low + high) / 2
            if tokenizer.count(prefix(ends[mid])) >= needed { high = mid } else { low = mid + 1 }
        }
        guard low < ends.count else { return nil }
        let chosen = prefix(ends[low])
        return (chosen, tokenizer.count(chosen))
    }

    struct AssemblyFailure: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// The rendered context with the facts inserted, and where things landed (byte offsets).
    struct Rendered {
        var context: [UInt8] = []
        var factOffsets: [Int] = []
        var evidenceOffsets: [Int] = []
        var evidencePassages: [JSONValue] = []
    }

    /// Renders passages in key order and inserts each fact at a distinct random sentence end
    /// of a distractor, or at the end of a passage (evidence text is never cut into).
    func render(_ passages: [Passage], facts: [String], language: String, random: inout SeededRandom) -> Rendered {
        let ordered = passages.sorted { $0.key < $1.key }
        // Insertion points: (passage, byte offset in its text).
        var points: [(passage: Int, offset: Int)] = []
        for (i, passage) in ordered.enumerated() {
            if !passage.evidence { points += Sentences.ends(in: passage.text).map { (i, $0) } }
            points.append((i, passage.text.utf8.count))
        }
        var chosen: [(passage: Int, offset: Int, fact: Int)] = []
        for (f, _) in facts.enumerated() where !points.isEmpty {
            let pick = random.below(points.count)
            chosen.append((points[pick].passage, points[pick].offset, f))
            points.remove(at: pick)
        }
        chosen.sort { ($0.passage, $0.offset) < ($1.passage, $1.offset) }

        var out = Rendered()
        out.context.reserveCapacity(ordered.reduce(0) { $0 + $1.text.utf8.count + 24 } + facts.reduce(0) { $0 + $1.utf8.count + 1 })
        out.factOffsets = Array(repeating: 0, count: facts.count)
        var next = 0
        for (i, passage) in ordered.enumerated() {
            if i > 0 { out.context.append(contentsOf: [0x0A, 0x0A]) }
            if passage.evidence {
                out.evidenceOffsets.append(out.context.count)
                out.evidencePassages.append(.number(Double(i + 1)))
            }
            out.context.append(contentsOf: Self.header(i + 1, language: language).utf8)
            var text = passage.text
            text.withUTF8 { text in
                var copied = 0
                while next < chosen.count, chosen[next].passage == i {
                    let (_, offset, f) = chosen[next]
                    out.context.append(contentsOf: UnsafeBufferPointer(rebasing: text[copied..<offset]))
                    copied = offset
                    if language != "zh" { out.context.append(0x20) }
                    out.factOffsets[f] = out.context.count
                    out.context.append(contentsOf: facts[f].utf8)
                    next += 1
                }
                out.context.append(contentsOf: UnsafeBufferPointer(rebasing: text[copied...]))
            }
        }
        return out
    }

    func assemble(sample index: Int, stream: Int, random: inout SeededRandom, into json: inout JSONWriter) -> AssemblyResult {
        let sample = pool[index]
        let level = levels[stream]
        let upperBound = level + Int((Double(level) * tolerance).rounded(.down))
        let replacer = sample.keywordReplacer
        let facts = sample.confusingFacts.map { replacer?.replace($0).text ?? $0 }
        var fixed = facts.reduce(0) { $0 + factLength($1, language: sample.language) }
        // Under fit, what lands in the level is the model's whole prompt plus its answer
        // tokens: [level * (1 - tolerance), level], measured on the wrapped prompt.
        var target = (lower: level, upper: upperBound)
        if let view = fitView {
            target = view.band(level: level, tolerance: tolerance)
            do { fixed += try view.promptTokens(context: "", input: sample.question) } catch { return .rejected(reason: "fit: \(error)") }
        }
        // Nested levels draw from one sequence per sample, so a larger level repeats the
        // smaller one's draws and continues.
        let planStart = nested ? context.random(sample.id) : random
        var factRandom = random
        var correction = 0
        var rendered = Rendered()
        var length = 0
        var passageTotal = 0
        // Words and chars add up exactly, so one plan lands; token counts of parts need not
        // add up, so the plan is redone with the measured difference (a few times at most).
        for attempt in 0..<4 {
            var planRandom = planStart
            let passages: [Passage]
            switch plan(sample: index, lower: target.lower - correction, upper: target.upper - correction, fixed: fixed,
                        replacer: replacer, random: &planRandom) {
            case .success(let planned): passages = planned
            case .failure(let failure): return .rejected(reason: failure.reason)
            }
            var insertRandom = factRandom
            rendered = render(passages, facts: facts, language: sample.language, random: &insertRandom)
            passageTotal = passages.count
            length = rendered.context.withUnsafeBytes { tokenizer.count(utf8: $0) }
            var measured = length
            if let view = fitView {
                do {
                    measured = try view.promptTokens(context: String(decoding: rendered.context, as: UTF8.self), input: sample.question)
                } catch {
                    return .rejected(reason: "fit: \(error)")
                }
            }
            if measured >= target.lower && measured <= target.upper {
                factRandom = insertRandom
                break
            }
            let estimate = fixed + passages.enumerated().reduce(0) { total, item in
                total + passageLength(number: item.offset + 1, textLength: item.element.length, language: sample.language)
            }
            correction = measured - estimate
            if attempt == 3 {
                if let view = fitView {
                    return .rejected(reason: "prompt outside the level after 4 plans: \(measured) \(view.model.name) tokens, expected [\(target.lower), \(target.upper)]")
                }
                return .rejected(reason: "context outside the level after 4 plans: \(length) \(unit), expected [\(level), \(upperBound)]")
            }
        }

        // Character offsets (Python's str indices) of the facts and evidence passages.
        let context = rendered.context
        let (charOffsetOfByte, chars) = LVEvalRecord.characterOffsets(of: rendered.factOffsets + rendered.evidenceOffsets, in: context)
        var meta = sample.meta
        meta.set("passages", .number(Double(passageTotal)))
        meta.set("evidence_passages", .array(rendered.evidencePassages))
        meta.set("evidence_depths", .array(rendered.evidenceOffsets.map { LVEvalRecord.depth(charOffsetOfByte[$0]!, of: chars) }))
        if !facts.isEmpty {
            meta.set("cfi", LVEvalRecord.factPositions(rendered.factOffsets.map { charOffsetOfByte[$0]! }, totalChars: chars))
        }
        meta.set("unit", .string("\(unit)"))
        return LVEvalRecord(sample: sample, id: sample.id, split: split, context: context, contextLength: length, level: level,
                            facts: facts, evidence: sample.documents.filter(\.evidence).map(\.text).joined(separator: "\n"), meta: meta)
            .write(to: &json, tokenizer: tokenizer)
    }

}
