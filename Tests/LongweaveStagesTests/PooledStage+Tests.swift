import LongweaveCore
import LongweaveStages

extension PooledStage {
    /// Runs the stage as the runner would, with the standard registry on two threads.
    func process(pool: [Sample], seed: UInt64, stage: String) throws -> PooledResult {
        var counts: [String: Int] = [:]
        return try process(pool: pool, seed: seed, stage: stage, counts: &counts)
    }

    func process(pool: [Sample], seed: UInt64, stage: String, counts: inout [String: Int]) throws -> PooledResult {
        try process(pool: pool, context: StageContext(name: stage, seed: seed, threads: 2, registry: .standard), counts: &counts)
    }
}
