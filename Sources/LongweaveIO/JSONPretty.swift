extension JSONValue {
    /// Indented JSON (two spaces), members in stored order, ending with a newline;
    /// for files people read, such as manifests.
    public func prettyPrinted() -> [UInt8] {
        var out = JSONWriter()
        var bytes: [UInt8] = []
        Self.pretty(self, indent: 0, scratch: &out, into: &bytes)
        bytes.append(0x0A)
        return bytes
    }

    private static func pretty(_ value: JSONValue, indent: Int, scratch: inout JSONWriter, into bytes: inout [UInt8]) {
        func newline(_ level: Int) {
            bytes.append(0x0A)
            bytes.append(contentsOf: repeatElement(0x20, count: level * 2))
        }
        switch value {
        case .array(let items) where !items.isEmpty:
            bytes.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                newline(indent + 1)
                pretty(item, indent: indent + 1, scratch: &scratch, into: &bytes)
            }
            newline(indent)
            bytes.append(UInt8(ascii: "]"))
        case .object(let object) where object.count > 0:
            bytes.append(UInt8(ascii: "{"))
            for (i, (key, member)) in object.members.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                newline(indent + 1)
                scratch.reset()
                scratch.string(key)
                bytes.append(contentsOf: scratch.bytes)
                bytes.append(contentsOf: [UInt8(ascii: ":"), 0x20])
                pretty(member, indent: indent + 1, scratch: &scratch, into: &bytes)
            }
            newline(indent)
            bytes.append(UInt8(ascii: "}"))
        default:
            scratch.reset()
            scratch.value(value)
            bytes.append(contentsOf: scratch.bytes)
        }
    }
}
