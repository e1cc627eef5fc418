import LongweaveIO

extension Runner {
    /// Reads every input in the order of the file: samples into the pool (a repeated id is a
    /// reject), documents-only inputs by id. Stamps each input's rejects and stats as
    /// `ingest:<id>`.
    func ingest(into log: inout RunLog) throws -> (pool: [Sample], documentInputs: [String: [Document]]) {
        var pool: [Sample] = []
        var documentInputs: [String: [Document]] = [:]
        var seenIDs: Set<String> = []
        for input in spec.inputs {
            let format = registry.formats[input.format]!
            let clock = ContinuousClock.now
            let stageName = StageStats.ingestName(input.id)
            let result: IngestResult
            do {
                result = try format.read(input, pipeline: spec)
            } catch {
                throw RunError("\(input.path): \(error)", isInputProblem: true)
            }
            if let mismatch = result.formatMismatch(format: input.format) {
                throw RunError("\(input.path): \(mismatch)", isInputProblem: true)
            }
            var stage = StageStats(stage: "ingest", input: input.id)
            stage.recordsIn = result.samples.count + result.documents.count + result.rejects.count + result.skipped.values.reduce(0, +)
            stage.dropped = result.skipped
            stage.noted = result.noted
            stage.rejected = result.rejects.count
            try result.rejects.forEach { reject in
                var stamped = reject
                stamped.stage = stageName
                try log.rejects.append(stamped)
            }
            if input.product == .documents {
                // Documents of every sample (contexts shared by several questions once), or the format's own documents.
                var seenTexts = Set<String>()
                var documents = result.documents
                for sample in result.samples {
                    for document in sample.documents where seenTexts.insert(document.text).inserted { documents.append(document) }
                }
                documentInputs[input.id] = documents
                stage.recordsOut += documents.count
            } else {
                for sample in result.samples {
                    if seenIDs.insert(sample.id).inserted {
                        pool.append(sample)
                        stage.recordsOut += 1
                    } else {
                        try log.rejects.append(Reject(sample: sample, stage: stageName, reason: "duplicate id: '\(sample.id)' was read before"))
                        stage.rejected += 1
                    }
                }
            }
            stage.seconds = seconds(since: clock)
            log.stats.append(stage)
        }
        return (pool, documentInputs)
    }
}
