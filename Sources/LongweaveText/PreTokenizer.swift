/// The regular expressions that split text before BPE, as hand-written scanners over
/// Unicode scalars (regex engines are far too slow for this on Linux). Each scanner
/// returns the end of the piece that the pattern's leftmost-first match starting at `i`
/// covers, following the pattern's greedy, possessive and backtracking rules.
public enum PreTokenizerPattern: String, Sendable, CaseIterable {
    /// GPT-2 / r50k_base / p50k_base:
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    case gpt2
    /// cl100k_base: `'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+|
    /// ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s`
    case cl100k
    /// o200k_base: letters split at case changes, contractions attached, `[\r\n/]*` after symbols.
    case o200k
    /// Qwen (qwen.tiktoken and the Qwen2 tokenizer.json Split):
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    case qwen

    /// The regex source each case implements, as the reference libraries spell it.
    public var regex: String {
        switch self {
        case .gpt2: #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
        case .cl100k: #"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"#
        case .o200k:
            [#"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"#,
             #"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"#,
             #"\p{N}{1,3}"#, #" ?[^\s\p{L}\p{N}]+[\r\n/]*"#, #"\s*[\r\n]+"#, #"\s+(?!\S)"#, #"\s+"#].joined(separator: "|")
        case .qwen: #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        }
    }

    /// Calls `body(start, end)` with scalar index ranges covering `scalars` in order.
    public func split(_ scalars: UnsafeBufferPointer<UInt32>, _ body: (Int, Int) -> Void) {
        var scanner = Scanner(s: scalars, classes: ScalarClasses.table)
        var i = 0
        while i < scalars.count {
            let end: Int
            switch self {
            case .gpt2: end = scanner.gpt2(i)
            case .cl100k: end = scanner.cl100k(i)
            case .o200k: end = scanner.o200k(i)
            case .qwen: end = scanner.qwen(i)
            }
            precondition(end > i, "pre-tokenizer made no progress")
            body(i, end)
            i = end
        }
    }
}

private struct Scanner {
    let s: UnsafeBufferPointer<UInt32>
    let classes: [UInt8]
    var n: Int { s.count }

    init(s: UnsafeBufferPointer<UInt32>, classes: [UInt8]) {
        self.s = s
        self.classes = classes
    }

    @inline(__always) func flags(_ i: Int) -> UInt8 {
        classes.withUnsafeBufferPointer { ScalarClasses.flags(s[i], in: $0) }
    }
    @inline(__always) func isLetter(_ i: Int) -> Bool { i < n && flags(i) & ScalarClasses.letter != 0 }
    @inline(__always) func isNumber(_ i: Int) -> Bool { i < n && flags(i) & ScalarClasses.number != 0 }
    @inline(__always) func isSpace(_ i: Int) -> Bool { i < n && flags(i) & ScalarClasses.space != 0 }
    @inline(__always) func isUpperish(_ i: Int) -> Bool { i < n && flags(i) & ScalarClasses.upperish != 0 }
    @inline(__always) func isLowerish(_ i: Int) -> Bool { i < n && flags(i) & ScalarClasses.lowerish != 0 }
    /// `[^\s\p{L}\p{N}]`
    @inline(__always) func isOther(_ i: Int) -> Bool {
        i < n && flags(i) & (ScalarClasses.letter | ScalarClasses.number | ScalarClasses.space) == 0
    }
    /// `[^\r\n\p{L}\p{N}]`
    @inline(__always) func isPrefix(_ i: Int) -> Bool {
        i < n && s[i] != 0x0D && s[i] != 0x0A && flags(i) & (ScalarClasses.letter | ScalarClasses.number) == 0
    }
    @inline(__always) func isNewline(_ i: Int) -> Bool { i < n && (s[i] == 0x0A || s[i] == 0x0D) }
    @inline(__always) func isChar(_ i: Int, _ c: UInt32) -> Bool { i < n && s[i] == c }

    func run(from i: Int, while test: (Int) -> Bool) -> Int {
        var j = i
        while test(j) { j += 1 }
        return j
    }

    /// A case-insensitive ASCII letter (with the simple case foldings of `s` and `k`).
    func isFolded(_ i: Int, _ lower: UInt32) -> Bool {
        guard i < n else { return false }
        let c = s[i]
        if c == lower || c == lower - 32 { return true }
        if lower == 0x73 && c == 0x17F { return true }  // ſ folds to s
        if lower == 0x6B && c == 0x212A { return true }  // Kelvin sign folds to k
        return false
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d` at `i`, case-sensitive or not; the end, or nil.
    func contraction(_ i: Int, ignoreCase: Bool) -> Int? {
        guard isChar(i, 0x27) else { return nil }
        func letter(_ j: Int, _ c: Character) -> Bool {
            let lower = UInt32(c.asciiValue!)
            return ignoreCase ? isFolded(j, lower) : isChar(j, lower)
        }
        for single in ["s", "t"] as [Character] where letter(i + 1, single) { return i + 2 }
        for (a, b) in [("r", "e"), ("v", "e")] as [(Character, Character)] where letter(i + 1, a) && letter(i + 2, b) { return i + 3 }
        if letter(i + 1, "m") { return i + 2 }
        if letter(i + 1, "l") && letter(i + 2, "l") { return i + 3 }
        if letter(i + 1, "d") { return i + 2 }
        return nil
    }

    /// cl100k's `'(?i:[sdmt]|ll|ve|re)`: the same set in another order, which cannot change the result.
    func contractionCL(_ i: Int) -> Int? { contraction(i, ignoreCase: true) }

    /// `\s+(?!\S)|\s+` (and r50k's equivalent `\s++$|\s+(?!\S)|\s`) for a whitespace run at `i`.
    func trailingSpace(_ i: Int) -> Int {
        let j = run(from: i, while: isSpace)
        if j == n || j - 1 == i { return j }
        return j - 1
    }

    /// `\s*[\r\n]` / `\s*[\r\n]+`: up to and including the last newline of the whitespace run, or nil.
    func spaceThroughLastNewline(_ i: Int) -> Int? {
        let j = run(from: i, while: isSpace)
        var k = j - 1
        while k >= i {
            if isNewline(k) { return k + 1 }
            k -= 1
        }
        return nil
    }

    /// `\p{N}{1,3}`
    func digitGroup(_ i: Int) -> Int {
        var j = i + 1
        while j < i + 3 && isNumber(j) { j += 1 }
        return j
    }

    /// ` ?[^\s\p{L}\p{N}]+` followed by any run of `trailing` (`[\r\n]*`, `[\r\n/]*`), or nil.
    func symbols(_ i: Int, then trailing: (Int) -> Bool) -> Int? {
        let start = isChar(i, 0x20) && isOther(i + 1) ? i + 1 : i
        guard isOther(start) else { return nil }
        return run(from: run(from: start, while: isOther), while: trailing)
    }

    func gpt2(_ i: Int) -> Int {
        if let end = contraction(i, ignoreCase: false) { return end }
        let start = isChar(i, 0x20) ? i + 1 : i
        if isLetter(start) { return run(from: start, while: isLetter) }
        if isNumber(start) { return run(from: start, while: isNumber) }
        if isOther(start) { return run(from: start, while: isOther) }
        if isSpace(i) { return trailingSpace(i) }
        return i + 1
    }

    func cl100k(_ i: Int) -> Int {
        if let end = contractionCL(i) { return end }
        // [^\r\n\p{L}\p{N}]?+\p{L}++ : the optional prefix is possessive.
        if isLetter(i) { return run(from: i, while: isLetter) }
        if isPrefix(i) && isLetter(i + 1) { return run(from: i + 1, while: isLetter) }
        if isNumber(i) { return digitGroup(i) }
        if let end = symbols(i, then: isNewline) { return end }
        if isSpace(i) {
            let j = run(from: i, while: isSpace)
            if j == n { return j }  // \s++$
            if let end = spaceThroughLastNewline(i) { return end }
            return trailingSpace(i)
        }
        return i + 1
    }

    func qwen(_ i: Int) -> Int {
        if let end = contraction(i, ignoreCase: true) { return end }
        if isLetter(i) { return run(from: i, while: isLetter) }
        if isPrefix(i) && isLetter(i + 1) { return run(from: i + 1, while: isLetter) }
        if isNumber(i) { return i + 1 }
        if let end = symbols(i, then: isNewline) { return end }
        if isSpace(i) {
            if let end = spaceThroughLastNewline(i) { return end }
            return trailingSpace(i)
        }
        return i + 1
    }

    /// o200k's letter alternatives from `start` (after an optional prefix): the end, or nil.
    /// First `U*W+`, then `U+W*`, each followed by an optional contraction.
    func o200kLetters(_ start: Int) -> Int? {
        // U*W+ : the longest U* after which a W follows; W+ then runs greedily.
        let upperEnd = run(from: start, while: isUpperish)
        var end: Int?
        var k = upperEnd
        while k >= start {
            if isLowerish(k) {
                end = run(from: k, while: isLowerish)
                break
            }
            k -= 1
        }
        if let e = end { return contraction(e, ignoreCase: true) ?? e }
        return nil
    }

    func o200kUpperFirst(_ start: Int) -> Int? {
        let upperEnd = run(from: start, while: isUpperish)
        guard upperEnd > start else { return nil }
        let e = run(from: upperEnd, while: isLowerish)
        return contraction(e, ignoreCase: true) ?? e
    }

    func o200k(_ i: Int) -> Int {
        // Alternative 1, with the optional prefix taken first, then without it.
        if isPrefix(i), let end = o200kLetters(i + 1) { return end }
        if let end = o200kLetters(i) { return end }
        // Alternative 2.
        if isPrefix(i), let end = o200kUpperFirst(i + 1) { return end }
        if let end = o200kUpperFirst(i) { return end }
        if isNumber(i) { return digitGroup(i) }
        if let end = symbols(i, then: { isNewline($0) || isChar($0, 0x2F) }) { return end }
        if isSpace(i) {
            if let end = spaceThroughLastNewline(i) { return end }
            return trailingSpace(i)
        }
        return i + 1
    }
}
