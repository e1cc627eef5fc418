import LongweaveIO
#if canImport(Glibc)
import Glibc
#endif

/// One writer per output: an `flock` on a file in the output folder, held while the process
/// runs and released when it ends, however it ends. A whole run or a merge holds it
/// exclusively; the slices of an array share it, each holding its own slice's exclusively.
public final class OutputLock {
    /// The lock file's name in the folder it guards.
    public static let fileName = ".lock"
    private let descriptor: Int32
    private let exclusive: Bool

    /// Takes the lock on `directory` (created if missing) at once, or throws naming the
    /// process that holds it.
    public init(_ directory: String, name: String = OutputLock.fileName, shared: Bool = false) throws {
        // A link in place of the folder would put the lock file wherever it points.
        guard FileSystem.kind(directory) != .link else { throw RunError("\(directory) is a link; longweave never writes through one", isInputProblem: true) }
        try FileSystem.createDirectories(directory)
        let path = directory + "/" + name
        guard FileSystem.kind(path) != .link else { throw RunError("\(path) is a link; longweave never writes through one", isInputProblem: true) }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw IOError.errno(path: path, "cannot open the lock file") }
        guard flock(fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) == 0 else {
            let holder = Self.holder(fd)
            close(fd)
            throw RunError("\(directory) is being written by another longweave run\(holder.map { " (pid \($0))" } ?? ""); wait for it to end, or stop it", isInputProblem: true)
        }
        descriptor = fd
        exclusive = !shared
        if !shared {
            let text = Array("\(getpid())\n".utf8)
            _ = ftruncate(fd, 0)
            _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        }
    }

    deinit {
        // The pid goes with the lock, so that a finished output's lock file is empty: the
        // same bytes whoever wrote it.
        if exclusive { _ = ftruncate(descriptor, 0) }
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// The pid written by the process that holds the lock exclusively.
    private static func holder(_ fd: Int32) -> Int? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharactersInNewlines())
    }
}

extension String {
    fileprivate func trimmingCharactersInNewlines() -> String {
        String(self.filter { $0 != "\n" && $0 != " " })
    }
}
