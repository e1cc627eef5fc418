import LongweaveText

/// Turns MediaWiki markup into plain text: templates, tables, references, files, categories,
/// interwiki links, comments and tags removed; link text kept; headings and paragraphs kept,
/// one per line. Works on bytes, one pass per construct.
public enum WikitextStripper {
    /// Elements whose content is never prose.
    static let droppedElements: [[UInt8]] = [
        "ref", "math", "gallery", "timeline", "imagemap", "score", "chem", "ce", "hiero",
        "syntaxhighlight", "source", "graph", "templatedata", "mapframe", "maplink", "references",
    ].map { Array($0.utf8) }

    /// Link namespaces whose links are dropped with their text.
    static let droppedNamespaces: Set<String> = ["file", "image", "category", "media"]

    public static func plainText(_ wikitext: [UInt8]) -> String {
        var text = removeComments(wikitext)
        text = removeElements(text)
        text = removeTemplatesAndTables(text)
        text = replaceLinks(text)
        text = replaceExternalLinks(text)
        text = removeTags(text)
        text = removeQuoteMarkup(text)
        HTMLEntities.decode(&text)
        return lines(text)
    }

    // MARK: - Passes

    static func removeComments(_ input: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var i = 0
        while i < input.count {
            if input[i] == UInt8(ascii: "<"), matches(input, at: i, "<!--") {
                guard let end = find(input, "-->", from: i + 4) else { break }
                i = end + 3
            } else {
                out.append(input[i])
                i += 1
            }
        }
        return out
    }

    static func removeElements(_ input: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var i = 0
        scan: while i < input.count {
            if input[i] == UInt8(ascii: "<") {
                for name in droppedElements where matchesTagName(input, at: i + 1, name) {
                    guard let close = firstIndex(of: UInt8(ascii: ">"), in: input, from: i) else { break scan }
                    if input[close - 1] == UInt8(ascii: "/") {
                        i = close + 1
                        continue scan
                    }
                    var search = close + 1
                    while let lt = firstIndex(of: UInt8(ascii: "<"), in: input, from: search) {
                        if lt + 1 < input.count, input[lt + 1] == UInt8(ascii: "/"), matchesTagName(input, at: lt + 2, name),
                           let end = firstIndex(of: UInt8(ascii: ">"), in: input, from: lt) {
                            i = end + 1
                            continue scan
                        }
                        search = lt + 1
                    }
                    // Unclosed: drop only the opening tag.
                    i = close + 1
                    continue scan
                }
            }
            out.append(input[i])
            i += 1
        }
        return out
    }

    /// `{{templates}}` (nested) and `{| tables |}` (nested, at line starts) go with their content.
    static func removeTemplatesAndTables(_ input: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var templates = 0
        var tables = 0
        var i = 0
        while i < input.count {
            let b = input[i]
            let next: UInt8 = i + 1 < input.count ? input[i + 1] : 0
            if b == UInt8(ascii: "{") && next == UInt8(ascii: "{") {
                templates += 1
                i += 2
            } else if b == UInt8(ascii: "}") && next == UInt8(ascii: "}") {
                // An unmatched }} (broken markup in the dump) goes too.
                templates = max(0, templates - 1)
                i += 2
            } else if b == UInt8(ascii: "{") && next == UInt8(ascii: "|") && atLineStart(input, i) {
                tables += 1
                i += 2
            } else if b == UInt8(ascii: "|") && next == UInt8(ascii: "}") && tables > 0 && atLineStart(input, i) {
                tables -= 1
                i += 2
            } else {
                if templates == 0 && tables == 0 { out.append(b) }
                i += 1
            }
        }
        return out
    }

    /// `[[target|label]]` becomes the label, `[[target]]` the target; files, categories and
    /// interwiki links go, captions and all.
    static func replaceLinks(_ input: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var i = 0
        while i < input.count {
            guard input[i] == UInt8(ascii: "["), i + 1 < input.count, input[i + 1] == UInt8(ascii: "[") else {
                out.append(input[i])
                i += 1
                continue
            }
            // The matching ]], counting nested [[ ]].
            var depth = 0
            var j = i
            var end: Int?
            while j + 1 < input.count {
                if input[j] == UInt8(ascii: "[") && input[j + 1] == UInt8(ascii: "[") { depth += 1; j += 2; continue }
                if input[j] == UInt8(ascii: "]") && input[j + 1] == UInt8(ascii: "]") {
                    depth -= 1
                    if depth == 0 { end = j; break }
                    j += 2
                    continue
                }
                j += 1
            }
            guard let close = end else {
                // Unbalanced: keep the brackets out, the text in.
                i += 2
                continue
            }
            let inner = Array(input[(i + 2)..<close])
            i = close + 2
            var pipes: [Int] = []
            var nested = 0
            for (k, b) in inner.enumerated() {
                if b == UInt8(ascii: "[") { nested += 1 } else if b == UInt8(ascii: "]") { nested -= 1 }
                else if b == UInt8(ascii: "|") && nested == 0 { pipes.append(k) }
            }
            var target = Array(inner[..<(pipes.first ?? inner.count)])
            let escaped = target.first == UInt8(ascii: ":")
            if escaped { target.removeFirst() }
            if !escaped, let colon = target.firstIndex(of: UInt8(ascii: ":")) {
                let prefix = String(decoding: target[..<colon], as: UTF8.self).trimmingWhitespace().lowercased()
                if droppedNamespaces.contains(prefix) || isInterwikiPrefix(prefix) { continue }
            }
            var label = pipes.last.map { Array(inner[($0 + 1)...]) } ?? target
            if label.allSatisfy({ $0 == 0x20 }) { label = target }
            out.append(contentsOf: replaceLinks(label))
        }
        return out
    }

    /// `[http://example.org label]` becomes the label; a bare bracketed URL goes.
    static func replaceExternalLinks(_ input: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var i = 0
        while i < input.count {
            if input[i] == UInt8(ascii: "["),
               matches(input, at: i + 1, "http://") || matches(input, at: i + 1, "https://") || matches(input, at: i + 1, "//")
                || matches(input, at: i + 1, "ftp://") || matches(input, at: i + 1, "mailto:"),
               let close = firstIndex(of: UInt8(ascii: "]"), in: input, from: i), !input[i..<close].contains(0x0A) {
                if let space = input[i..<close].firstIndex(of: 0x20) { out.append(contentsOf: input[(space + 1)..<close]) }
                i = close + 1
            } else {
                out.append(input[i])
                i += 1
            }
        }
        return out
    }

    /// Any remaining `<tag ...>` or `</tag>`: the tag goes, its content stays.
    static func removeTags(_ input: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var i = 0
        while i < input.count {
            if input[i] == UInt8(ascii: "<"), i + 1 < input.count,
               isLetter(input[i + 1]) || (input[i + 1] == UInt8(ascii: "/") && i + 2 < input.count && isLetter(input[i + 2])),
               let close = firstIndex(of: UInt8(ascii: ">"), in: input, from: i), close - i < 2048 {
                // <br> separates words.
                if matchesTagName(input, at: i + 1, Array("br".utf8)) { out.append(0x20) }
                i = close + 1
            } else {
                out.append(input[i])
                i += 1
            }
        }
        return out
    }

    /// `''italic''`, `'''bold'''` and `'''''both'''''` marks go; a lone apostrophe stays.
    static func removeQuoteMarkup(_ input: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var i = 0
        while i < input.count {
            if input[i] == UInt8(ascii: "'"), i + 1 < input.count, input[i + 1] == UInt8(ascii: "'") {
                while i < input.count && input[i] == UInt8(ascii: "'") { i += 1 }
            } else {
                out.append(input[i])
                i += 1
            }
        }
        return out
    }

    /// One paragraph or heading per line: heading marks, list marks, table residue,
    /// rules and magic words go; whitespace runs collapse; empty lines go.
    static func lines(_ input: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        for rawLine in input.split(separator: 0x0A, omittingEmptySubsequences: true) {
            var line = Substring(decoding: rawLine, as: UTF8.self).trimmingWhitespace()
            if line.hasPrefix("|") || line.hasPrefix("!") || line.hasPrefix("----") { continue }
            if line.hasPrefix("=") && line.hasSuffix("=") {
                while line.first == "=" { line.removeFirst() }
                while line.last == "=" { line.removeLast() }
            }
            while let first = line.first, "*#:;".contains(first) { line.removeFirst() }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\u{A0}" })
                .filter { !($0.hasPrefix("__") && $0.hasSuffix("__") && $0.count > 4) }
            guard !words.isEmpty else { continue }
            if !out.isEmpty { out.append(0x0A) }
            out.append(contentsOf: words.joined(separator: " ").utf8)
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: - Byte helpers

    static func matches(_ input: [UInt8], at i: Int, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard i + count <= input.count else { return false }
        let bytes = literal.utf8Start
        for k in 0..<count where input[i + k] != bytes[k] { return false }
        return true
    }

    /// `name` (case-insensitive) followed by a space, `>`, `/` or a line end.
    static func matchesTagName(_ input: [UInt8], at i: Int, _ name: [UInt8]) -> Bool {
        guard i + name.count < input.count else { return false }
        for k in 0..<name.count where input[i + k] | 0x20 != name[k] { return false }
        let after = input[i + name.count]
        return after == 0x20 || after == UInt8(ascii: ">") || after == UInt8(ascii: "/") || after == 0x0A || after == 0x09
    }

    static func find(_ input: [UInt8], _ literal: StaticString, from start: Int) -> Int? {
        var i = start
        while let hit = firstIndex(of: literal.utf8Start[0], in: input, from: i) {
            if matches(input, at: hit, literal) { return hit }
            i = hit + 1
        }
        return nil
    }

    static func firstIndex(of byte: UInt8, in input: [UInt8], from start: Int) -> Int? {
        guard start < input.count else { return nil }
        return input[start...].firstIndex(of: byte)
    }

    static func atLineStart(_ input: [UInt8], _ i: Int) -> Bool {
        var k = i - 1
        while k >= 0 && (input[k] == 0x20 || input[k] == 0x09) { k -= 1 }
        return k < 0 || input[k] == 0x0A
    }

    static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z") }

    /// Language-edition prefixes such as `de`, `zh-yue`, `simple`.
    static func isInterwikiPrefix(_ prefix: String) -> Bool {
        if prefix == "simple" { return true }
        let parts = prefix.split(separator: "-", omittingEmptySubsequences: false)
        guard let head = parts.first, (2...3).contains(head.count), parts.count <= 2 else { return false }
        return prefix.utf8.allSatisfy { ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || $0 == UInt8(ascii: "-") }
    }
}
