import LongweaveIO

/// The one slicing model of longweave, shared by pipeline runs and audits: slice `i` of `n`
/// (a Slurm array task) writes its part into `<out>/slices/<i>-of-<n>/` and, last, a `done`
/// marker; the merge takes a complete set of one count and builds what one machine writes.
public enum SliceFolders {
    /// The folder that holds the slices, under the output folder.
    public static let folderName = "slices"
    /// Written last in a slice's folder: a slice without it is not complete.
    public static let doneMarker = "done"

    public static func folder(of slice: RunSlice, in directory: String) -> String {
        directory + "/" + folderName + "/" + slice.name
    }

    /// Makes the slice's folder empty, and removes slices of another count (an earlier run's,
    /// which would stop the merge). The other slices of this count may be running: they stay.
    /// `ownFiles` names the files a slice writes; anything else under `slices/` is an error,
    /// and nothing is deleted.
    public static func prepare(_ slice: RunSlice, in directory: String, ownFiles: Set<String>) throws -> String {
        let slices = directory + "/" + folderName
        let doomed = try owned(in: directory, ownFiles: ownFiles).filter { !$0.hasSuffix("-of-\(slice.count)") || $0 == slice.name }
        for name in doomed { try FileSystem.remove(slices + "/" + name) }
        let folder = folder(of: slice, in: directory)
        try FileSystem.createDirectories(folder)
        return folder
    }

    /// The slice folders under `directory/slices/`, once checked to hold only what slices
    /// write (lock files `.I-of-N.lock` are left out: another slice may hold one).
    static func owned(in directory: String, ownFiles: Set<String>) throws -> [String] {
        let slices = directory + "/" + folderName
        switch FileSystem.kind(slices) {
        case .missing: return []
        case .directory: break
        default: throw OutputFolder.foreign(slices, "is not a folder that longweave wrote")
        }
        var names: [String] = []
        for name in try FileSystem.list(slices) {
            let path = slices + "/" + name
            if name.hasPrefix(".") && name.hasSuffix(OutputLock.fileName) && FileSystem.kind(path) == .file { continue }
            let parts = name.split(separator: "-")
            guard parts.count == 3, parts[1] == "of", Int(parts[0]) != nil, Int(parts[2]) != nil, FileSystem.kind(path) == .directory else {
                throw OutputFolder.foreign(path, "was not written by longweave")
            }
            try OutputFolder.checkTree(path, ownFiles: ownFiles)
            names.append(name)
        }
        return names
    }

    /// Holds slice `slice`'s own lock, and the output folder's shared with the other slices.
    public static func lock(_ slice: RunSlice, in directory: String) throws -> [OutputLock] {
        let shared = try OutputLock(directory, shared: true)
        return [shared, try OutputLock(directory + "/" + folderName, name: "." + slice.name + OutputLock.fileName)]
    }

    /// Marks the slice complete; call it after everything else of the slice is written.
    public static func markDone(_ slice: RunSlice, in directory: String) throws {
        try FileSystem.writeAtomically(Array("done\n".utf8), to: folder(of: slice, in: directory) + "/" + doneMarker)
    }

    /// The folders of every slice, in index order, when all of them are complete; `what`
    /// names the job in errors (`longweave run --shard-count N`).
    public static func complete(in directory: String, what: String) throws -> [String] {
        let slices = directory + "/" + folderName
        guard FileSystem.isDirectory(slices) else {
            throw RunError("\(directory): no \(folderName)/ folder; expected the output of `\(what)`", isInputProblem: true)
        }
        let counts = Set(try FileSystem.list(slices).compactMap { name in name.split(separator: "-").last.flatMap { Int($0) } })
        guard let count = counts.first else { throw RunError("\(slices): no slice folders (expected I-of-N)", isInputProblem: true) }
        if counts.count > 1 {
            throw RunError("\(slices): slices of different counts (\(counts.sorted().map(String.init).joined(separator: ", "))); remove those of the old run", isInputProblem: true)
        }
        let folders = (0..<count).map { slices + "/\($0)-of-\(count)" }
        let incomplete = folders.indices.filter { !FileSystem.exists(folders[$0] + "/" + doneMarker) }
        guard incomplete.isEmpty else {
            throw RunError("\(directory): slices \(incomplete.map(String.init).joined(separator: ", ")) of \(count) are not complete (no \(doneMarker) marker); rerun those tasks, then merge", isInputProblem: true)
        }
        return folders
    }

    /// Removes the slices once merged (after checking that they hold only what slices write).
    public static func removeAll(in directory: String, ownFiles: Set<String>) throws {
        _ = try owned(in: directory, ownFiles: ownFiles)
        try FileSystem.remove(directory + "/" + folderName)
    }
}
