import ArgumentParser
import Foundation
import LongweaveCore

extension Longweave {
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Join the slices of a pipeline run (DIR/slices/) into the output of a single run.")

        @Argument(help: "The pipeline's output folder, e.g. build/lveval/hotpotqa_fill.")
        var directory: String

        func run() throws {
            let folder = directory.hasPrefix("/") ? directory : FileManager.default.currentDirectoryPath + "/" + directory
            let clock = ContinuousClock.now
            let summary = try Exit.reporting { try SliceMerge.merge(directory: folder) }
            let records = summary.streams.map { "\($0.name): \($0.records)" }.joined(separator: ", ")
            print("\(summary.slices) slices merged: \(records); \(summary.rejects) rejected; \(summary.shardsMoved) shards moved, \(summary.shardsRewritten) rewritten in \(ContinuousClock.now - clock) -> \(directory)")
        }
    }
}
