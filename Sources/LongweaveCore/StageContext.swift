/// What the runner hands a stage while it works: who the stage is in this pipeline, the
/// run's seed and threads, and the registry. A stage takes its random generators and its
/// parallelism from here, never from the process or a name of its own.
public struct StageContext: Sendable {
    /// The stage's name as the pipeline file writes it; it names the stage's stats, its
    /// rejects and its random streams.
    public let name: String
    public let seed: UInt64
    /// Worker threads (`--threads`); outputs never depend on it.
    public let threads: Int
    /// The stages and formats of this run (a stage that reads corpora reads them with its formats).
    public let registry: Registry

    public init(name: String, seed: UInt64, threads: Int, registry: Registry) {
        self.name = name
        self.seed = seed
        self.threads = max(1, threads)
        self.registry = registry
    }

    /// The generator for one choice of this stage: the same for the same seed, stage name
    /// and key, whatever ran before it.
    public func random(_ key: String) -> SeededRandom {
        SeededRandom(seed: seed, stage: name, key: key)
    }

    /// `body` on every index of `0..<count` over this run's threads, results in index order.
    public func map<T>(_ count: Int, chunk: Int = 1, _ body: (Int) -> T) -> [T] {
        orderedParallelMap(count, threads: threads, chunk: chunk, body)
    }
}
