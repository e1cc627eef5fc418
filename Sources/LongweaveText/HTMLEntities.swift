/// Decodes HTML character references: `&amp;`, `&#233;`, `&#x2014;` and the named
/// entities that occur in real text (Latin-1, typography, Greek, common symbols).
/// An unknown name or a malformed reference is kept as written.
public enum HTMLEntities {
    /// Returns `text` with its references decoded; the same string when it has none.
    public static func decode(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "&")) else { return text }
        var utf8 = Array(text.utf8)
        guard decode(&utf8) else { return text }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// Decodes in place; returns whether anything changed.
    @discardableResult
    public static func decode(_ bytes: inout [UInt8]) -> Bool {
        guard bytes.contains(UInt8(ascii: "&")) else { return false }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        var changed = false
        while i < bytes.count {
            // Text up to the next '&' is copied at once.
            let next = bytes[i...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.count
            if next > i {
                out.append(contentsOf: bytes[i..<next])
                i = next
                continue
            }
            let b = bytes[i]
            if b == UInt8(ascii: "&"), let (scalar, length) = reference(in: bytes, at: i) {
                out.append(contentsOf: UTF8.encode(scalar)!)
                i += length
                changed = true
            } else {
                out.append(b)
                i += 1
            }
        }
        if changed { bytes = out }
        return changed
    }

    /// The scalar of the reference starting at `start` (an `&`) and its length with the `;`.
    static func reference(in bytes: [UInt8], at start: Int) -> (Unicode.Scalar, Int)? {
        var i = start + 1
        let limit = min(bytes.count, start + 34)
        if i < limit, bytes[i] == UInt8(ascii: "#") {
            i += 1
            var radix: UInt32 = 10
            if i < limit, bytes[i] | 0x20 == UInt8(ascii: "x") { radix = 16; i += 1 }
            var value: UInt32 = 0
            let digitsStart = i
            while i < limit, let digit = digitValue(bytes[i], radix: radix) {
                value = value &* radix &+ digit
                if value > 0x10FFFF { return nil }
                i += 1
            }
            guard i > digitsStart, i < limit, bytes[i] == UInt8(ascii: ";") else { return nil }
            // HTML maps a NUL or a surrogate to U+FFFD rather than emitting it.
            let scalar = Unicode.Scalar(value).flatMap { $0.value == 0 ? nil : $0 } ?? "\u{FFFD}"
            return (scalar, i + 1 - start)
        }
        let nameStart = i
        while i < limit, isAlphanumeric(bytes[i]) { i += 1 }
        guard i > nameStart, i < limit, bytes[i] == UInt8(ascii: ";") else { return nil }
        let name = String(decoding: bytes[nameStart..<i], as: UTF8.self)
        guard let value = named[name], let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, i + 1 - start)
    }

    private static func digitValue(_ b: UInt8, radix: UInt32) -> UInt32? {
        if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") { return UInt32(b - UInt8(ascii: "0")) }
        let lower = b | 0x20
        if radix == 16 && lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "f") { return UInt32(lower - UInt8(ascii: "a") + 10) }
        return nil
    }

    private static func isAlphanumeric(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || ((b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z"))
    }

    /// Named entities by code point.
    static let named: [String: UInt32] = {
        var table: [String: UInt32] = [
            "quot": 34, "amp": 38, "apos": 39, "lt": 60, "gt": 62,
            "OElig": 338, "oelig": 339, "Scaron": 352, "scaron": 353, "Yuml": 376, "fnof": 402,
            "circ": 710, "tilde": 732, "ensp": 8194, "emsp": 8195, "thinsp": 8201,
            "zwnj": 8204, "zwj": 8205, "lrm": 8206, "rlm": 8207, "ndash": 8211, "mdash": 8212,
            "lsquo": 8216, "rsquo": 8217, "sbquo": 8218, "ldquo": 8220, "rdquo": 8221, "bdquo": 8222,
            "dagger": 8224, "Dagger": 8225, "bull": 8226, "hellip": 8230, "permil": 8240,
            "prime": 8242, "Prime": 8243, "lsaquo": 8249, "rsaquo": 8250, "oline": 8254,
            "frasl": 8260, "euro": 8364, "trade": 8482, "larr": 8592, "uarr": 8593, "rarr": 8594,
            "darr": 8595, "harr": 8596, "rArr": 8658, "hArr": 8660, "forall": 8704, "part": 8706,
            "exist": 8707, "empty": 8709, "nabla": 8711, "isin": 8712, "notin": 8713, "prod": 8719,
            "sum": 8721, "minus": 8722, "lowast": 8727, "radic": 8730, "prop": 8733, "infin": 8734,
            "ang": 8736, "and": 8743, "or": 8744, "cap": 8745, "cup": 8746, "int": 8747,
            "there4": 8756, "sim": 8764, "cong": 8773, "asymp": 8776, "ne": 8800, "equiv": 8801,
            "le": 8804, "ge": 8805, "sub": 8834, "sup": 8835, "sube": 8838, "supe": 8839,
            "oplus": 8853, "otimes": 8855, "perp": 8869, "sdot": 8901, "loz": 9674,
            "spades": 9824, "clubs": 9827, "hearts": 9829, "diams": 9830,
        ]
        // U+00A0 ... U+00FF in order.
        let latin1 = """
            nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr \
            deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest \
            Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml \
            ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig \
            agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml \
            eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml
            """
        for (offset, name) in latin1.split(separator: " ").enumerated() { table[String(name)] = 0xA0 + UInt32(offset) }
        // Greek capitals U+0391 ... U+03A9 (U+03A2 is unassigned) and small letters U+03B1 ... U+03C9.
        let greek = ["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta", "Theta", "Iota", "Kappa", "Lambda", "Mu",
                     "Nu", "Xi", "Omicron", "Pi", "Rho", "", "Sigma", "Tau", "Upsilon", "Phi", "Chi", "Psi", "Omega"]
        for (offset, name) in greek.enumerated() where !name.isEmpty {
            table[name] = 0x391 + UInt32(offset)
            table[name.lowercased()] = 0x3B1 + UInt32(offset)
        }
        table["sigmaf"] = 0x3C2
        table["thetasym"] = 0x3D1
        return table
    }()
}
