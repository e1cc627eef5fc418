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
    public static func prepare(_ slice: RunSlice, in directory: String) throws -> String {
        let slices = directory + "/" + folderName
        for name in (try? FileSystem.list(slices)) ?? [] where !name.hasSuffix("-of-\(slice.count)") {
            try FileSystem.remove(slices + "/" + name)
        }
        let folder = folder(of: slice, in: directory)
        try FileSystem.remove(folder)
        try FileSystem.createDirectories(folder)
        return folder
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

    /// Removes the slices once merged.
    public static func removeAll(in directory: String) throws {
        try FileSystem.remove(directory + "/" + folderName)
    }
}
