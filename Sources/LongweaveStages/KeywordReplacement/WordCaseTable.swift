#if canImport(Glibc)
import Glibc
#endif
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

    /// Reads the corpus at `path`, a regular file (not a device or a pipe, which could be read
    /// forever); lines longer than 16 MiB are skipped.
    init(corpus path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { throw IOError(path: path, "no such file") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw IOError(path: path, "not a regular file: expected a plain-text corpus") }
        var table = WordCaseTable()
        try LineReader.forEachLine(in: path, maxLineBytes: 1 << 24, onOverlong: { _ in }) { line, _ in
            table.add(line: line.bindMemory(to: UInt8.self))
        }
        self = table
    }

    /// Counts the words of one line of UTF-8; the first word of a sentence tells nothing and is
    /// skipped. A word starts with an ASCII letter (the table is for English names); bytes of
    /// other scripts, digits and apostrophes continue it.
    mutating func add(line: UnsafeBufferPointer<UInt8>) {
        var sentenceStart = true
        var i = 0
        let count = line.count
        func isWordByte(_ b: UInt8) -> Bool { (0x61...0x7A).contains(b | 0x20) || (0x30...0x39).contains(b) || b >= 0x80 || b == 0x27 }
        while i < count {
            let b = line[i]
            guard isWordByte(b), b != 0x27 else {
                // Sentence marks and heading marks (WikiText's ' = Title = ') start a sentence.
                if b == 0x2E || b == 0x21 || b == 0x3F || b == 0x3A || b == 0x3D || b == 0x22 { sentenceStart = true }
                i += 1
                continue
            }
            let start = i
            while i < count, isWordByte(line[i]) { i += 1 }
            let first = line[start]
            let isUpper = (0x41...0x5A).contains(first), isLower = (0x61...0x7A).contains(first)
            if sentenceStart {
                sentenceStart = false
                continue
            }
            guard isUpper || isLower else { continue }
            let key = String(decoding: UnsafeBufferPointer(rebasing: line[start..<i]), as: UTF8.self).lowercased()
            guard counts[key] != nil || counts.count < Self.maxWords else { continue }
            var entry = counts[key] ?? (0, 0)
            if isUpper { entry.capital += 1 } else { entry.lower += 1 }
            counts[key] = entry
        }
    }

    /// Whether `word` is written lower-case more often than capitalised in the corpus.
    func isCommon(_ word: some StringProtocol) -> Bool {
        guard let entry = counts[word.lowercased()] else { return false }
        return entry.lower > entry.capital
    }

    var isEmpty: Bool { counts.isEmpty }
}
