#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the process has used so far.
public enum ResourceUsage {
    /// The largest resident set this process has had, in bytes. On Linux the kernel's own
    /// high-water mark (`VmHWM` in `/proc/self/status`): `ru_maxrss` is carried across
    /// `exec`, so a process started by a large one would report the parent's size.
    public static func peakResidentBytes() -> Int {
        #if os(Linux)
        if let kibibytes = highWaterMarkKiB() { return kibibytes * 1024 }
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        return Int(usage.ru_maxrss) * 1024
        #else
        var usage = rusage()
        guard getrusage(RUSAGE_SELF, &usage) == 0 else { return 0 }
        return Int(usage.ru_maxrss)
        #endif
    }

    #if os(Linux)
    /// `VmHWM:  123456 kB` from `/proc/self/status`, in KiB.
    private static func highWaterMarkKiB() -> Int? {
        let fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 8192)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[..<count], as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
        return Int(line.dropFirst(6).filter { $0.isNumber })
    }
    #endif
}
