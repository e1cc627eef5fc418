import LongweaveIO

/// How often each word of a real corpus is written lower-case and how often capitalised,
/// away from the start of a sentence: a word written lower-case more often is a common word
/// ('According', 'Album', 'Avenue' at the head of a question), not a name.
///
/// Built once per stage from a plain-text corpus (WikiText-2 in the LV-Eval pipelines), read
/// line by line; the table holds one entry per distinct word, so its size is the corpus's
/// vocabulary, not its length, and at most `maxWords` entries (later new words are not counted).
struct WordCaseTable: Sendable {
    /// 2^21 words: far more than a language's vocabulary, a bound against a corpus of noise.
    static let maxWords = 1 << 21

    /// Lower-cased word -> (times written lower-case, times capitalised).
    private(set) var counts: [String: (lower: Int32, capital: Int32)] = [:]

    init() {}

    /// Reads the corpus at `path`; lines longer than 16 MiB are skipped.
    init(corpus path: String) throws {
        var table = WordCaseTable()
        try LineReader.forEachLine(in: path, maxLineBytes: 1 << 24, onOverlong: { _ in }) { line, _ in
            table.add(line: String(decoding: line, as: UTF8.self))
        }
        self = table
    }

    /// Counts the words of one line; the first word of a sentence tells nothing and is skipped.
    mutating func add(line: String) {
        var sentenceStart = true
        var word = ""
        func flush() {
            defer { word = "" }
            guard let first = word.unicodeScalars.first, first.properties.isAlphabetic else { return }
            if sentenceStart {
                sentenceStart = false
                return
            }
            let key = word.lowercased()
            guard counts[key] != nil || counts.count < Self.maxWords else { return }
            var entry = counts[key] ?? (0, 0)
            if first.properties.isUppercase { entry.capital += 1 } else if first.properties.isLowercase { entry.lower += 1 }
            counts[key] = entry
        }
        for scalar in line.unicodeScalars {
            if PhraseWords.isWordScalar(scalar) || (scalar == "'" && !word.isEmpty) {
                word.unicodeScalars.append(scalar)
                continue
            }
            flush()
            // Sentence marks and heading marks (WikiText's ' = Title = ') start a sentence.
            if ".!?:=\"“".unicodeScalars.contains(scalar) { sentenceStart = true }
        }
        flush()
    }

    /// Whether `word` is written lower-case more often than capitalised in the corpus.
    func isCommon(_ word: some StringProtocol) -> Bool {
        guard let entry = counts[word.lowercased()] else { return false }
        return entry.lower > entry.capital
    }

    var isEmpty: Bool { counts.isEmpty }
}
