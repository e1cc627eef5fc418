import ArgumentParser
import Foundation
import LongweaveCore
import LongweaveIO

extension Longweave {
    struct FetchRaw: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fetch-raw", abstract: "Fill raw/ from a local mirror or upstream, checking each sha256.")

        @Option(help: "The catalog.")
        var catalog = "raw/SOURCES.yaml"

        @Option(help: "Folder that receives the files.")
        var raw = "raw"

        @Option(help: "A local mirror with the same layout (tried before downloading).")
        var mirror: String?

        func run() throws {
            do {
                let sources = try RawSources.load(catalog)
                try sources.fetch(into: raw, mirror: mirror) { print($0) }
            } catch {
                throw Exit.badInput("\(error)")
            }
        }
    }
}
