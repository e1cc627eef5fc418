import Dispatch
import LongweaveCore
import LongweaveIO
import LongweaveText

/// `length_buckets` mode `m4le`: M4LE's construction. Each record weaves one sample's gold
/// passage(s) among passages of other samples (and `distractors:` inputs), labelled by the
/// ability's template, so that its total length lands in one bucket `(previous, bucket]`;
/// `per_bucket` records per bucket, the golds drawn with the seed.
struct M4LEAssembler: AssemblingStage {
    let buckets: [Int]
    let perBucket: Int
    let ability: M4LEAbility
    let templates: M4LETemplates
    let unit: LengthUnit
    let distractorInputs: [String]
    let maxTries: Int
    let answersInGold: Bool
    let seed: UInt64

    var streams: [OutputStream] {
        buckets.map { OutputStream(name: ValueSyntax.levelName($0), level: $0) }
    }

    func prepare(pool: [Sample], documentInputs: [String: [Document]]) throws -> any Assembly {
        let tokenizer = try unit.load()
        var candidates = CandidatePool(tokenizer: tokenizer)
        var own: [[Int32]] = []
        var golds: [[Int32]] = []
        for sample in pool {
            if ability == .global {
                // The whole document is the one passage.
                let document = Document(title: sample.documents.first?.title ?? "", text: sample.documents.map(\.text).joined(separator: "\n"), evidence: true)
                let index = sample.documents.isEmpty ? nil : candidates.add(document, source: sample.id).index
                own.append(index.map { [$0] } ?? [])
                golds.append(index.map { [$0] } ?? [])
                continue
            }
            var mine: [Int32] = []
            var evidence: [Int32] = []
            for document in sample.documents {
                let index = candidates.add(document, source: sample.id).index
                mine.append(index)
                if document.evidence && !evidence.contains(index) { evidence.append(index) }
            }
            own.append(mine)
            golds.append(ability.isSingle ? Array(evidence.prefix(1)) : evidence)
        }
        if ability != .global {
            for id in distractorInputs {
                for (k, document) in (documentInputs[id] ?? []).enumerated() { _ = candidates.add(document, source: "\(id):\(k)") }
            }
        }
        let layout = M4LELayout(pool: pool, candidates: candidates, templates: templates, unit: unit, tokenizer: tokenizer)
        let planner = M4LEPlanner(layout: layout, own: own, golds: golds, ability: ability, buckets: buckets,
                                  perBucket: perBucket, maxTries: maxTries, answersInGold: answersInGold, seed: seed)
        return planner.plan()
    }
}

/// One planned record: which passages, in which order, which of them are gold.
struct M4LERecord: Sendable {
    var sample: Int32
    /// Candidate indices in input order.
    var passages: [Int32]
    /// Positions of the gold passages in `passages`, in gold order.
    var golds: [Int]
    /// The passages' IDs (24 bits each) when a template uses them.
    var ids: [UInt32]
    var inputLength: Int
    var totalLength: Int
}

/// How a record is rendered and measured: the templates applied to planned passages.
struct M4LELayout: Sendable {
    let pool: [Sample]
    let candidates: CandidatePool
    let templates: M4LETemplates
    let unit: LengthUnit
    let tokenizer: Tokenizer
    /// The length of the instruction and of the one-shot example with its blank line.
    let fixedLength: Int
    let newlineLength: Int
    let spaceLength: Int
    /// Labels that do not name a title have the same length at a position in every record.
    let labelDependsOnTitle: Bool
    /// The median passage length, for the first estimate of a record's passage count.
    let medianLength: Int
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

    init(pool: [Sample], candidates: CandidatePool, templates: M4LETemplates, unit: LengthUnit, tokenizer: Tokenizer) {
        self.pool = pool
        self.candidates = candidates
        self.templates = templates
        self.unit = unit
        self.tokenizer = tokenizer
        newlineLength = tokenizer.count("\n")
        spaceLength = tokenizer.count(" ")
        fixedLength = tokenizer.count(templates.instruction) + (templates.oneShot ? tokenizer.count(templates.example) + 2 * newlineLength : 0)
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

    /// Appends the input: the one-shot example, the labelled passages, the question; as
    /// UTF-8, or `escaped` for a JSON string (passages, titles and example escaped once).
    func appendInput(_ record: M4LERecord, escaped: Bool, to bytes: inout [UInt8]) {
        let newline: [UInt8] = escaped ? [0x5C, 0x6E] : [0x0A]  // \n inside a JSON string
        if templates.oneShot { bytes += (escaped ? escapedExample : exampleBytes) + newline + newline }
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

/// Chooses every bucket's records: golds drawn with the seed, the number of other passages
/// adjusted one at a time until the total lands in the bucket.
struct M4LEPlanner: Sendable {
    let layout: M4LELayout
    /// Per sample: the candidates of its own documents (never drawn as its distractors).
    let own: [[Int32]]
    /// Per sample: its gold candidates (single abilities: the first evidence passage).
    let golds: [[Int32]]
    let ability: M4LEAbility
    let buckets: [Int]
    let perBucket: Int
    let maxTries: Int
    /// Reject a sample unless every answer occurs in a gold passage (extractive tasks).
    let answersInGold: Bool
    let seed: UInt64
    static let stage = "length_buckets"

    struct Failure: Error {
        var reason: String
    }

    func plan() -> M4LEAssembly {
        var rejects: [PlannedReject] = []
        var counts: [String: Int] = [:]
        // The shortest record a sample can make: its golds alone.
        var minimal = [Int](repeating: 0, count: layout.pool.count)
        var usable: [Int] = []
        var labelLengths: [Int] = []
        for sample in layout.pool.indices {
            if golds[sample].isEmpty {
                let reason = ability == .global ? "no document to read" : "no evidence passage: the sample marks none of its documents as evidence"
                rejects.append(PlannedReject(sample: sample, stream: nil, reason: reason))
                continue
            }
            if answersInGold, let missing = layout.pool[sample].answers.first(where: { answer in
                !golds[sample].contains { layout.candidates.texts[Int($0)].contains(answer) }
            }) {
                rejects.append(PlannedReject(sample: sample, stream: nil, reason: "answer '\(missing)' is not in the gold passage"))
                continue
            }
            minimal[sample] = minimalLength(sample, labelLengths: &labelLengths)
            if minimal[sample] > buckets.last! {
                let what = ability == .global ? "the record" : "the gold passages alone"
                rejects.append(PlannedReject(sample: sample, stream: nil,
                                             reason: "\(what) make \(minimal[sample]) \(layout.unit), past the largest bucket (\(buckets.last!))"))
                continue
            }
            usable.append(sample)
        }
        let maximal = maximalLengths(minimal: minimal, labelLength: labelLengths.first ?? 0)
        let results = UnsafeSlots<(records: [M4LERecord], rejects: [PlannedReject], counts: [String: Int])>(count: buckets.count)
        let usableSamples = usable
        let minimalLengths = minimal
        // Buckets are planned independently (each from its own seeded draws), so in parallel.
        DispatchQueue.concurrentPerform(iterations: buckets.count) { stream in
            results.set(stream, planBucket(stream, usable: usableSamples, minimal: minimalLengths, maximal: maximal))
        }
        var records: [[M4LERecord]] = []
        for stream in buckets.indices {
            let result = results.take(stream)
            records.append(result.records)
            rejects += result.rejects
            counts.merge(result.counts) { $0 + $1 }
        }
        return M4LEAssembly(layout: layout, ability: ability, buckets: buckets, records: records, plannedRejects: rejects, plannedCounts: counts)
    }

    /// IDs for measuring before real ones are drawn (all IDs have the same length).
    func placeholderIDs(_ count: Int) -> [UInt32] {
        layout.templates.usesIDs ? [UInt32](repeating: 0, count: count) : []
    }

    func record(sample: Int, distractors: ArraySlice<Int32>, goldPositions: [Int], ids: [UInt32]) -> M4LERecord {
        let count = distractors.count + goldPositions.count
        var passages = [Int32](repeating: -1, count: count)
        for (gold, position) in zip(golds[sample], goldPositions) { passages[position] = gold }
        var next = distractors.startIndex
        for position in 0..<count where passages[position] < 0 {
            passages[position] = distractors[next]
            next += 1
        }
        return M4LERecord(sample: Int32(sample), passages: passages, golds: goldPositions, ids: Array(ids.prefix(count)), inputLength: 0, totalLength: 0)
    }

    /// Per sample, about the longest record it could make: its golds and every passage it may
    /// draw (all but its own documents and those titled like a gold), each with a label.
    func maximalLengths(minimal: [Int], labelLength: Int) -> [Int] {
        let candidates = layout.candidates
        if ability == .global { return minimal }
        // What a passage adds besides its text: its label (by its title when the label names
        // it, counted at position 1, so a little under) and the line break.
        let overheadByTitle = candidates.titles.map { title -> Int in
            guard layout.labelDependsOnTitle else { return labelLength + layout.newlineLength }
            var bytes: [UInt8] = []
            layout.label.appendLabel(position: 0, id: 0, title: Array(title.utf8), to: &bytes)
            return layout.tokenizer.count(String(decoding: bytes, as: UTF8.self)) + layout.spaceLength + layout.newlineLength
        }
        func added(_ candidate: Int32) -> Int {
            candidates.lengths[Int(candidate)] + overheadByTitle[Int(candidates.titleIDs[Int(candidate)])]
        }
        var lengthByTitle = [Int](repeating: 0, count: candidates.titles.count)
        for candidate in candidates.titleIDs.indices {
            lengthByTitle[Int(candidates.titleIDs[candidate])] += added(Int32(candidate))
        }
        let allLength = lengthByTitle.reduce(0, +)
        return layout.pool.indices.map { sample in
            guard !golds[sample].isEmpty else { return 0 }
            let titles = Set(golds[sample].map { candidates.titleIDs[Int($0)] })
            var excluded = titles.reduce(0) { $0 + lengthByTitle[Int($1)] }
            for candidate in Set(own[sample]) where !titles.contains(candidates.titleIDs[Int(candidate)]) {
                excluded += added(candidate)
            }
            // `minimal` holds the golds with their labels already.
            let golds = golds[sample].reduce(0) { $0 + added($1) }
            return minimal[sample] + allLength - excluded - golds
        }
    }

    func planBucket(_ stream: Int, usable: [Int], minimal: [Int], maximal: [Int]) -> (records: [M4LERecord], rejects: [PlannedReject], counts: [String: Int]) {
        let upper = buckets[stream]
        let lower = stream == 0 ? 0 : buckets[stream - 1]
        let name = ValueSyntax.levelName(upper)
        var counts: [String: Int] = [:]
        // A sample takes part when its golds fit under the bound and all it may draw passes
        // the lower one (for global: when its own length is in the bucket).
        var eligible = usable.filter { minimal[$0] <= upper && maximal[$0] > lower }
        var random = SeededRandom(seed: seed, stage: Self.stage, key: "bucket\u{1F}" + name)
        random.shuffle(&eligible)
        var records: [M4LERecord] = []
        var rejects: [PlannedReject] = []
        var tried = 0
        var failuresInARow = 0
        var labelLengths: [Int] = []
        for sample in eligible {
            if records.count == perBucket { break }
            tried += 1
            switch fit(sample: sample, minimal: minimal[sample], lower: lower, upper: upper, bucket: name, ordinal: records.count, labelLengths: &labelLengths) {
            case .success(let record):
                records.append(record)
                failuresInARow = 0
            case .failure(let failure):
                rejects.append(PlannedReject(sample: sample, stream: stream, reason: failure.reason))
                failuresInARow += 1
            }
            if failuresInARow == maxTries {
                counts["bucket \(name): given up after \(maxTries) samples in a row did not fit"] = 1
                break
            }
        }
        counts["bucket \(name): eligible samples"] = eligible.count
        if eligible.count > tried { counts["bucket \(name): samples not drawn"] = eligible.count - tried }
        if records.count < perBucket { counts["bucket \(name): records short of per_bucket"] = perBucket - records.count }
        return (records, rejects, counts)
    }

    /// M4LE's gold positions for a record of `count` passages: 0, 4, 9, 14, ... (every fifth
    /// from the start to the end), cycled over the bucket's records.
    static func goldPositions(count: Int) -> [Int] {
        [0] + Array(stride(from: 4, to: count, by: 5))
    }

    /// Builds one record for the sample in the bucket: estimate the number of other passages
    /// from the median passage, then add or remove one at a time (a fresh draw when a step
    /// jumps over the whole bucket), at most `maxTries` times.
    func fit(sample: Int, minimal: Int, lower: Int, upper: Int, bucket: String, ordinal: Int, labelLengths: inout [Int]) -> Result<M4LERecord, Failure> {
        let key = layout.pool[sample].id + "\u{1F}" + bucket
        let goldCount = golds[sample].count
        var ids: [UInt32] = []
        if layout.templates.usesIDs {
            var idRandom = SeededRandom(seed: seed, stage: Self.stage, key: key + "\u{1F}ids")
            ids = Self.drawIDs(count: goldCount, into: [], random: &idRandom)
        }
        if ability == .global {
            var record = record(sample: sample, distractors: [], goldPositions: [0], ids: ids)
            (record.inputLength, record.totalLength) = layout.measure(record, labelLengths: &labelLengths)
            return .success(record)
        }
        var random = SeededRandom(seed: seed, stage: Self.stage, key: key)
        var idRandom = SeededRandom(seed: seed, stage: Self.stage, key: key + "\u{1F}more ids")
        let own = own[sample]
        let goldTitles = golds[sample].map { layout.candidates.titleIDs[Int($0)] }
        let candidateCount = layout.candidates.texts.count
        var order = [Int32](0..<Int32(candidateCount))
        var drawn = 0
        var chosen: [Int32] = []
        /// Draws distractors until there are `count`, or the pool runs out.
        func draw(_ count: Int) -> Bool {
            while chosen.count < count && drawn < order.count {
                let j = drawn + random.below(order.count - drawn)
                order.swapAt(drawn, j)
                let candidate = order[drawn]
                drawn += 1
                if own.contains(candidate) || goldTitles.contains(layout.candidates.titleIDs[Int(candidate)]) { continue }
                chosen.append(candidate)
            }
            return chosen.count >= count
        }
        // The estimate: the middle of the bucket over the median passage with its label.
        let perPassage = max(1, layout.medianLength + (labelLengths.first ?? 0) + layout.newlineLength)
        let target = lower + (upper - lower) / 2
        var count = max(0, (target - minimal) / perPassage)
        var direction = 0
        var tried: [Int] = []
        for attempt in 0..<maxTries {
            if !draw(count) { count = chosen.count }
            let positions = Self.goldPositions(count: count + goldCount)
            var goldPositions = [positions[ordinal % positions.count]]
            if goldCount > 1 {
                // The other golds at seeded positions among the rest.
                var free = Array(0..<(count + goldCount)).filter { $0 != goldPositions[0] }
                for _ in 1..<goldCount {
                    goldPositions.append(free.remove(at: random.below(free.count)))
                }
            }
            if layout.templates.usesIDs && ids.count < count + goldCount {
                ids = Self.drawIDs(count: count + goldCount, into: ids, random: &idRandom)
            }
            var record = record(sample: sample, distractors: chosen.prefix(count), goldPositions: goldPositions, ids: ids)
            let (input, total) = layout.measure(record, labelLengths: &labelLengths)
            tried.append(total)
            if attempt == 0 && count > 0 && (total > upper || total <= lower) {
                // Passages are skewed (the median is not the mean): estimate once more from
                // what this draw measured per passage, then step one at a time.
                let measured = Double(total - minimal) / Double(count)
                count = max(0, Int((Double(target - minimal) / max(measured, 1)).rounded()))
                continue
            }
            if total > upper {
                if count == 0 { return .failure(Failure(reason: "the gold passages alone make \(total) \(layout.unit), past the bucket (\(upper))")) }
                if direction > 0 { redraw(&chosen, &drawn) }
                count -= 1
                direction = -1
            } else if total <= lower {
                if !draw(count + 1) {
                    return .failure(Failure(reason: "every passage this sample may use makes \(total) \(layout.unit), not past the bucket's lower bound (\(lower))"))
                }
                if direction < 0 { redraw(&chosen, &drawn) }
                count += 1
                direction = 1
            } else {
                (record.inputLength, record.totalLength) = (input, total)
                return .success(record)
            }
        }
        return .failure(Failure(reason: "no mix of passages landed in (\(lower), \(upper)] in \(maxTries) tries (totals tried: \(tried.suffix(6).map(String.init).joined(separator: ", ")))"))
    }

    /// A step crossed the whole bucket: start the draw again (the generator has moved on).
    private func redraw(_ chosen: inout [Int32], _ drawn: inout Int) {
        chosen.removeAll(keepingCapacity: true)
        drawn = 0
    }

    /// The shortest record a sample can make: its golds alone.
    private func minimalLength(_ sample: Int, labelLengths: inout [Int]) -> Int {
        layout.measure(record(sample: sample, distractors: [], goldPositions: Array(0..<golds[sample].count), ids: placeholderIDs(golds[sample].count)),
                       labelLengths: &labelLengths).total
    }

    /// Extends `ids` to `count` distinct 24-bit IDs.
    static func drawIDs(count: Int, into ids: [UInt32], random: inout SeededRandom) -> [UInt32] {
        var ids = ids
        var seen = Set(ids)
        while ids.count < count {
            let id = UInt32(truncatingIfNeeded: random.next() >> 40)
            if seen.insert(id).inserted { ids.append(id) }
        }
        return ids
    }
}

/// The planned records, rendered one at a time.
struct M4LEAssembly: Assembly {
    let layout: M4LELayout
    let ability: M4LEAbility
    let buckets: [Int]
    let records: [[M4LERecord]]
    let plannedRejects: [PlannedReject]
    let plannedCounts: [String: Int]

    func plannedSamples(stream: Int) -> [Int]? {
        records[stream].map { Int($0.sample) }
    }

    func assemble(sample index: Int, variant: Int, stream: Int, random: inout SeededRandom, into json: inout JSONWriter) -> AssemblyResult {
        let record = records[stream][variant]
        layout.write(record, bucket: buckets[stream], ability: ability, into: &json)
        return .written(length: record.totalLength)
    }
}
