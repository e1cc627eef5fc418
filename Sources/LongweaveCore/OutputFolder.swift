import LongweaveIO

/// A pipeline's output folder (`<out>/<name>/`) as longweave keeps it: it deletes only what
/// it wrote there, never through a link, and says so instead of deleting anything else.
public enum OutputFolder {
    /// The files longweave writes at the top of an output folder (side files come from the stages).
    static let ownFiles: Set<String> = ["manifest.json", "rejects.jsonl", "stats.jsonl", OutputLock.fileName]
    /// Where a whole run builds its output before swapping it in.
    static let stagingFolder = ".staging"

    /// The entries of `directory` that longweave wrote; throws, naming the first entry it did
    /// not write, when there is any other (then nothing may be deleted). `sideFiles` are the
    /// names of files the stages write beside the shards.
    static func ownedEntries(of directory: String, sideFiles: Set<String>) throws -> [String] {
        switch FileSystem.kind(directory) {
        case .missing: return []
        case .directory: break
        case .link: throw foreign(directory, "is a link; longweave never writes through one")
        default: throw foreign(directory, "is not a folder")
        }
        var owned: [String] = []
        for name in try FileSystem.list(directory) {
            let path = directory + "/" + name
            let kind = FileSystem.kind(path)
            if kind == .file && isOwnFile(name, ownFiles.union(sideFiles)) {
                owned.append(name)
            } else if kind == .directory && name == stagingFolder {
                try checkTree(path, ownFiles: pipelineFiles(sideFiles: sideFiles))
                owned.append(name)
            } else if kind == .directory && name == SliceFolders.folderName {
                _ = try SliceFolders.owned(in: directory, ownFiles: pipelineFiles(sideFiles: sideFiles))
                owned.append(name)
            } else if kind == .directory && isShardFolder(path) {
                owned.append(name)
            } else if kind == .directory && FileSystem.exists(path + "/manifest.json") {
                throw RunError("\(path) holds the output of another pipeline, inside this one's; nothing was deleted. Give one of them another name", isInputProblem: true)
            } else {
                let what = kind == .link ? "a link" : kind == .directory ? "a folder of other files" : "a file"
                throw foreign(path, "(\(what)) was not written by longweave")
            }
        }
        return owned
    }

    /// Every file a pipeline's run or slice writes outside its shard folders.
    static func pipelineFiles(sideFiles: Set<String>) -> Set<String> {
        ownFiles.union(sideFiles).union([RunSlice.recordFile, SliceFolders.doneMarker])
    }

    /// A folder that longweave fills with whole outputs (a staging folder, a slice, its
    /// units): every file one of `ownFiles` (or its temporary name), every folder again such
    /// a tree or a folder of shards.
    static func checkTree(_ directory: String, ownFiles: Set<String>) throws {
        for name in try FileSystem.list(directory) {
            let path = directory + "/" + name
            switch FileSystem.kind(path) {
            case .file where isOwnFile(name, ownFiles):
                continue
            case .directory where isShardFolder(path):
                continue
            case .directory:
                try checkTree(path, ownFiles: ownFiles)
            default:
                throw foreign(path, "was not written by longweave")
            }
        }
    }

    /// One of `files`, or the temporary name it is written under.
    private static func isOwnFile(_ name: String, _ files: Set<String>) -> Bool {
        files.contains(name.hasSuffix(".tmp") ? String(name.dropLast(4)) : name)
    }

    /// A folder holding only shards (`part-NNNNN.jsonl.zst` and their temporary names), or nothing.
    static func isShardFolder(_ path: String) -> Bool {
        guard let names = try? FileSystem.list(path) else { return false }
        return names.allSatisfy { name in
            let shard = name.hasPrefix(".") && name.hasSuffix(".tmp") ? String(name.dropFirst().dropLast(4)) : name
            return shard.hasPrefix("part-") && shard.hasSuffix(".jsonl.zst") && FileSystem.kind(path + "/" + name) == .file
        }
    }

    /// The error for an entry longweave did not write: nothing is deleted.
    static func foreign(_ path: String, _ problem: String) -> RunError {
        RunError("\(path) \(problem); nothing was deleted. Move it out of the output folder, or write elsewhere with --out", isInputProblem: true)
    }

    /// Throws when `directory` lies inside another pipeline's output folder under `base`
    /// (`name: grp/child` beside the output of `name: grp`): a run of the outer one would
    /// find the inner one there.
    static func checkNotNested(_ directory: String, base: String) throws {
        var parent = FileSystem.parentDirectory(of: directory)
        while parent.count > base.count && parent.hasPrefix(base) {
            if FileSystem.exists(parent + "/manifest.json") || FileSystem.exists(parent + "/" + OutputLock.fileName) {
                throw RunError("\(directory) lies inside \(parent), the output of another pipeline; give one of them another name", isInputProblem: true)
            }
            parent = FileSystem.parentDirectory(of: parent)
        }
    }

    /// Removes `entries` of `directory` (links themselves, never what they point at).
    static func remove(_ entries: [String], in directory: String) throws {
        for name in entries where name != OutputLock.fileName { try FileSystem.remove(directory + "/" + name) }
    }

    /// Moves a finished build from `staging` into `directory`: the old manifest first (a
    /// folder caught half way never looks finished), then the old entries, then the new ones
    /// with the manifest last.
    static func swapIn(_ staging: String, into directory: String, replacing old: [String]) throws {
        try FileSystem.remove(directory + "/manifest.json")
        try remove(old.filter { $0 != stagingFolder }, in: directory)
        let names = try FileSystem.list(staging)
        for name in names where name != "manifest.json" { try FileSystem.rename(staging + "/" + name, to: directory + "/" + name) }
        if names.contains("manifest.json") { try FileSystem.rename(staging + "/manifest.json", to: directory + "/manifest.json") }
        try FileSystem.remove(staging)
    }
}
