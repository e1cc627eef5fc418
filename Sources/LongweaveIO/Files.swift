#if canImport(Glibc)
import Glibc
#endif

/// A POSIX file descriptor, closed when the value is released.
public final class FileDescriptor {
    public let fd: Int32
    public let path: String

    /// Opens `path` for reading.
    /// Opens a regular file for reading. Anything else (a device such as `/dev/zero`, a FIFO,
    /// a socket, a folder) is an error: it could be endless, or block for ever.
    public init(readingFrom path: String) throws {
        // Non-blocking until it is known to be a regular file: opening a FIFO would wait for a writer.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw IOError.errno(path: path, "cannot open for reading") }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw IOError(path: path, "not a regular file (a device, a FIFO, a socket or a folder); longweave reads files only")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        self.fd = fd
        self.path = path
    }

    /// Creates or truncates `path` for writing.
    public init(writingTo path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw IOError.errno(path: path, "cannot open for writing") }
        self.fd = fd
        self.path = path
    }

    /// An anonymous file for reading and writing in the system's temporary folder, removed
    /// from the folder at once: it goes when the descriptor closes, whatever happens.
    public static func anonymousTemporary() throws -> FileDescriptor {
        let folder = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array((folder + "/longweave-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw IOError.errno(path: folder, "cannot create a temporary file") }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        unlink(path)
        return FileDescriptor(adopting: fd, name: "(temporary file)")
    }

    private init(adopting fd: Int32, name: String) {
        self.fd = fd
        self.path = name
    }

    /// Wraps an already open descriptor such as standard output; it is not closed.
    public init(borrowing fd: Int32, name: String) {
        self.fd = fd
        self.path = name
        self.owned = false
    }

    private var owned = true

    deinit {
        if owned { close(fd) }
    }

    /// Reads up to `buffer.count` bytes; returns 0 at end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw IOError.errno(path: path, "read failed")
        }
    }

    /// Moves the read position to byte `offset` from the start.
    public func seek(to offset: Int) throws {
        guard lseek(fd, off_t(offset), SEEK_SET) >= 0 else { throw IOError.errno(path: path, "cannot seek to byte \(offset)") }
    }

    /// Writes every byte of `bytes`.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw IOError.errno(path: path, "write failed")
            }
            offset += n
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { (raw) throws in try write(raw) }
    }

    /// Flushes the file's data to disk.
    public func sync() throws {
        guard fsync(fd) == 0 else { throw IOError.errno(path: path, "fsync failed") }
    }
}

/// Small file-system helpers on POSIX calls, so that hot paths avoid Foundation.
public enum FileSystem {
    /// The whole file as bytes.
    public static func readAll(_ path: String) throws -> [UInt8] {
        let file = try FileDescriptor(readingFrom: path)
        var st = stat()
        guard fstat(file.fd, &st) == 0 else { throw IOError.errno(path: path, "cannot stat") }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw IOError(path: path, "is a directory, expected a file") }
        var bytes = [UInt8]()
        bytes.reserveCapacity(Int(st.st_size))
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = try chunk.withUnsafeMutableBytes { (raw) throws in try file.read(into: raw) }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return bytes
    }

    /// Writes `bytes` to `path` through a temporary file renamed into place.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let temporary = path + ".tmp"
        do {
            let file = try FileDescriptor(writingTo: temporary)
            try file.write(bytes)
            try file.sync()
        }
        try rename(temporary, to: path)
    }

    public static func rename(_ from: String, to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw IOError.errno(path: from, "cannot rename to \(to)") }
    }

    /// Gives the file at `from` a second name, `to` (same file system).
    public static func link(_ from: String, to: String) throws {
        guard Glibc.link(from, to) == 0 else { throw IOError.errno(path: from, "cannot link to \(to)") }
    }

    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Whether `path` is a regular file (following a link).
    public static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// What a path is, without following a link at its end.
    public enum Kind: Sendable, Equatable {
        case missing, file, directory, link, other
    }

    public static func kind(_ path: String) -> Kind {
        var st = stat()
        guard lstat(path, &st) == 0 else { return .missing }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        case S_IFLNK: return .link
        default: return .other
        }
    }

    /// Whether `relative` names a place inside the folder it is relative to: not empty, not
    /// absolute, no `..` or `.` component, no empty component.
    public static func isInsideRelativePath(_ relative: String) -> Bool {
        guard !relative.isEmpty, !relative.hasPrefix("/") else { return false }
        return relative.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }

    /// `directory + "/" + relative` when `relative` stays inside `directory`: a relative path
    /// without `..`, and no link on the way (a link could lead out of the folder); nil otherwise.
    public static func inside(_ directory: String, _ relative: String) -> String? {
        guard isInsideRelativePath(relative) else { return nil }
        var path = directory
        for component in relative.split(separator: "/") {
            path += "/" + component
            if kind(path) == .link { return nil }
        }
        return path
    }

    public static func size(_ path: String) throws -> Int {
        var st = stat()
        guard stat(path, &st) == 0 else { throw IOError.errno(path: path, "cannot stat") }
        return Int(st.st_size)
    }

    /// `mkdir -p`.
    public static func createDirectories(_ path: String) throws {
        if path.isEmpty || isDirectory(path) { return }
        let parent = parentDirectory(of: path)
        if parent != path { try createDirectories(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw IOError.errno(path: path, "cannot create directory")
        }
    }

    /// Names in a directory, sorted bytewise so that listings are deterministic.
    public static func list(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw IOError.errno(path: path, "cannot list directory") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// Removes a file or a whole directory tree; a missing path is not an error. A link is
    /// removed itself: what it points at is never touched, and a linked folder never entered.
    public static func remove(_ path: String) throws {
        if kind(path) == .directory {
            for name in try list(path) { try remove(path + "/" + name) }
            guard rmdir(path) == 0 else { throw IOError.errno(path: path, "cannot remove directory") }
        } else if unlink(path) != 0 && errno != ENOENT {
            throw IOError.errno(path: path, "cannot remove")
        }
    }

    public static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }
}
