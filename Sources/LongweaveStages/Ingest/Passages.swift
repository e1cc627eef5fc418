import LongweaveText

/// Cuts a long document into passages of about `words` words, at sentence ends, keeping the
/// original text: joining the passages with nothing between gives the document back.
enum Passages {
    static func split(_ text: String, words target: Int) -> [String] {
        let bytes = Array(text.utf8)
        var passages: [String] = []
        var start = 0
        var words = 0
        var inWord = false
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let space = b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D
            if !space && !inWord { words += 1 }
            inWord = !space
            // A cut goes after the whitespace that follows a sentence end (. ! ? 。！？ or a line end).
            if words >= target, space, i > 0, Sentences.endWithMark(bytes, before: i) || b == 0x0A {
                var end = i + 1
                while end < bytes.count, bytes[end] == 0x20 || bytes[end] == 0x0A { end += 1 }
                passages.append(String(decoding: bytes[start..<end], as: UTF8.self))
                start = end
                words = 0
                inWord = false
                i = end
                continue
            }
            i += 1
        }
        if start < bytes.count {
            let rest = String(decoding: bytes[start...], as: UTF8.self)
            // A short tail joins the passage before it.
            if words < target / 4, let last = passages.popLast() { passages.append(last + rest) } else { passages.append(rest) }
        }
        return passages
    }

    /// The index of the passage that best contains `span` (share of the span's words found in
    /// it, at least `threshold`); nil when none does.
    static func bestMatch(of span: String, in passages: [[Substring: Int]], threshold: Double = 0.6) -> Int? {
        let spanWords = wordBag(span)
        let total = spanWords.values.reduce(0, +)
        guard total > 0 else { return nil }
        var best: (score: Double, index: Int)?
        for (index, bag) in passages.enumerated() {
            var found = 0
            for (word, count) in spanWords { found += min(count, bag[word] ?? 0) }
            let score = Double(found) / Double(total)
            if score >= threshold, best == nil || score > best!.score { best = (score, index) }
        }
        return best?.index
    }

    /// Lower-cased words without surrounding punctuation, counted; Chinese text by character.
    static func wordBag(_ text: String) -> [Substring: Int] {
        var bag: [Substring: Int] = [:]
        let lowered = text.lowercased()
        for word in lowered.split(whereSeparator: { $0.isWhitespace }) {
            if word.unicodeScalars.contains(where: { $0.value >= 0x3400 && $0.value < 0xA000 }) {
                for character in word where !character.isPunctuation { bag[Substring(String(character)), default: 0] += 1 }
                continue
            }
            let trimmed = word.drop(while: { $0.isPunctuation }).reversed().drop(while: { $0.isPunctuation })
            let clean = Substring(String(trimmed.reversed()))
            if !clean.isEmpty { bag[clean, default: 0] += 1 }
        }
        return bag
    }
}
