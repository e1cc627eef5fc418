/// Whether bytes are well-formed UTF-8 (Unicode's table 3-7: no overlong forms, no
/// surrogates, nothing past U+10FFFF), passing over ASCII eight bytes at a time. Reference
/// text is mostly ASCII with a few accents and dashes, which the standard library's
/// validation walks byte by byte.
public enum UTF8Validation {
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let count = bytes.count
        var i = 0
        while i < count {
            if i + 8 <= count, bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
                continue
            }
            let lead = bytes[i]
            if lead < 0x80 {
                i += 1
                continue
            }
            // The length from the lead byte, and the range its second byte must fall in.
            let length: Int
            var second: ClosedRange<UInt8> = 0x80...0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; second = 0xA0...0xBF
            case 0xED: length = 3; second = 0x80...0x9F
            case 0xE1...0xEF: length = 3
            case 0xF0: length = 4; second = 0x90...0xBF
            case 0xF4: length = 4; second = 0x80...0x8F
            case 0xF1...0xF3: length = 4
            default: return false
            }
            guard i + length <= count, second.contains(bytes[i + 1]) else { return false }
            for j in 2..<length where bytes[i + j] & 0xC0 != 0x80 { return false }
            i += length
        }
        return true
    }
}

/// Checks UTF-8 that arrives in pieces cut at any byte: a character cut in two is checked
/// once its rest arrives.
public struct UTF8StreamValidation: Sendable {
    /// The start of a character whose rest has not arrived yet (at most three bytes).
    private var carry: [UInt8] = []
    private var valid = true

    public init() {}

    /// Whether every piece so far is valid UTF-8 and no character is left unfinished.
    public var isValid: Bool { valid && carry.isEmpty }

    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        guard valid, !bytes.isEmpty else { return }
        var from = 0
        if !carry.isEmpty {
            let needed = Self.length(ofLead: carry[0]) - carry.count
            let taken = min(needed, bytes.count)
            carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[..<taken]))
            if taken < needed { return }
            valid = carry.withUnsafeBytes { UTF8Validation.isValid($0) }
            carry.removeAll()
            from = taken
        }
        // The rest, up to a character that the piece does not finish.
        var end = bytes.count
        var i = bytes.count - 1
        while i >= max(from, bytes.count - 3) {
            if bytes[i] & 0xC0 != 0x80 {
                if i + Self.length(ofLead: bytes[i]) > bytes.count { end = i }
                break
            }
            i -= 1
        }
        valid = valid && UTF8Validation.isValid(UnsafeRawBufferPointer(rebasing: bytes[from..<end]))
        carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[end...]))
    }

    /// The length of the character that `lead` starts; 1 for a byte that starts none, which
    /// `UTF8Validation` then refuses.
    private static func length(ofLead lead: UInt8) -> Int {
        switch lead {
        case 0xC2...0xDF: 2
        case 0xE0...0xEF: 3
        case 0xF0...0xF4: 4
        default: 1
        }
    }
}
