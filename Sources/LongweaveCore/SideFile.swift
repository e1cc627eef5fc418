import LongweaveIO

/// A file that a stage writes beside the shards (keyword replacement's `kpr.tsv`): its
/// bytes, the manifest section that pins it, and how the slices of a Slurm run merge it.
public struct SideFile: Sendable {
    /// How the merge of a sliced run builds the file from the slices' copies.
    public enum Merge: String, Sendable {
        /// Every slice writes the same bytes (the file depends on the pool, not on the
        /// records a slice writes): the first slice's copy is taken.
        case sameInEverySlice = "same in every slice"
    }

    /// The file name in the output folder.
    public var file: String
    /// The manifest's section for it: `{file, <fields>, sha256}`.
    public var section: String
    /// What the section says besides the file and its hash (`pairs: 261`), in order.
    public var fields: [(String, JSONValue)]
    public var bytes: [UInt8]
    public var merge: Merge

    public init(file: String, section: String, fields: [(String, JSONValue)], bytes: [UInt8], merge: Merge = .sameInEverySlice) {
        self.file = file
        self.section = section
        self.fields = fields
        self.bytes = bytes
        self.merge = merge
    }
}

/// A stage that writes files beside the shards, from the final pool.
public protocol SideFileStage: Sendable {
    /// The files for the pool that reaches the output; none when there is nothing to say.
    func sideFiles(for pool: [Sample]) -> [SideFile]
}
