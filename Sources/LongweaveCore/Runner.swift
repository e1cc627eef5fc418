import LongweaveIO

/// How a run is carried out; none of it changes the output bytes.
public struct RunOptions: Sendable {
    /// Worker threads; the output is identical for every value.
    public var threads: Int
    /// The folder that holds `<pipeline name>/`, `build` by default.
    public var outputBase: String
    /// Print a progress line on stderr.
    public var progress: Bool
    /// Which slice of the output this run writes (`RunSlice.whole` for all of it).
    public var slice: RunSlice

    public init(threads: Int, outputBase: String, progress: Bool, slice: RunSlice = .whole) {
        self.threads = max(1, threads)
        self.outputBase = outputBase
        self.progress = progress
        self.slice = slice
    }
}

/// Runs a validated pipeline in three steps that know no particular stage: ingest (in the
/// order of the file), the stage loop, and the output writer (shards, side files, rejects,
/// stats, manifest last).
public struct Runner {
    public let spec: PipelineSpec
    public let registry: Registry
    public let options: RunOptions
    /// The repository root; the manifest names the pipeline file relative to it.
    public let root: String

    public static let toolVersion = "0.1.0"

    public init(spec: PipelineSpec, registry: Registry, options: RunOptions, root: String) {
        self.spec = spec
        self.registry = registry
        self.options = options
        self.root = root
        sideFileNames = Set(registry.stages.values.flatMap { $0.descriptor.sideFiles })
    }

    public var outputDirectory: String { options.outputBase + "/" + spec.name }

    /// Where this run writes: the output folder's staging folder (swapped in when the run is
    /// complete), or its slice's folder under `slices/`.
    public var workDirectory: String {
        options.slice.isWhole ? outputDirectory + "/" + OutputFolder.stagingFolder : SliceFolders.folder(of: options.slice, in: outputDirectory)
    }

    /// The names of the files that the registry's stages may write beside the shards.
    let sideFileNames: Set<String>

    /// What the run has rejected and counted so far, in the order it happened.
    struct RunLog {
        var rejects: RejectsWriter
        var stats: [StageStats] = []
    }

    public func run() throws -> RunSummary {
        try OutputFolder.checkNotNested(outputDirectory, base: options.outputBase)
        let locks = options.slice.isWhole ? [try OutputLock(outputDirectory)] : try SliceFolders.lock(options.slice, in: outputDirectory)
        defer { withExtendedLifetime(locks) {} }
        let previous = try OutputFolder.ownedEntries(of: outputDirectory, sideFiles: sideFileNames)
        try clearWorkDirectory()
        var log = RunLog(rejects: try RejectsWriter(path: workDirectory + "/rejects.jsonl"))
        var (pool, documentInputs) = try ingest(into: &log)
        let stages = try runStages(pool: &pool, documentInputs: &documentInputs, log: &log)
        let sideFiles = try writeSideFiles(stages.sideFileStages.flatMap { $0.sideFiles(for: pool) })

        var units = SliceUnits(slice: options.slice, maxRecords: spec.output.limits.maxRecords)
        let streams: [StreamStats]
        if let assembling = stages.assembling {
            streams = try writeAssembly(assembling.stage, context: assembling.context, pool: pool, documentInputs: documentInputs,
                                        log: &log, units: &units)
        } else {
            streams = try writePool(pool, folders: stages.folderStages, documentInputs: documentInputs, units: &units)
        }

        let directory = workDirectory
        try log.rejects.finish()
        try writeStats(log.stats, to: directory + "/stats.jsonl")
        let manifest = try Manifest.build(spec: spec, root: root, stats: log.stats, streams: streams, rejectKinds: log.rejects.kinds,
                                          rejectsSHA256: Digest.sha256Hex(ofFile: directory + "/rejects.jsonl").hex,
                                          sideFiles: sideFiles, threads: options.threads, slice: options.slice)
        try FileSystem.writeAtomically(manifest.prettyPrinted(), to: directory + "/manifest.json")
        if !options.slice.isWhole {
            // What the merge needs, then the marker that says this slice is complete.
            units.rejectsBeforeOutput = log.rejects.count - units.rejects.count
            units.sideFiles = sideFiles
            try FileSystem.writeAtomically(units.record(spec: spec, streams: streams.map(\.name)).prettyPrinted(), to: directory + "/" + RunSlice.recordFile)
            try SliceFolders.markDone(options.slice, in: outputDirectory)
            return RunSummary(outputDirectory: directory, streams: streams, stages: log.stats, rejects: log.rejects.count)
        }
        try OutputFolder.swapIn(directory, into: outputDirectory, replacing: previous)
        return RunSummary(outputDirectory: outputDirectory, streams: streams, stages: log.stats, rejects: log.rejects.count)
    }

    /// Empties the folder this run writes into. A whole run builds in a staging folder, so
    /// that the previous output stays whole until the new one is complete; a slice clears
    /// only its own folder (see `SliceFolders`).
    private func clearWorkDirectory() throws {
        if options.slice.isWhole {
            try FileSystem.remove(workDirectory)
            try FileSystem.createDirectories(workDirectory)
        } else {
            _ = try SliceFolders.prepare(options.slice, in: outputDirectory, ownFiles: OutputFolder.pipelineFiles(sideFiles: sideFileNames))
        }
    }

    /// Writes the stages' side files; returns what the manifest pins of each.
    private func writeSideFiles(_ files: [SideFile]) throws -> [Manifest.SideFileEntry] {
        var entries: [Manifest.SideFileEntry] = []
        for file in files {
            guard sideFileNames.contains(file.file) else {
                throw RunError("internal: a stage wrote the side file '\(file.file)', which no stage declares", isInputProblem: false)
            }
            try FileSystem.writeAtomically(file.bytes, to: workDirectory + "/" + file.file)
            entries.append(Manifest.SideFileEntry(file: file, sha256: Digest.sha256Hex(file.bytes)))
        }
        return entries
    }

    private func writeStats(_ stats: [StageStats], to path: String) throws {
        var json = JSONWriter()
        for stage in stats {
            json.value(stage.json(withSeconds: true))
            json.newline()
        }
        try FileSystem.writeAtomically(json.bytes, to: path)
    }

    func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
