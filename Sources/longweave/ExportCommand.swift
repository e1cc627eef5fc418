import ArgumentParser
import Foundation
import LongweaveExport

extension ExportFormat: ExpressibleByArgument {}

extension Longweave {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write outputs in a layout another project's code reads unchanged: lveval, m4le, hf or longbench.",
            discussion: """
                Each BUILD_DIR is one pipeline output (a folder with manifest.json) or a folder holding several \
                (build/lveval). Records stream from the shards; OUT_DIR gets its files and an \
                export-manifest.json with their sha256. Only files an earlier export wrote there are replaced.
                """)

        @Option(name: .customLong("to"), help: "lveval ({dataset}_{level}.jsonl), m4le ({task}.jsonl), hf (a Hugging Face dataset folder) or longbench.")
        var format: ExportFormat

        @Flag(help: "A progress line on stderr when it is a terminal.")
        var progress = false

        @Argument(help: "BUILD_DIR... OUT_DIR: longweave output folders, or folders of them, then the folder to write.")
        var paths: [String]

        func validate() throws {
            guard paths.count >= 2 else { throw ValidationError("expected BUILD_DIR... OUT_DIR") }
        }

        func run() throws {
            let outDirectory = paths.last!
            let summary = try Exit.reporting {
                try Exporter.export(format, from: Array(paths.dropLast()), to: outDirectory, progress: progress,
                                    root: FileManager.default.currentDirectoryPath)
            }
            let records = summary.files.reduce(0) { $0 + $1.records }
            print("\(format.rawValue): \(summary.files.count) files, \(records) records -> \(outDirectory)")
            for (pipeline, reason) in summary.skipped { print("  passed over \(pipeline): \(reason)") }
        }
    }
}
