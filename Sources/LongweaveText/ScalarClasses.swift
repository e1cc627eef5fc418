/// The Unicode classes that BPE pre-tokenizer patterns test, one byte of flags per scalar,
/// built once from the standard library's Unicode tables.
public enum ScalarClasses {
    /// `\p{L}`
    public static let letter: UInt8 = 1
    /// `\p{N}`
    public static let number: UInt8 = 2
    /// `\s`: the White_Space property.
    public static let space: UInt8 = 4
    /// `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]` (o200k's upper-case-ish class)
    public static let upperish: UInt8 = 8
    /// `[\p{Ll}\p{Lm}\p{Lo}\p{M}]` (o200k's lower-case-ish class)
    public static let lowerish: UInt8 = 16

    /// Scalars below this have precomputed flags; the rest (unassigned, private use and
    /// a few rare planes) are looked up when met.
    static let tableLimit = 0x40000

    /// Flags of the scalars below `tableLimit` (surrogates are 0).
    public static let table: [UInt8] = (0..<tableLimit).map { compute(UInt32($0)) }

    /// Flags of any scalar value, `table` being `ScalarClasses.table` held by the caller
    /// (so hot loops skip the global's lazy-initialisation check).
    @inline(__always)
    public static func flags(_ value: UInt32, in table: UnsafeBufferPointer<UInt8>) -> UInt8 {
        Int(value) < table.count ? table[Int(value)] : compute(value)
    }

    static func compute(_ value: UInt32) -> UInt8 {
        guard let scalar = Unicode.Scalar(value) else { return 0 }
        let properties = scalar.properties
        var flags: UInt8 = 0
        switch properties.generalCategory {
        case .uppercaseLetter, .titlecaseLetter: flags = letter | upperish
        case .lowercaseLetter: flags = letter | lowerish
        case .modifierLetter, .otherLetter: flags = letter | upperish | lowerish
        case .nonspacingMark, .spacingMark, .enclosingMark: flags = upperish | lowerish
        case .decimalNumber, .letterNumber, .otherNumber: flags = number
        default: break
        }
        if properties.isWhitespace { flags |= space }
        return flags
    }
}
