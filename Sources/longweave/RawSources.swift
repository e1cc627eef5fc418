import Foundation
import LongweaveIO
import Yams

/// The catalog of raw sources (`raw/SOURCES.yaml`) and how to fetch and check them.
public struct RawSources: Sendable {
    public struct Source: Sendable {
        /// Path under `raw/`.
        public var name: String
        /// Path under the local mirror.
        public var mirror: String
        /// Where to download this exact file.
        public var url: String
        /// Where the full original dataset lives.
        public var upstream: String
        public var license: String
        public var sha256: String
    }

    public var sources: [Source]

    /// A fetch that failed, with what to do about it.
    public struct FetchError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func load(_ path: String) throws -> RawSources {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard let node = try Yams.compose(yaml: text), let list = node["sources"]?.sequence else {
            throw FetchError(description: "\(path): expected a mapping with a 'sources' list")
        }
        var sources: [Source] = []
        for item in list {
            func field(_ key: String) throws -> String {
                guard let value = item[key]?.string, !value.isEmpty else {
                    let mark = item.mark.map { "\($0.line):\($0.column)" } ?? "?"
                    throw FetchError(description: "\(path):\(mark): source entry lacks '\(key)'")
                }
                return value
            }
            sources.append(Source(name: try field("name"), mirror: try field("mirror"), url: try field("url"),
                                  upstream: try field("upstream"), license: try field("license"), sha256: try field("sha256")))
        }
        return RawSources(sources: sources)
    }

    /// Makes `rawDirectory/<name>` exist with the catalogued sha256 for every source:
    /// kept when already right, else copied from `mirror` when it has the file, else
    /// downloaded with curl. Returns one line per source saying what happened.
    public func fetch(into rawDirectory: String, mirror: String?, log: (String) -> Void) throws {
        var failures: [String] = []
        for source in sources {
            let target = rawDirectory + "/" + source.name
            if FileSystem.exists(target), (try? Digest.sha256Hex(ofFile: target).hex) == source.sha256 {
                log("ok       \(source.name)")
                continue
            }
            try FileSystem.createDirectories(FileSystem.parentDirectory(of: target))
            let temporary = target + ".tmp"
            var origin: String
            if let mirror, FileSystem.exists(mirror + "/" + source.mirror) {
                origin = mirror + "/" + source.mirror
                try FileSystem.writeAtomically(FileSystem.readAll(origin), to: temporary)
            } else {
                origin = source.url
                let curl = Process()
                curl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                curl.arguments = ["curl", "-fsSL", "--retry", "2", "-o", temporary, source.url]
                try curl.run()
                curl.waitUntilExit()
                if curl.terminationStatus != 0 {
                    try? FileSystem.remove(temporary)
                    failures.append("\(source.name): not in the mirror (\(mirror ?? "none")) and the download of \(source.url) failed (curl exit \(curl.terminationStatus)); set RAW_MIRROR to a folder that holds \(source.mirror), or fetch it by hand into \(target)")
                    continue
                }
            }
            let actual = try Digest.sha256Hex(ofFile: temporary).hex
            guard actual == source.sha256 else {
                try? FileSystem.remove(temporary)
                failures.append("\(source.name): sha256 of \(origin) is \(actual), expected \(source.sha256) as raw/SOURCES.yaml pins it; the copy differs from the one this project was tested with: get the pinned copy (upstream: \(source.upstream)) or, after checking it, update the sha256 in raw/SOURCES.yaml")
                continue
            }
            try FileSystem.rename(temporary, to: target)
            log("fetched  \(source.name) from \(origin)")
        }
        if !failures.isEmpty { throw FetchError(description: failures.joined(separator: "\n")) }
    }
}
