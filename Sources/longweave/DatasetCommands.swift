import ArgumentParser
import Foundation
import LongweaveCore
import LongweaveIO
import LongweavePrompts
import LongweaveStages

extension Longweave {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-hash every shard against the manifest; check every LV-Eval-style record's validity.")

        @Argument(help: "A dataset folder (build/<pipeline name>).")
        var directory: String

        func run() throws {
            let findings: [DatasetReader.Finding]
            do {
                let integrity = try DatasetReader.verify(directory: directory)
                // Records are read only from shards that match the manifest.
                findings = integrity.isEmpty ? try LVEvalValidity.verify(directory: directory) : integrity
            } catch {
                throw Exit.badInput("\(error)")
            }
            if findings.isEmpty {
                print("\(directory): every shard matches the manifest, every record passes the validity checks")
                return
            }
            for finding in findings { Exit.printError("\(directory)/\(finding)") }
            throw ExitCode(1)
        }
    }

    struct Cat: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print records as JSON Lines.")

        @Argument(help: "A shard, a level folder or a dataset folder.")
        var path: String

        @Option(help: "Stop after this many records.")
        var limit: Int?

        func run() throws {
            do {
                try DatasetReader.cat(path, limit: limit, to: FileDescriptor(borrowing: 1, name: "stdout"))
            } catch {
                throw Exit.badInput("\(error)")
            }
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A table of records, lengths and bytes per level.")

        @Argument(help: "A dataset folder (build/<pipeline name>).")
        var directory: String

        @Option(help: "Also write a self-contained HTML page of length and prompt-token distributions per level and model to this file.")
        var plot: String?

        func run() throws {
            if let plot {
                do {
                    let panels = try LengthPlot.panels(directory: directory)
                    let name = (try? Manifest.read(directory + "/manifest.json"))?["pipeline"]?["name"]?.stringValue ?? directory
                    try FileSystem.writeAtomically(Array(LengthPlot.html(title: "\(name): lengths per level", panels: panels).utf8), to: plot)
                } catch {
                    throw Exit.badInput("\(error)")
                }
            }
            let rows: [DatasetReader.LevelRow]
            do {
                rows = try DatasetReader.levelRows(directory: directory)
            } catch {
                throw Exit.badInput("\(error)")
            }
            let models = rows.first?.promptTokens.map(\.model) ?? []
            let header = ["level", "records", "min", "mean", "max", "shards", "bytes", "compressed"] + models.map { "\($0) min/mean/max (over window)" }
            let table = rows.map { r in
                [r.level, "\(r.records)", "\(r.minLength)", String(format: "%.1f", r.meanLength), "\(r.maxLength)",
                 "\(r.shards)", "\(r.uncompressedBytes)", "\(r.compressedBytes)"]
                    + r.promptTokens.map { "\($0.min)/\(Int($0.mean.rounded()))/\($0.max) (\($0.overWindow))" }
            }
            let widths = header.indices.map { i in ([header[i]] + table.map { $0[i] }).map(\.count).max()! }
            for row in [header] + table {
                print(row.enumerated().map { i, cell in
                    let pad = String(repeating: " ", count: widths[i] - cell.count)
                    return i == 0 ? cell + pad : pad + cell
                }.joined(separator: "  "))
            }
        }
    }
}
