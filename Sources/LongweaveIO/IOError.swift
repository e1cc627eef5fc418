#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An I/O failure that names the file and what went wrong.
public struct IOError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file the operation was reading or writing.
    public var path: String
    /// What was expected and what happened instead.
    public var message: String
    /// Whether a size limit was reached (a line, a page, a decompressed file), rather than the
    /// file being unreadable: callers may reject that one input and go on.
    public var exceedsLimit: Bool

    public init(path: String, _ message: String, exceedsLimit: Bool = false) {
        self.path = path
        self.message = message
        self.exceedsLimit = exceedsLimit
    }

    /// An error from the current `errno`, as `strerror` spells it.
    public static func errno(path: String, _ action: String) -> IOError {
        let code = Glibc.errno
        return IOError(path: path, "\(action): \(String(cString: strerror(code)))")
    }

    public var description: String { "\(path): \(message)" }
}
