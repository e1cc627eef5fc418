import Foundation
import LongweaveCore
import LongweaveText

/// What a key phrase is, so that its replacement can be of the same kind.
enum PhraseKind: String, Sendable {
    /// A year, 1000-2099.
    case year
    /// Digits, with their separators (`1,024`, `3.5`).
    case number
    /// `March 3, 1999`, `3 March 1999`, `March 1999`: becomes another real date.
    case date
    /// A run of capitalised words holding at least one name (a person, a place, an organisation).
    case name
    /// A quoted title.
    case title
    /// Chinese: a place or organisation, known by the ending that says its kind (省, 公司, 站...).
    case chinesePlace
    /// Chinese: a person's name, a surname and one or two given-name characters.
    case chinesePerson
    /// Chinese: an animal or a plant, known by its ending (鱼, 蛇, 花...).
    case chineseSpecies
    /// Chinese: a transliterated foreign name (`布兰科·茨尔文科夫斯基`).
    case chineseForeign
    /// Chinese: a 《title》 or a “quoted” name.
    case chineseTitle
}

/// Words of English text as KPR sees them: runs of letters, digits and marks of any script
/// (the same rule as `PhraseReplacer`'s whole words), digits joined across `,` and `.`.
enum PhraseWords {
    struct Token {
        var text: Substring
        var isWord: Bool
    }

    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool { PhraseReplacer.isWordScalar(scalar.value) }

    /// Words and the separators between them, in order; a possessive `'s` is a separator.
    static func tokens(_ text: String) -> [Token] {
        var tokens: [Token] = []
        let scalars = text.unicodeScalars
        var index = scalars.startIndex
        var start = index
        var inWord = false
        func close(at end: String.UnicodeScalarView.Index) {
            if start < end { tokens.append(Token(text: Substring(scalars[start..<end]), isWord: inWord)) }
            start = end
        }
        while index < scalars.endIndex {
            let scalar = scalars[index]
            let next = scalars.index(after: index)
            var word = isWordScalar(scalar)
            if !word && inWord && next < scalars.endIndex {
                let previous = scalars[scalars.index(before: index)]
                let following = scalars[next]
                // 1,024 and 3.5 are one number; O'Brien one word (but Derrickson's ends at the mark).
                if (scalar == "," || scalar == ".") && previous.properties.numericType != nil && following.properties.numericType != nil {
                    word = true
                } else if scalar == "'" || scalar == "’" {
                    let after = scalars.index(after: next)
                    let possessive = (following == "s" || following == "S") && (after == scalars.endIndex || !isWordScalar(scalars[after]))
                    word = following.properties.isAlphabetic && !possessive
                }
            }
            if word != inWord {
                close(at: index)
                inWord = word
            }
            index = next
        }
        close(at: scalars.endIndex)
        return tokens
    }
}

/// Finds the key phrases of an English sample (LV-Eval's KPR targets) and makes fictional
/// counterparts of the same kind.
struct EnglishKeyPhrases: Sendable {
    /// Which capitalised words are common words; empty means every capitalised word may be a name.
    let table: WordCaseTable

    static let months: [String] = ["January", "February", "March", "April", "May", "June", "July", "August",
                                   "September", "October", "November", "December"]
    static let weekdays: Set<String> = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    /// Lower-case words that join the words of one name.
    static let connectors: Set<String> = ["of", "the", "de", "von", "van", "der", "den", "du", "da", "di", "del", "la", "le", "y"]
    /// Words that open questions; common words whatever the corpus says.
    static let questionWords: Set<String> = [
        "What", "Which", "Who", "Whom", "Whose", "When", "Where", "Why", "How", "Is", "Are", "Was", "Were",
        "Do", "Does", "Did", "Can", "Could", "In", "On", "At", "Of", "For", "From", "By", "With", "And", "Or",
        "The", "A", "An", "This", "That", "These", "Those", "It", "Its", "He", "She", "They", "His", "Her",
        "Their", "As", "To", "Has", "Have", "Had", "Name", "Both", "Either", "Neither", "If", "After", "Before",
    ]
    /// The word that says what kind of place or organisation a name is; kept by a replacement.
    static let headWords: Set<String> = [
        "University", "College", "School", "Academy", "Institute", "River", "Lake", "Mountain", "Mountains", "Mount",
        "Island", "Islands", "Bay", "County", "City", "State", "Province", "District", "Street", "Avenue", "Road",
        "Park", "Bridge", "Station", "Airport", "Church", "Cathedral", "Hospital", "Museum", "Library", "Company",
        "Corporation", "Records", "Studios", "Pictures", "Entertainment", "Group", "FC", "AFC", "Club", "Team",
        "Party", "Army", "Navy", "Festival", "Award", "Awards", "Prize", "Cup", "League", "Championship", "Hotel",
        "Hall", "Tower", "Castle", "Palace", "Square", "Valley", "Forest", "Sea", "Ocean", "Canal", "Creek", "Falls",
        "Peninsula", "Republic", "Kingdom", "Empire", "Dynasty", "Band", "Orchestra", "Theatre", "Theater",
        "Stadium", "Arena", "Magazine", "Times", "News", "Journal", "Press", "Books", "Publishing", "Television",
        "Network", "Radio", "Airlines", "Railway", "Bank", "Inc", "Ltd", "Co", "Church", "Temple", "Township",
        "Village", "Town", "Region", "Department", "Ministry", "Council", "Society", "Association", "Foundation",
        "Center", "Centre", "Games", "Series", "War", "Battle",
    ]
    static let yesNo: Set<String> = ["yes", "no"]

    static func isCapitalised(_ word: some StringProtocol) -> Bool {
        word.unicodeScalars.first?.properties.isUppercase ?? false
    }

    static func isMonthOrWeekday(_ word: some StringProtocol) -> Bool {
        months.contains(String(word)) || weekdays.contains(String(word))
    }

    /// A capitalised word that is no common word, month, weekday or head word: a name.
    func isNameWord(_ word: some StringProtocol) -> Bool {
        Self.isCapitalised(word) && word.count > 1 && !Self.isMonthOrWeekday(word) && !Self.headWords.contains(String(word))
            && !Self.questionWords.contains(String(word)) && !table.isCommon(word)
            && word.unicodeScalars.contains { $0.properties.isAlphabetic }
    }

    /// Runs of capitalised words (joined by single spaces or hyphens, and by connectors such
    /// as 'of') that hold at least one name word, leading common words left out; months and
    /// weekdays and any other punctuation end a run.
    func nameRuns(in text: String) -> [String] {
        var runs: [String] = []
        var current: [PhraseWords.Token] = []
        func flush() {
            defer { current = [] }
            // Trailing connectors and separators; leading separators and common words.
            while let last = current.last, !last.isWord || Self.connectors.contains(String(last.text)) { current.removeLast() }
            while let first = current.first,
                  !first.isWord || (!isNameWord(first.text) && !Self.headWords.contains(String(first.text))) {
                current.removeFirst()
            }
            guard current.contains(where: { $0.isWord && isNameWord($0.text) }) else { return }
            runs.append(current.map { String($0.text) }.joined())
        }
        for token in PhraseWords.tokens(text) {
            if token.isWord {
                if Self.isCapitalised(token.text) && !Self.isMonthOrWeekday(token.text) {
                    current.append(token)
                } else if !current.isEmpty && Self.connectors.contains(String(token.text)) {
                    current.append(token)
                } else {
                    flush()
                }
            } else if !current.isEmpty && (token.text == " " || token.text == "-") && current.last?.isWord == true {
                current.append(token)
            } else {
                flush()
            }
        }
        flush()
        return runs
    }

    static func isNumber(_ word: some StringProtocol) -> Bool {
        let bytes = Array(word.utf8)
        func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        return bytes.allSatisfy { isDigit($0) || $0 == 0x2C || $0 == 0x2E } && bytes.first.map(isDigit) == true && bytes.last.map(isDigit) == true
    }

    /// The kind of a whole phrase, or nil when it is none of the replaceable kinds.
    func kind(of phrase: String) -> PhraseKind? {
        let words = PhraseWords.tokens(phrase).filter(\.isWord).map(\.text)
        guard !words.isEmpty, words.count <= 6, !Self.yesNo.contains(phrase.lowercased()) else { return nil }
        if words.count == 1, phrase.utf8.count == 4, let year = Int(phrase), (1000...2099).contains(year) { return .year }
        if words.count == 1, Self.isNumber(phrase) { return .number }
        if words.count <= 3, words.contains(where: { Self.months.contains(String($0)) }),
           words.allSatisfy({ Self.months.contains(String($0)) || Int($0) != nil }), words.contains(where: { Int($0) != nil }) {
            return .date
        }
        if nameRuns(in: phrase) == [phrase] { return .name }
        return nil
    }

    /// Candidates in order: each short answer that is a phrase of a known kind (else the
    /// names and numbers inside it), then the question's quoted titles, name runs and numbers.
    /// Answers of more than six words (sentences) and yes/no answers give none.
    func candidates(answers: [String], question: String, fromAnswers: Bool, fromQuestion: Bool) -> [(String, PhraseKind)] {
        var found: [(String, PhraseKind)] = []
        func add(_ phrase: String, _ kind: PhraseKind) {
            guard !phrase.isEmpty, !found.contains(where: { $0.0 == phrase }) else { return }
            found.append((phrase, kind))
        }
        func addParts(of text: String) {
            for run in nameRuns(in: text) { add(run, .name) }
            for token in PhraseWords.tokens(text) where token.isWord && Self.isNumber(token.text) {
                add(String(token.text), kind(of: String(token.text)) ?? .number)
            }
        }
        if fromAnswers {
            for answer in answers {
                let trimmed = answer.trimmingCharacters(in: CharacterSet(charactersIn: " ,.;:?!'\"()"))
                guard PhraseWords.tokens(trimmed).filter(\.isWord).count <= 6, !Self.yesNo.contains(trimmed.lowercased()) else { continue }
                if let kind = kind(of: trimmed) { add(trimmed, kind) } else { addParts(of: trimmed) }
            }
        }
        guard fromQuestion else { return found }
        for (open, close) in [("\"", "\""), ("“", "”")] {
            var rest = Substring(question)
            while let a = rest.range(of: open), let b = rest[a.upperBound...].range(of: close) {
                let inner = String(rest[a.upperBound..<b.lowerBound])
                let words = PhraseWords.tokens(inner).filter(\.isWord)
                // A title of common words only ('Evolution', 'Blue Blood and Red') is left alone.
                if Self.isCapitalised(inner), words.count <= 6, words.contains(where: { isNameWord($0.text) }) { add(inner, .title) }
                rest = rest[b.upperBound...]
            }
        }
        addParts(of: question)
        return found
    }

    static let syllables = ["bar", "cal", "dor", "el", "fen", "gal", "hal", "isk", "jor", "kel", "lun", "mar", "nor", "os",
                            "pel", "quin", "ros", "sil", "tam", "ul", "vor", "wen", "yar", "zel", "bri", "cor", "dun", "fal",
                            "grim", "thal", "mor", "ven", "ash", "lir", "nim", "tor"]

    /// Whether a counterpart keeps `word` of a name or title: connectors, head words, lower-case
    /// words of a title, and short all-capital tags at the end of a name ('FC').
    func keeps(_ word: Substring, isLast: Bool, wordCount: Int) -> Bool {
        if Self.connectors.contains(String(word)) || Self.headWords.contains(String(word)) { return true }
        if !Self.isCapitalised(word) { return true }
        if Self.isMonthOrWeekday(word) || word.count == 1 { return true }
        return isLast && wordCount > 1 && word.count <= 4 && word.allSatisfy { $0.isUppercase }
    }

    /// The words a counterpart replaces (lower-cased): what it must share none of.
    func replacedWords(of phrase: String, kind: PhraseKind) -> Set<String> {
        let words = PhraseWords.tokens(phrase).filter(\.isWord).map(\.text)
        switch kind {
        case .name, .title:
            return Set(words.enumerated().filter { !keeps($0.element, isLast: $0.offset == words.count - 1, wordCount: words.count) }
                .map { $0.element.lowercased() })
        default:
            return Set(words.map { $0.lowercased() })
        }
    }

    /// A fictional counterpart of `phrase`, of the same kind and shape. A name's words are
    /// replaced through `words`, so that a word gets one counterpart in every phrase of a
    /// sample ('Virginia Woolf' inside 'Adeline Virginia Woolf').
    func counterpart(of phrase: String, kind: PhraseKind, words: inout [String: String], random: inout SeededRandom) -> String {
        switch kind {
        case .year:
            return NumberCounterpart.year(phrase, random: &random)
        case .number:
            return NumberCounterpart.make(phrase, random: &random)
        case .date:
            return PhraseWords.tokens(phrase).map { token -> String in
                guard token.isWord else { return String(token.text) }
                if let month = Self.months.firstIndex(of: String(token.text)) { return Self.months[(month + 1 + random.below(11)) % 12] }
                if let value = Int(token.text) {
                    if token.text.count == 4 { return counterpart(of: String(token.text), kind: .year, words: &words, random: &random) }
                    var day = value
                    while day == value { day = 1 + random.below(28) }
                    return String(day)
                }
                return String(token.text)
            }.joined()
        case .name, .title:
            let tokens = PhraseWords.tokens(phrase)
            let wordCount = tokens.filter(\.isWord).count
            var seen = 0
            return tokens.map { token -> String in
                guard token.isWord else { return String(token.text) }
                seen += 1
                if keeps(token.text, isLast: seen == wordCount, wordCount: wordCount) { return String(token.text) }
                if let known = words[String(token.text)] { return known }
                var name = ""
                for _ in 0..<(2 + random.below(2)) { name += Self.syllables[random.below(Self.syllables.count)] }
                let allCaps = token.text.count > 1 && token.text.allSatisfy { !$0.isLetter || $0.isUppercase }
                let made = allCaps ? name.uppercased() : name.prefix(1).uppercased() + name.dropFirst()
                words[String(token.text)] = made
                return made
            }.joined()
        case .chinesePlace, .chinesePerson, .chineseForeign, .chineseTitle, .chineseSpecies:
            return phrase
        }
    }
}

/// Numbers keep their digit pattern: separators kept, each digit redrawn, the first nonzero.
/// A year becomes another year that has happened, within 150 years of it.
enum NumberCounterpart {
    static func year(_ phrase: String, random: inout SeededRandom) -> String {
        let year = Int(phrase) ?? 1900
        var other = year
        while other == year { other = max(1000, min(2024, year - 150 + random.below(300))) }
        return String(other)
    }

    static func make(_ phrase: String, random: inout SeededRandom) -> String {
        var out = ""
        var first = true
        var changed = false
        for ch in phrase {
            if ch.isASCII && ch.isNumber {
                let digit = first ? 1 + random.below(9) : random.below(10)
                if String(digit) != String(ch) { changed = true }
                out.append(String(digit))
                first = false
            } else {
                out.append(ch)
            }
        }
        if !changed, let last = out.last, let value = last.wholeNumberValue {
            out.removeLast()
            out.append(String((value + 1) % 10))
        }
        return out
    }
}
