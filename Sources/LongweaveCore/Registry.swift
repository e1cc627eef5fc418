/// The stages and formats that pipeline files can name.
public struct Registry: Sendable {
    public var stages: [String: any StageFactory.Type]
    public var formats: [String: any IngestFormat.Type]
    /// Older names that still work, each standing for several stages.
    public var spellings: [String: StageSpelling]
    /// Measures records for a pipeline's `models:`; nil: a pipeline with models is refused.
    public var promptMeasure: (any PromptMeasureFactory.Type)?

    public init(stages: [any StageFactory.Type], formats: [any IngestFormat.Type], spellings: [StageSpelling] = [],
                promptMeasure: (any PromptMeasureFactory.Type)? = nil) {
        self.promptMeasure = promptMeasure
        self.stages = Dictionary(uniqueKeysWithValues: stages.map { ($0.descriptor.name, $0) })
        self.formats = Dictionary(uniqueKeysWithValues: formats.map { ($0.descriptor.name, $0) })
        self.spellings = Dictionary(uniqueKeysWithValues: spellings.map { ($0.name, $0) })
    }

    /// Names sorted, for listings and suggestions.
    public var stageNames: [String] { stages.keys.sorted() }
    public var formatNames: [String] { formats.keys.sorted() }
}

/// An older stage name whose `key` picks one of several stages: `length_buckets: {mode: needle, ...}`
/// runs `needle` with the other keys. The stage keeps the name as written, so its random
/// streams, stats and rejects (and so its output bytes) stay those of the older spelling.
public struct StageSpelling: Sendable {
    public var name: String
    public var key: String
    /// The stage for each value of `key`.
    public var stages: [String: String]
    /// The value when `key` is absent.
    public var defaultValue: String

    public init(name: String, key: String, stages: [String: String], defaultValue: String) {
        self.name = name
        self.key = key
        self.stages = stages
        self.defaultValue = defaultValue
    }
}
