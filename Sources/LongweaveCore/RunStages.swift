import LongweaveIO

extension Runner {
    /// What the stage loop leaves for the output writer.
    struct StagedPool {
        /// The assembling stage and its context, when the pipeline has one (it runs in the writer).
        var assembling: (stage: any AssemblingStage, context: StageContext, name: String)?
        /// Stages that may choose the folders of the final pool; the last that does, decides.
        var folderStages: [any OutputFoldersStage] = []
        var sideFileStages: [any SideFileStage] = []
    }

    /// The context a stage of this run works in.
    func context(forStage name: String) -> StageContext {
        StageContext(name: name, seed: spec.seed, threads: options.threads, registry: registry)
    }

    /// Builds and runs every stage before the assembling one, in the order of the file.
    func runStages(pool: inout [Sample], documentInputs: inout [String: [Document]], log: inout RunLog) throws -> StagedPool {
        var staged = StagedPool()
        for stageSpec in spec.stages {
            let factory = registry.stages[stageSpec.factoryName]!
            let instance: StageInstance
            do {
                instance = try factory.make(StageSetup(config: stageSpec.config, pipeline: spec))
            } catch {
                throw RunError("stage '\(stageSpec.name)': \(error.message)", isInputProblem: true)
            }
            let context = context(forStage: stageSpec.name)
            if let sideFiles = instance.sideFileStage { staged.sideFileStages.append(sideFiles) }
            if case .pooled(let pooled) = instance, let folders = pooled as? any OutputFoldersStage { staged.folderStages.append(folders) }
            let clock = ContinuousClock.now
            var stage = StageStats(stage: stageSpec.name)
            stage.recordsIn = pool.count
            switch instance {
            case .streaming(let streaming):
                pool = try runStreaming(streaming, context: context, pool: pool, stats: &stage, rejects: log.rejects)
            case .pooled(let pooled):
                let result: PooledResult
                do {
                    result = try pooled.process(pool: pool, context: context, counts: &stage.counts)
                } catch let error as IOError {
                    throw RunError("stage '\(stageSpec.name)': \(error)", isInputProblem: true)
                }
                let byID = Dictionary(pool.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
                for (id, verdict) in result.removed {
                    try record(verdict, sample: byID[id], stageName: stageSpec.name, stats: &stage, rejects: log.rejects)
                }
                pool = result.kept
            case .assembling(let assembling):
                staged.assembling = (assembling, context, stageSpec.name)
                continue
            }
            if let documentStage = instance.documentPoolStage, !documentInputs.isEmpty {
                let ids = spec.inputs.map(\.id).filter { documentInputs[$0] != nil }
                let (kept, removed) = documentStage.process(documentInputs: ids.map { ($0, documentInputs[$0]!) }, context: context)
                for (id, documents) in zip(ids, kept) { documentInputs[id] = documents }
                stage.documentsRemoved.merge(removed, uniquingKeysWith: +)
            }
            stage.recordsOut = pool.count
            stage.seconds = seconds(since: clock)
            log.stats.append(stage)
        }
        return staged
    }

    /// Counts a verdict other than keep; a reject goes to rejects.jsonl.
    func record(_ verdict: StageVerdict, sample: Sample?, stageName: String, stats: inout StageStats, rejects: RejectsWriter) throws {
        switch verdict {
        case .keep: break
        case .drop(let reason): stats.dropped[reason, default: 0] += 1
        case .reject(let reason):
            stats.rejected += 1
            if let sample {
                try rejects.append(Reject(sample: sample, stage: stageName, reason: reason))
            } else {
                try rejects.append(Reject(file: "", line: 0, record: -1, stage: stageName, reason: reason))
            }
        }
    }

    /// Applies a streaming stage to every sample over the run's threads; order is kept.
    private func runStreaming(_ stage: any StreamingStage, context: StageContext, pool: [Sample], stats: inout StageStats, rejects: RejectsWriter) throws -> [Sample] {
        let results = context.map(pool.count, chunk: 64) { i -> (Sample, StageVerdict, StageCounts) in
            var sample = pool[i]
            var random = context.random(sample.id)
            var counts = StageCounts()
            let verdict = stage.process(&sample, random: &random, counts: &counts)
            return (sample, verdict, counts)
        }
        var kept: [Sample] = []
        kept.reserveCapacity(pool.count)
        for (i, (sample, verdict, counts)) in results.enumerated() {
            stats.documentsRemoved.merge(counts.documentsRemoved, uniquingKeysWith: +)
            stats.counts.merge(counts.counts, uniquingKeysWith: +)
            if verdict == .keep {
                kept.append(sample)
            } else {
                try record(verdict, sample: pool[i], stageName: context.name, stats: &stats, rejects: rejects)
            }
        }
        return kept
    }
}
