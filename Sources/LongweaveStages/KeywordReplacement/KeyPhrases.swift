import Foundation
import LongweaveCore

/// What a key phrase is, so that its replacement can be of the same kind.
enum PhraseKind: String, Sendable {
    /// A year, 1000-2099.
    case year
    /// Digits, with their separators (`1,024`, `3.5`).
    case number
    /// `March 3, 1999`, `3 March 1999`, `March 1999`.
    case date
    /// A run of capitalised words (a person, a place, an organisation, a title).
    case name
    /// A Chinese span (an answer, a 《title》, a quoted name).
    case chinese
}

/// Finds the key phrases of a sample (LV-Eval's KPR targets) and makes fictional
/// counterparts of the same kind.
enum KeyPhrases {
    static let months = ["January", "February", "March", "April", "May", "June", "July", "August",
                         "September", "October", "November", "December"]

    /// Capitalised words that start questions or join names rather than being names.
    static let notNames: Set<String> = [
        "What", "Which", "Who", "Whom", "Whose", "When", "Where", "Why", "How", "Is", "Are", "Was", "Were",
        "Do", "Does", "Did", "Can", "Could", "In", "On", "At", "Of", "For", "From", "By", "With", "And", "Or",
        "The", "A", "An", "This", "That", "These", "Those", "It", "Its", "He", "She", "They", "His", "Her",
        "Their", "As", "To", "Has", "Have", "Had", "Name", "Both", "Either", "Neither", "If", "After", "Before",
    ]

    /// The kind of an English phrase, or nil when it is none of the replaceable kinds.
    static func kind(of phrase: String) -> PhraseKind? {
        let words = phrase.split(separator: " ")
        guard !words.isEmpty, words.count <= 6 else { return nil }
        if words.count == 1, let year = Int(phrase), phrase.utf8.count == 4, (1000...2099).contains(year) { return .year }
        if phrase.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2C || $0 == 0x2E }),
           phrase.utf8.contains(where: { $0 >= 0x30 && $0 <= 0x39 }) { return .number }
        if words.contains(where: { months.contains(String($0).trimmingCharacters(in: CharacterSet(charactersIn: ","))) }),
           words.contains(where: { $0.first?.isNumber == true }) { return .date }
        if words.allSatisfy({ word in word.first.map { $0.isUppercase } ?? false || ["of", "the", "de", "von", "van"].contains(word) }),
           words.first?.first?.isUppercase == true, !words.allSatisfy({ notNames.contains(String($0)) }) { return .name }
        return nil
    }

    /// English candidates in order: each answer that is a phrase of a known kind, then the
    /// question's quoted titles, capitalised runs and numbers.
    static func englishCandidates(answers: [String], question: String, fromAnswers: Bool, fromQuestion: Bool) -> [(String, PhraseKind)] {
        var found: [(String, PhraseKind)] = []
        func add(_ phrase: String) {
            let trimmed = phrase.trimmingCharacters(in: CharacterSet(charactersIn: " ,.;:?!'\"()"))
            guard !trimmed.isEmpty, let kind = kind(of: trimmed), !found.contains(where: { $0.0 == trimmed }) else { return }
            found.append((trimmed, kind))
        }
        if fromAnswers {
            for answer in answers {
                add(answer)
                // A number with a unit: the number is the key phrase, the unit stays.
                if kind(of: answer) == nil, let number = answer.split(separator: " ").first, kind(of: String(number)) == .number {
                    add(String(number))
                }
            }
        }
        guard fromQuestion else { return found }
        // Quoted titles.
        var rest = Substring(question)
        while let open = rest.firstIndex(of: "\""), let close = rest[rest.index(after: open)...].firstIndex(of: "\"") {
            let inner = String(rest[rest.index(after: open)..<close])
            if let first = inner.first, first.isUppercase, inner.split(separator: " ").count <= 6, !found.contains(where: { $0.0 == inner }) {
                found.append((inner, .name))
            }
            rest = rest[rest.index(after: close)...]
        }
        // Capitalised runs (not the question word that starts the sentence) and numbers; a
        // run ends at punctuation, so that every phrase occurs in the question as written.
        var run: [String] = []
        func flush() {
            while let first = run.first, notNames.contains(first) { run.removeFirst() }
            while let last = run.last, ["of", "the"].contains(last) { run.removeLast() }
            let phrase = run.joined(separator: " ")
            if !run.isEmpty && question.contains(phrase) { add(phrase) }
            run = []
        }
        let punctuation = CharacterSet(charactersIn: ",.;:?!'\"()")
        for (i, raw) in question.split(separator: " ").enumerated() {
            var word = String(raw)
            if word.hasSuffix("'s") || word.hasSuffix("’s") { word = String(word.dropLast(2)) + "," }
            if let first = word.unicodeScalars.first, punctuation.contains(first) { flush() }
            let bare = word.trimmingCharacters(in: punctuation)
            let endsRun = word.unicodeScalars.last.map { punctuation.contains($0) } ?? false
            defer { if endsRun { flush() } }
            guard let first = bare.first else { flush(); continue }
            if first.isUppercase && !(i == 0 && notNames.contains(bare)) && bare.count > 1 {
                run.append(bare)
            } else if !run.isEmpty && ["of", "the"].contains(bare) {
                run.append(bare)
            } else {
                flush()
                if first.isNumber && question.contains(bare) { add(bare) }
            }
        }
        flush()
        return found
    }

    /// Chinese candidates: each answer up to 12 characters (its digit runs alone when it
    /// mixes digits and text), then the question's 《titles》 and “quoted” spans.
    static func chineseCandidates(answers: [String], question: String, fromAnswers: Bool, fromQuestion: Bool) -> [(String, PhraseKind)] {
        var found: [(String, PhraseKind)] = []
        func add(_ phrase: String, _ kind: PhraseKind) {
            guard !phrase.isEmpty, !found.contains(where: { $0.0 == phrase }) else { return }
            found.append((phrase, kind))
        }
        if fromAnswers {
            for answer in answers where answer.count <= 12 && !answer.isEmpty {
                let digits = answer.split(whereSeparator: { !$0.isASCII || !$0.isNumber })
                if digits.isEmpty {
                    add(answer, .chinese)
                } else {
                    for run in digits { add(String(run), run.count == 4 && (1000...2099).contains(Int(run) ?? 0) ? .year : .number) }
                }
            }
        }
        if fromQuestion {
            for (open, close) in [("《", "》"), ("“", "”")] {
                var rest = Substring(question)
                while let a = rest.range(of: open), let b = rest[a.upperBound...].range(of: close) {
                    let inner = String(rest[a.upperBound..<b.lowerBound])
                    if inner.count <= 12 { add(inner, .chinese) }
                    rest = rest[b.upperBound...]
                }
            }
        }
        return found
    }

    static let syllables = ["bar", "cal", "dor", "el", "fen", "gal", "hal", "isk", "jor", "kel", "lun", "mar", "nor", "os",
                            "pel", "quin", "ros", "sil", "tam", "ul", "vor", "wen", "yar", "zel", "bri", "cor", "dun", "fal",
                            "grim", "thal", "mor", "ven", "ash", "lir", "nim", "tor"]

    /// Common characters of names and places, for Chinese counterparts.
    static let chineseCharacters = Array("安柏晨丹恩芳舸涵瀚皓珩桦嘉婧珂岚澜黎琳泷茂沐楠沛琪青韶舒滕婉熙萱妍钰昀苑泽桢芷卓梓宸赫璟骞")

    /// A fictional counterpart of `phrase`: same kind and shape, sharing no word (English)
    /// or character (Chinese) with it.
    static func counterpart(of phrase: String, kind: PhraseKind, random: inout SeededRandom) -> String {
        switch kind {
        case .year:
            let year = Int(phrase) ?? 1900
            var other = year
            while other == year { other = max(1000, min(2099, year - 150 + random.below(300))) }
            return String(other)
        case .number:
            // The same digits pattern: separators kept, each digit redrawn, the first nonzero.
            var out = ""
            var first = true
            var changed = false
            for ch in phrase {
                if ch.isNumber {
                    let digit = first ? 1 + random.below(9) : random.below(10)
                    if String(digit) != String(ch) { changed = true }
                    out.append(String(digit))
                    first = false
                } else {
                    out.append(ch)
                }
            }
            if !changed, let last = out.last, let value = last.wholeNumberValue { out.removeLast(); out.append(String((value + 1) % 10)) }
            return out
        case .date:
            return phrase.split(separator: " ").map { word -> String in
                let bare = word.trimmingCharacters(in: CharacterSet(charactersIn: ","))
                let suffix = word.hasSuffix(",") ? "," : ""
                if let month = months.firstIndex(of: bare) { return months[(month + 1 + random.below(11)) % 12] + suffix }
                if let value = Int(bare) {
                    if bare.count == 4 { return counterpart(of: bare, kind: .year, random: &random) + suffix }
                    var day = value
                    while day == value { day = 1 + random.below(28) }
                    return String(day) + suffix
                }
                return String(word)
            }.joined(separator: " ")
        case .name:
            return phrase.split(separator: " ").map { word -> String in
                if ["of", "the", "and", "de", "von", "van"].contains(word) { return String(word) == "of" ? "af" : "del" }
                var name = ""
                for _ in 0..<(2 + random.below(2)) { name += syllables[random.below(syllables.count)] }
                return name.prefix(1).uppercased() + name.dropFirst()
            }.joined(separator: " ")
        case .chinese:
            let own = Set(phrase)
            var out = ""
            for ch in phrase {
                if ch.isASCII {
                    out.append(ch)
                    continue
                }
                var pick = chineseCharacters[random.below(chineseCharacters.count)]
                while own.contains(pick) { pick = chineseCharacters[random.below(chineseCharacters.count)] }
                out.append(pick)
            }
            return out
        }
    }

    /// Whether `replacement` shares a word (English, case-insensitive) or a character
    /// (Chinese) with `original`.
    static func sharesPart(_ original: String, _ replacement: String, chinese: Bool) -> Bool {
        if chinese {
            let own = Set(original.filter { !$0.isASCII })
            return replacement.contains { own.contains($0) }
        }
        let own = Set(original.lowercased().split(separator: " ").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ",")) })
        return replacement.lowercased().split(separator: " ").contains { own.contains($0.trimmingCharacters(in: CharacterSet(charactersIn: ","))) }
    }
}
