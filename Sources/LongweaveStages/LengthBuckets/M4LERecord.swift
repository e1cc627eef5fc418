import LongweaveCore
import LongweaveIO
import LongweaveText

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
