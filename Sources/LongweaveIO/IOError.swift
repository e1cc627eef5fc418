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

    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    /// An error from the current `errno`, as `strerror` spells it.
    public static func errno(path: String, _ action: String) -> IOError {
        let code = Glibc.errno
        return IOError(path: path, "\(action): \(String(cString: strerror(code)))")
    }

    public var description: String { "\(path): \(message)" }
}
