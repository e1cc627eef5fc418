import LongweaveCore
import LongweaveIO
import LongweavePrompts
import LongweaveText

/// One sample's haystack: documents from its seeded start, KPR applied, joined by blank
/// lines, long enough for the largest level; and where each level's prefix ends.
struct Haystack: Sendable {
    var bytes: [UInt8] = []
    /// Byte offsets where something may be inserted: the start, sentence ends, document ends.
    var points: [Int] = []
    /// The character offset of each point.
    var pointChars: [Int] = []
    /// The document index the haystack starts at.
    var start = 0
    var needle = ""
    var facts: [String] = []
    /// Per level: the index in `points` where the context's haystack ends, or why there is none.
    var ends: [Result<Int, FillAssembly.AssemblyFailure>] = []

    static func separator(_ language: String) -> String { language == "zh" ? "" : " " }

    static func build(for sample: Sample, documents: [String], levels: [Int], upperBounds: [Int], unit: TokenizerSpec,
                      tokenizer: Tokenizer, context: StageContext) -> Haystack {
        var haystack = Haystack()
        let replacer = sample.keywordReplacer
        haystack.needle = sample.documents.filter(\.evidence).map(\.text).joined(separator: separator(sample.language))
        haystack.facts = sample.confusingFacts.map { replacer?.replace($0).text ?? $0 }
        func failAll(_ reason: String) -> Haystack {
            haystack.ends = levels.map { _ in .failure(FillAssembly.AssemblyFailure(reason)) }
            return haystack
        }
        if haystack.needle.isEmpty { return failAll("no needle: the sample marks none of its documents as evidence") }
        if documents.isEmpty { return failAll("the haystack inputs have no documents") }
        let space = separator(sample.language)
        let fixed = ([haystack.needle] + haystack.facts).reduce(0) { $0 + tokenizer.count(space + $1) }

        // Documents in order from a seeded start, wrapping around once, never repeated.
        var random = context.random(sample.id)
        haystack.start = random.below(documents.count)
        var total = 0
        var documentEnds: [Int] = []
        let needed = upperBounds.max()!
        for step in 0..<documents.count {
            if total >= needed { break }
            var text = documents[(haystack.start + step) % documents.count]
            if let replacer { text = replacer.replace(text).text }
            if !haystack.bytes.isEmpty { haystack.bytes += Array("\n\n".utf8) }
            haystack.bytes += Array(text.utf8)
            documentEnds.append(haystack.bytes.count)
            total += tokenizer.count(text)
        }
        let text = String(decoding: haystack.bytes, as: UTF8.self)
        haystack.points = Array(Set([0] + Sentences.ends(in: text) + documentEnds)).sorted()
        haystack.pointChars = haystack.bytes.withUnsafeBytes { CharCount.offsets(of: haystack.points, in: $0) }

        // Each level: the shortest prefix ending at a point whose length, with the needle and
        // facts, reaches the level (lengths grow with the prefix: binary search).
        func prefixLength(_ point: Int) -> Int {
            haystack.bytes.withUnsafeBufferPointer { tokenizer.count(String(decoding: $0[..<haystack.points[point]], as: UTF8.self)) }
        }
        for (level, upper) in zip(levels, upperBounds) {
            var low = 1, high = haystack.points.count
            while low < high {
                let mid = (low + high) / 2
                if prefixLength(mid) + fixed >= level { high = mid } else { low = mid + 1 }
            }
            if low == haystack.points.count {
                haystack.ends.append(.failure(.init("haystack exhausted: every document gives \(prefixLength(low - 1) + fixed) \(unit), level \(level)")))
            } else if prefixLength(low) + fixed > upper {
                haystack.ends.append(.failure(.init("no sentence end of the haystack lands within the tolerance: level \(level)")))
            } else {
                haystack.ends.append(.success(low))
            }
        }
        return haystack
    }
}

struct NeedleAssembly: Assembly {
    let pool: [Sample]
    let levels: [Int]
    /// Per level: where a record's measure lands (see `NeedleAssembler.prepare`).
    let bands: [(lower: Int, upper: Int)]
    let unit: TokenizerSpec
    let tokenizer: Tokenizer
    let depths: [Double]
    let haystacks: [Haystack]
    let split: String
    /// `fit: {model}`: the model whose whole prompt the level budgets.
    let fitView: ModelView?

    var variantsPerSample: Int { depths.count }

    func assemble(sample index: Int, variant: Int, stream: Int, random: inout SeededRandom, into json: inout JSONWriter) -> AssemblyResult {
        let sample = pool[index]
        let haystack = haystacks[index]
        let requested = depths[variant]
        guard case .success(var end) = haystack.ends[stream] else {
            if case .failure(let failure) = haystack.ends[stream] { return .rejected(reason: failure.reason) }
            return .rejected(reason: "no haystack")
        }
        let level = levels[stream]
        let (lower, upper) = bands[stream]
        var context: [UInt8] = []
        var length = 0
        var needleOffset = 0
        var factOffsets: [Int] = []
        var startRandom = random
        // Words and chars add up, so the first render lands; tokens across an insertion may
        // not, so the prefix moves one point at a time (a few times at most).
        for attempt in 0..<4 {
            var insertRandom = startRandom
            (context, needleOffset, factOffsets) = render(haystack, end: end, depth: requested, language: sample.language, random: &insertRandom)
            length = context.withUnsafeBytes { tokenizer.count(utf8: $0) }
            var measured = length
            if let view = fitView {
                do {
                    measured = try view.promptTokens(context: String(decoding: context, as: UTF8.self), input: sample.question)
                } catch {
                    return .rejected(reason: "fit: \(error)")
                }
            }
            if measured >= lower && measured <= upper {
                startRandom = insertRandom
                break
            }
            end += measured < lower ? 1 : -1
            if attempt == 3 || end < 1 || end >= haystack.points.count {
                let what = fitView.map { "\(measured) \($0.model.name) prompt tokens" } ?? "\(length) \(unit)"
                return .rejected(reason: "context outside the level: depth \(requested), \(what), expected [\(lower), \(upper)]")
            }
        }
        random = startRandom

        // Character offsets (Python's str indices) of the needle and the facts.
        let (charOffsetOfByte, totalChars) = LVEvalRecord.characterOffsets(of: [needleOffset] + factOffsets, in: context)
        let needleChars = charOffsetOfByte[needleOffset]!
        let factChars = factOffsets.map { charOffsetOfByte[$0]! }
        var meta = sample.meta
        meta.set("needle_depth", .number(requested))
        meta.set("needle_offset", .number(Double(needleChars)))
        meta.set("evidence_depths", .array([LVEvalRecord.depth(needleChars, of: totalChars)]))
        if !factChars.isEmpty { meta.set("cfi", LVEvalRecord.factPositions(factChars, totalChars: totalChars)) }
        meta.set("haystack_start", .number(Double(haystack.start)))
        meta.set("unit", .string("\(unit)"))
        return LVEvalRecord(sample: sample, id: sample.id + ":" + String(variant), split: split, context: context, contextLength: length,
                            level: level, facts: haystack.facts, evidence: haystack.needle, meta: meta).write(to: &json, tokenizer: tokenizer)
    }

    /// The haystack up to point `end` with the needle at the point nearest `depth` (by
    /// characters) and each fact at a distinct random other point. Returns the context and the
    /// byte offsets of the needle and the facts in it.
    func render(_ haystack: Haystack, end: Int, depth: Double, language: String,
                random: inout SeededRandom) -> (context: [UInt8], needle: Int, facts: [Int]) {
        let target = depth * Double(haystack.pointChars[end])
        var needlePoint = 0
        for point in 0...end where abs(Double(haystack.pointChars[point]) - target) < abs(Double(haystack.pointChars[needlePoint]) - target) {
            needlePoint = point
        }
        var free = Array(0...end)
        free.remove(at: needlePoint)
        var insertions: [(point: Int, text: Int)] = [(needlePoint, -1)]
        for f in haystack.facts.indices where !free.isEmpty {
            insertions.append((free.remove(at: random.below(free.count)), f))
        }
        insertions.sort { ($0.point, $0.text) < ($1.point, $1.text) }

        let space = Array(Haystack.separator(language).utf8)
        var context: [UInt8] = []
        context.reserveCapacity(haystack.points[end] + haystack.needle.utf8.count + haystack.facts.reduce(0) { $0 + $1.utf8.count } + 16)
        var needleOffset = 0
        var factOffsets = Array(repeating: 0, count: haystack.facts.count)
        var copied = 0
        for (point, text) in insertions {
            let offset = haystack.points[point]
            context += haystack.bytes[copied..<offset]
            copied = offset
            // At the very start the text comes first and the separator after it.
            if offset > 0 { context += space }
            if text < 0 { needleOffset = context.count } else { factOffsets[text] = context.count }
            context += (text < 0 ? haystack.needle : haystack.facts[text]).utf8
            if offset == 0 { context += space }
        }
        context += haystack.bytes[copied..<haystack.points[end]]
        return (context, needleOffset, factOffsets)
    }
}
