import LongweaveIO

extension Runner {
    /// Runs the assembling stage: prepares it on the final pool, then writes each of its
    /// streams; its planned and per-record rejects are logged under the stage's name.
    func writeAssembly(
        _ assembler: any AssemblingStage, context: StageContext, pool: [Sample], documentInputs: [String: [Document]],
        log: inout RunLog, units: inout SliceUnits
    ) throws -> [StreamStats] {
        let clock = ContinuousClock.now
        let assembly: any Assembly
        do {
            assembly = try assembler.prepare(pool: pool, documentInputs: documentInputs, context: context)
        } catch {
            throw RunError("stage '\(context.name)': \(error)", isInputProblem: true)
        }
        var stage = StageStats(stage: context.name)
        stage.recordsIn = pool.count
        for planned in assembly.plannedRejects {
            let stream = planned.stream.map { assembler.streams[$0].name + ": " } ?? ""
            try log.rejects.append(Reject(sample: pool[planned.sample], stage: context.name, reason: stream + planned.reason))
            stage.rejected += 1
        }
        stage.counts.merge(assembly.plannedCounts) { $0 + $1 }
        let planned = assembler.streams.indices.map { assembly.plannedSamples(stream: $0) }
        var measuring: RecordMeasuring?
        if !spec.models.isEmpty {
            guard let factory = registry.promptMeasure else { throw RunError("models: this longweave cannot measure prompts", isInputProblem: false) }
            do {
                measuring = RecordMeasuring(measure: try factory.make(spec), models: spec.models, unit: assembler.lengthUnit,
                                            rejectsOverWindow: assembler.rejectsOverWindow)
            } catch {
                throw RunError("models: \(error)", isInputProblem: true)
            }
        }
        let (streams, assemblyRejects) = try writeStreams(
            assembler.streams, ids: pool.map(\.id), variants: assembly.variantsPerSample, planned: planned,
            context: context, units: &units, measuring: measuring
        ) { index, variant, stream, random, json in
            assembly.assemble(sample: index, variant: variant, stream: stream, random: &random, into: &json)
        }
        for (index, reason) in assemblyRejects {
            let reject = Reject(sample: pool[index.sample], stage: context.name, reason: reason)
            try log.rejects.append(reject)
            units.rejects.append((index, reject))
            stage.rejected += 1
        }
        units.assemblingStage = log.stats.count
        stage.recordsOut = streams.reduce(0) { $0 + $1.records }
        stage.seconds = seconds(since: clock)
        log.stats.append(stage)
        return streams
    }

    /// A pipeline without an assembling stage writes its samples as they are: into `all`, or
    /// the folders the last stage that chooses them names; documents-only inputs into `documents`.
    func writePool(_ pool: [Sample], folders folderStages: [any OutputFoldersStage], documentInputs: [String: [Document]],
                   units: inout SliceUnits) throws -> [StreamStats] {
        let groups = folderStages.reversed().lazy.compactMap { $0.outputFolders(of: pool) }.first ?? [("all", pool)]
        let writer = context(forStage: "write")
        var streams: [StreamStats] = []
        for (name, samples) in groups {
            let (written, _) = try writeStreams([OutputStream(name: name, level: 0)], ids: samples.map(\.id), context: writer, units: &units) { index, _, _, _, json in
                samples[index].write(to: &json)
                return .written(length: 0)
            }
            streams += written
        }
        // Documents-only inputs (corpora) are written too, so that a pipeline can clean one.
        let documents = spec.inputs.compactMap { input in documentInputs[input.id].map { (input.id, $0) } }
            .flatMap { id, documents in documents.map { (id, $0) } }
        if !documents.isEmpty {
            let ids = documents.indices.map { "\(documents[$0].0):\($0)" }
            let (written, _) = try writeStreams([OutputStream(name: "documents", level: 0)], ids: ids, context: writer, units: &units) { index, _, _, _, json in
                let (input, document) = documents[index]
                json.beginObject()
                json.key("input"); json.string(input)
                json.key("title"); json.string(document.title)
                json.key("text"); json.string(document.text)
                json.endObject()
                return .written(length: 0)
            }
            streams += written
        }
        return streams
    }

    struct RecordIndex: Comparable {
        var stream: Int
        var sample: Int
        /// The record's position in its stream (sample × variants + variant).
        var record: Int
        static func < (a: RecordIndex, b: RecordIndex) -> Bool { (a.stream, a.record) < (b.stream, b.record) }
    }

    /// One piece of shard writing: a whole stream, or one unit of a slice.
    private struct WriteJob {
        var stream: Int
        var block: Int
        var ordinal: Int
        var records: Range<Int>
        var folder: String
        var relative: String
    }

    /// Writes every stream's shards; streams run in parallel (largest first), records within
    /// a stream in sample order (then variant order), so the bytes do not depend on the thread
    /// count. `build` gets (sample, variant, stream) and the record's generator, keyed by the
    /// sample id, the stream and (when a sample makes several) the variant. A slice writes
    /// only its units (blocks of `max_records` records of a stream), each into a folder of its
    /// own, and notes them in `units`. A stream with `planned` samples writes one record per
    /// entry instead (record k of sample `planned[k]`, built as variant k).
    func writeStreams(
        _ streams: [OutputStream], ids: [String], variants: Int = 1, planned: [[Int]?] = [], context: StageContext, units: inout SliceUnits,
        measuring: RecordMeasuring? = nil, build: @escaping @Sendable (Int, Int, Int, inout SeededRandom, inout JSONWriter) -> AssemblyResult
    ) throws -> ([StreamStats], [(RecordIndex, String)]) {
        let directory = workDirectory
        let planned = planned.isEmpty ? Array(repeating: nil, count: streams.count) : planned
        func recordCount(_ stream: Int) -> Int { planned[stream]?.count ?? ids.count * variants }
        let order = streams.indices.sorted { (streams[$0].level, $1) > (streams[$1].level, $0) }
        var jobs: [WriteJob] = []
        for streamIndex in order {
            let name = streams[streamIndex].name
            if options.slice.isWhole {
                jobs.append(WriteJob(stream: streamIndex, block: 0, ordinal: 0, records: 0..<recordCount(streamIndex), folder: directory + "/" + name, relative: name))
                continue
            }
            for (block, ordinal, records) in units.assign(stream: name, streamPosition: streamIndex, records: recordCount(streamIndex)) {
                jobs.append(WriteJob(stream: streamIndex, block: block, ordinal: ordinal, records: records,
                                     folder: directory + "/" + SliceUnits.folder(stream: name, block: block), relative: ""))
            }
        }
        let progress = Progress(total: jobs.reduce(0) { $0 + $1.records.count }, enabled: options.progress)
        let output = spec.output
        let results = context.map(jobs.count) { slot in
            Result { () throws -> (StreamStats, [(RecordIndex, String)]) in
                let job = jobs[slot]
                let stream = streams[job.stream]
                var stats = StreamStats(name: stream.name)
                var rejected: [(RecordIndex, String)] = []
                let writer = try ShardWriter(directory: job.folder, relativeDirectory: job.relative,
                                             limits: output.limits, zstdLevel: Int32(output.zstdLevel))
                var json = JSONWriter(capacity: 1 << 20)
                for record in job.records {
                    json.reset()
                    let (index, variant) = planned[job.stream].map { ($0[record], record) } ?? record.quotientAndRemainder(dividingBy: variants)
                    let numbered = variants > 1 || planned[job.stream] != nil
                    var random = context.random(ids[index] + "\u{1F}" + stream.name + (numbered ? "\u{1F}" + String(variant) : ""))
                    switch build(index, variant, job.stream, &random, &json) {
                    case .written(let length):
                        if let measuring {
                            let tokens = try measuring.annotate(&json.bytes, length: length, record: record, stream: stream.name)
                            if let reason = measuring.overWindow(tokens) {
                                rejected.append((RecordIndex(stream: job.stream, sample: index, record: record), "\(stream.name): \(reason)"))
                                progress.add(records: 1, bytes: 0)
                                continue
                            }
                            stats.add(promptTokens: tokens, models: measuring.models)
                        }
                        json.newline()
                        try writer.write(record: json.bytes)
                        stats.add(length: length)
                        progress.add(records: 1, bytes: json.bytes.count)
                    case .rejected(let reason):
                        rejected.append((RecordIndex(stream: job.stream, sample: index, record: record), "\(stream.name): \(reason)"))
                        progress.add(records: 1, bytes: 0)
                    }
                }
                stats.shards = try writer.finish()
                return (stats, rejected)
            }
        }
        progress.finish()
        // Per stream, in stream order: its jobs' records and rejects, in record order.
        var all = streams.map { StreamStats(name: $0.name) }
        var rejected: [(RecordIndex, String)] = []
        for (slot, result) in results.enumerated() {
            let (stats, jobRejects) = try result.get()
            all[jobs[slot].stream].merge(stats)
            rejected.append(contentsOf: jobRejects)
            if !options.slice.isWhole {
                units.done.append(SliceUnits.Unit(ordinal: jobs[slot].ordinal, stream: stats.name, block: jobs[slot].block, stats: stats))
            }
        }
        return (all, rejected.sorted { $0.0 < $1.0 })
    }
}

/// Adds to every record of an assembling stage what each model of `models:` receives of it:
/// `meta.prompt_tokens` (`{model: n}`) and `meta.lengths` (`{unit: n}`, the stage's own).
struct RecordMeasuring: Sendable {
    let measure: any PromptMeasure
    let models: [ModelSpec]
    let unit: String
    /// `fit: all`: a record that overflows a model's window (less its answer tokens) is a reject.
    let rejectsOverWindow: Bool

    /// Why a record does not fit, under `fit: all`; nil when it fits every model.
    func overWindow(_ tokens: [Int]) -> String? {
        guard rejectsOverWindow else { return nil }
        let over = zip(models, tokens).filter { $0.1 > $0.0.promptBudget }
        if over.isEmpty { return nil }
        return "does not fit " + over.map { model, count in
            "\(model.name) (\(count) prompt tokens, over its window \(model.window) less \(model.answerTokens) answer tokens)"
        }.joined(separator: ", ")
    }

    /// Measures the record in `bytes` (one JSON object whose last member is `meta`, an
    /// object) and writes the two members at the end of its `meta`; returns the counts.
    func annotate(_ bytes: inout [UInt8], length: Int, record: Int, stream: String) throws -> [Int] {
        let value = try bytes.withUnsafeBytes { try JSONValue.parse(line: $0, path: stream, number: record + 1) }
        guard let object = value.objectValue, let last = object.members.last, last.key == "meta", let meta = last.value.objectValue,
              bytes.count >= 2, bytes[bytes.count - 1] == UInt8(ascii: "}"), bytes[bytes.count - 2] == UInt8(ascii: "}") else {
            throw RunError("\(stream): record \(record + 1) does not end with its meta object, where prompt_tokens go", isInputProblem: false)
        }
        let tokens = try measure.promptTokens(of: value)
        var added = JSONWriter()
        added.key("prompt_tokens")
        added.beginObject()
        for (model, count) in zip(models, tokens) { added.key(model.name); added.int(count) }
        added.endObject()
        added.key("lengths")
        added.beginObject()
        added.key(unit); added.int(length)
        added.endObject()
        var insertion = meta.count > 0 ? [UInt8(ascii: ",")] : []
        insertion += added.bytes.drop { $0 == UInt8(ascii: ",") }
        bytes.insert(contentsOf: insertion, at: bytes.count - 2)
        return tokens
    }
}
