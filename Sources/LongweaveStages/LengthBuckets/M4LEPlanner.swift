import LongweaveCore
import LongweaveIO
import LongweaveText

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
    let context: StageContext

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
        // Buckets are planned independently (each from its own seeded draws), so in parallel.
        let results = context.map(buckets.count) { stream in
            planBucket(stream, usable: usable, minimal: minimal, maximal: maximal)
        }
        var records: [[M4LERecord]] = []
        for result in results {
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
        // M4LE's buckets are strict: a record's total length is at least the bucket below's
        // bound and under its own (`total_length < bucket`, the first bucket it fits). A
        // sample takes part when its golds fit under the bound and all it may draw reaches
        // the lower one (for global: when its own length is in the bucket).
        var eligible = usable.filter { minimal[$0] < upper && maximal[$0] >= lower }
        var random = context.random("bucket\u{1F}" + name)
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
            var idRandom = context.random(key + "\u{1F}ids")
            ids = Self.drawIDs(count: goldCount, into: [], random: &idRandom)
        }
        if ability == .global {
            var record = record(sample: sample, distractors: [], goldPositions: [0], ids: ids)
            (record.inputLength, record.totalLength) = layout.measure(record, labelLengths: &labelLengths)
            return .success(record)
        }
        var random = context.random(key)
        var idRandom = context.random(key + "\u{1F}more ids")
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
            if attempt == 0 && count > 0 && (total >= upper || total < lower) {
                // Passages are skewed (the median is not the mean): estimate once more from
                // what this draw measured per passage, then step one at a time.
                let measured = Double(total - minimal) / Double(count)
                count = max(0, Int((Double(target - minimal) / max(measured, 1)).rounded()))
                continue
            }
            if total >= upper {
                if count == 0 { return .failure(Failure(reason: "the gold passages alone make \(total) \(layout.unit), not under the bucket (\(upper))")) }
                if direction > 0 { redraw(&chosen, &drawn) }
                count -= 1
                direction = -1
            } else if total < lower {
                if !draw(count + 1) {
                    return .failure(Failure(reason: "every passage this sample may use makes \(total) \(layout.unit), under the bucket's lower bound (\(lower))"))
                }
                if direction < 0 { redraw(&chosen, &drawn) }
                count += 1
                direction = 1
            } else {
                (record.inputLength, record.totalLength) = (input, total)
                return .success(record)
            }
        }
        return .failure(Failure(reason: "no mix of passages landed in [\(lower), \(upper)) in \(maxTries) tries (totals tried: \(tried.suffix(6).map(String.init).joined(separator: ", ")))"))
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
