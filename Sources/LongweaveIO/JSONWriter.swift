/// Writes JSON by hand into a reused byte buffer: no intermediate objects, UTF-8 kept
/// as is, only `"`, `\` and control characters escaped.
///
/// Commas are placed automatically: call `key(_:)` before each member of an object and
/// the value methods in order.
public struct JSONWriter: Sendable {
    /// The bytes written so far.
    public var bytes: [UInt8]
    private var needsComma = false

    public init(capacity: Int = 1 << 16) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Empties the buffer, keeping its storage.
    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        needsComma = false
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// The name of the next object member.
    public mutating func key(_ name: String) {
        separate()
        appendEscaped(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func string(_ value: String) {
        separate()
        appendEscaped(value)
        needsComma = true
    }

    /// A string value already held as UTF-8 bytes (they must be valid UTF-8).
    public mutating func string(utf8 value: UnsafeRawBufferPointer) {
        separate()
        appendEscaped(value)
        needsComma = true
    }

    public mutating func int(_ value: Int) {
        separate()
        appendInteger(value)
        needsComma = true
    }

    /// A finite double, in Swift's shortest round-tripping form; non-finite values become `null`.
    public mutating func double(_ value: Double) {
        separate()
        if !value.isFinite {
            appendLiteral("null")
        } else if value == value.rounded(), abs(value) < 1e15 {
            appendInteger(Int(value))
        } else {
            appendLiteral(value.description)
        }
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        separate()
        appendLiteral(value ? "true" : "false")
        needsComma = true
    }

    public mutating func null() {
        separate()
        appendLiteral("null")
        needsComma = true
    }

    /// Pre-encoded JSON (one complete value), copied verbatim.
    public mutating func raw(_ json: [UInt8]) {
        separate()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    /// Starts a string value whose content the caller appends to `bytes`, already escaped
    /// (pieces from `JSONWriter.escaped`), for long strings assembled from pieces;
    /// `endString()` closes it.
    public mutating func beginString() {
        separate()
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func endString() {
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// The escaped content of a string value, without its quotes, for `beginString()`.
    public static func escaped(_ value: String) -> [UInt8] {
        var writer = JSONWriter(capacity: value.utf8.count + 8)
        var value = value
        value.withUTF8 { writer.appendEscapedContent(UnsafeRawBufferPointer($0)) }
        return writer.bytes
    }

    /// A newline, for JSON Lines; the next value starts a new record.
    public mutating func newline() {
        bytes.append(UInt8(ascii: "\n"))
        needsComma = false
    }

    private mutating func appendLiteral(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    private mutating func appendInteger(_ value: Int) {
        if value == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for 24 digits
        var count = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            while magnitude > 0 {
                raw[23 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
        }
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        withUnsafeBytes(of: &digits) { raw in
            bytes.append(contentsOf: raw[(24 - count)...])
        }
    }

    private mutating func appendEscaped(_ value: String) {
        var value = value
        value.withUTF8 { appendEscaped(UnsafeRawBufferPointer($0)) }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func appendEscaped(_ utf8: UnsafeRawBufferPointer) {
        bytes.append(UInt8(ascii: "\""))
        appendEscapedContent(utf8)
        bytes.append(UInt8(ascii: "\""))
    }

    /// The escaped bytes of a string's content, without quotes.
    private mutating func appendEscapedContent(_ utf8: UnsafeRawBufferPointer) {
        guard let base = utf8.baseAddress else { return }
        let count = utf8.count
        var runStart = 0
        var index = 0
        while index < count {
            // Skip eight plain bytes at a time; most text has nothing to escape.
            while index + 8 <= count && !Self.wordNeedsEscape(base.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
                index += 8
            }
            guard index < count else { break }
            let byte = base.load(fromByteOffset: index, as: UInt8.self)
            // Bytes >= 0x20 other than quote and backslash (UTF-8 lead and continuation
            // bytes included) pass through untouched.
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            appendRun(base + runStart, index - runStart)
            bytes.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\"))
            case 0x0A: bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "t"))
            case 0x08: bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(UInt8(ascii: "f"))
            default:
                bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                          Self.hexDigits[Int(byte >> 4)], Self.hexDigits[Int(byte & 0xF)]])
            }
            index += 1
            runStart = index
        }
        appendRun(base + runStart, count - runStart)
    }

    /// Appends `count` bytes with one memcpy.
    @inline(__always)
    private mutating func appendRun(_ start: UnsafeRawPointer, _ count: Int) {
        guard count > 0 else { return }
        bytes.append(contentsOf: UnsafeBufferPointer(start: start.assumingMemoryBound(to: UInt8.self), count: count))
    }

    /// Whether any byte of `word` is a control character, `"` or `\\` (SWAR tests).
    @inline(__always)
    static func wordNeedsEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func hasZeroByte(_ x: UInt64) -> Bool { (x &- ones) & ~x & highs != 0 }
        // A byte below 0x20: (b - 0x20) borrows into the high bit while b's own high bit is clear.
        let below = (word &- ones &* 0x20) & ~word & highs
        return below != 0 || hasZeroByte(word ^ (ones &* 0x22)) || hasZeroByte(word ^ (ones &* 0x5C))
    }
}
