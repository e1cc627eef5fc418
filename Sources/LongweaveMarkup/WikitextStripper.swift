import LongweaveText
#if canImport(Glibc)
import Glibc
#endif

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

    /// One pass: copies `input` through, and at each `special` byte asks `construct` whether
    /// a construct starts there. `construct` appends what replaces it and returns the index
    /// after it (`input.count` drops the rest), or returns nil to keep the byte.
    @inline(__always)
    static func rewrite(_ input: [UInt8], at special: UInt8, _ construct: (Int, inout [UInt8]) -> Int?) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var i = 0
        while i < input.count {
            i = copyRun(input, from: i, upTo: special, into: &out)
            if i == input.count { break }
            if let next = construct(i, &out) {
                i = next
            } else {
                out.append(input[i])
                i += 1
            }
        }
        return out
    }

    static func removeComments(_ input: [UInt8]) -> [UInt8] {
        rewrite(input, at: UInt8(ascii: "<")) { i, _ in
            guard matches(input, at: i, "<!--") else { return nil }
            // An unterminated comment runs to the end.
            return find(input, "-->", from: i + 4).map { $0 + 3 } ?? input.count
        }
    }

    static func removeElements(_ input: [UInt8]) -> [UInt8] {
        rewrite(input, at: UInt8(ascii: "<")) { i, _ in
            for name in droppedElements where matchesTagName(input, at: i + 1, name) {
                // An opening tag that never closes ends the text.
                guard let close = firstIndex(of: UInt8(ascii: ">"), in: input, from: i) else { return input.count }
                if input[close - 1] == UInt8(ascii: "/") { return close + 1 }
                var search = close + 1
                while let lt = firstIndex(of: UInt8(ascii: "<"), in: input, from: search) {
                    if lt + 1 < input.count, input[lt + 1] == UInt8(ascii: "/"), matchesTagName(input, at: lt + 2, name),
                       let end = firstIndex(of: UInt8(ascii: ">"), in: input, from: lt) {
                        return end + 1
                    }
                    search = lt + 1
                }
                // Unclosed: drop only the opening tag.
                return close + 1
            }
            return nil
        }
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
    /// Nesting is followed this deep (real pages nest a link or two inside a caption); deeper
    /// brackets go with the text kept, so that `[[` x 30,000 costs linear time and memory.
    static let linkDepthLimit = 8

    static func replaceLinks(_ input: [UInt8], depth: Int = 0) -> [UInt8] {
        let closing = matchingLinkEnds(input)
        return rewrite(input, at: UInt8(ascii: "[")) { i, out in
            guard i + 1 < input.count, input[i + 1] == UInt8(ascii: "[") else { return nil }
            // Unbalanced: keep the brackets out, the text in.
            guard let close = closing[i] else { return i + 2 }
            let inner = Array(input[(i + 2)..<close])
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
                if droppedNamespaces.contains(prefix) || isInterwikiPrefix(prefix) { return close + 2 }
            }
            var label = pipes.last.map { Array(inner[($0 + 1)...]) } ?? target
            if label.allSatisfy({ $0 == 0x20 }) { label = target }
            if depth < linkDepthLimit {
                out.append(contentsOf: replaceLinks(label, depth: depth + 1))
            } else {
                out.append(contentsOf: label.filter { $0 != UInt8(ascii: "[") && $0 != UInt8(ascii: "]") })
            }
            return close + 2
        }
    }

    /// For each `[[` (by position) the position of its matching `]]`, in one pass with a
    /// stack: the `[[` and `]]` tokens read left to right, as a scan from each `[[` counting
    /// nested pairs would pair them.
    static func matchingLinkEnds(_ input: [UInt8]) -> [Int: Int] {
        var open: [Int] = []
        var closing: [Int: Int] = [:]
        var j = 0
        while j + 1 < input.count {
            if input[j] == UInt8(ascii: "[") && input[j + 1] == UInt8(ascii: "[") {
                open.append(j)
                j += 2
            } else if input[j] == UInt8(ascii: "]") && input[j + 1] == UInt8(ascii: "]") {
                if let start = open.popLast() { closing[start] = j }
                j += 2
            } else {
                j += 1
            }
        }
        return closing
    }

    /// `[http://example.org label]` becomes the label; a bare bracketed URL goes.
    static func replaceExternalLinks(_ input: [UInt8]) -> [UInt8] {
        rewrite(input, at: UInt8(ascii: "[")) { i, out in
            guard matches(input, at: i + 1, "http://") || matches(input, at: i + 1, "https://") || matches(input, at: i + 1, "//")
                    || matches(input, at: i + 1, "ftp://") || matches(input, at: i + 1, "mailto:"),
                  let close = firstIndex(of: UInt8(ascii: "]"), in: input, from: i), !input[i..<close].contains(0x0A) else { return nil }
            if let space = input[i..<close].firstIndex(of: 0x20) { out.append(contentsOf: input[(space + 1)..<close]) }
            return close + 1
        }
    }

    /// Any remaining `<tag ...>` or `</tag>`: the tag goes, its content stays.
    static func removeTags(_ input: [UInt8]) -> [UInt8] {
        rewrite(input, at: UInt8(ascii: "<")) { i, out in
            guard i + 1 < input.count,
                  isLetter(input[i + 1]) || (input[i + 1] == UInt8(ascii: "/") && i + 2 < input.count && isLetter(input[i + 2])),
                  let close = firstIndex(of: UInt8(ascii: ">"), in: input, from: i), close - i < 2048 else { return nil }
            // <br> separates words.
            if matchesTagName(input, at: i + 1, Array("br".utf8)) { out.append(0x20) }
            return close + 1
        }
    }

    /// `''italic''`, `'''bold'''` and `'''''both'''''` marks go; a lone apostrophe stays.
    static func removeQuoteMarkup(_ input: [UInt8]) -> [UInt8] {
        rewrite(input, at: UInt8(ascii: "'")) { i, _ in
            guard i + 1 < input.count, input[i + 1] == UInt8(ascii: "'") else { return nil }
            var end = i
            while end < input.count && input[end] == UInt8(ascii: "'") { end += 1 }
            return end
        }
    }

    /// One paragraph or heading per line: heading marks, list marks, table residue,
    /// rules and magic words go; whitespace runs collapse; empty lines go.
    static func lines(_ input: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        input.withUnsafeBufferPointer { bytes in
            var lineStart = 0
            while lineStart < bytes.count {
                var lineEnd = lineStart
                while lineEnd < bytes.count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
                appendLine(bytes, from: lineStart, to: lineEnd, into: &out)
                lineStart = lineEnd + 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the text of `bytes[start..<end]` (one wikitext line) as one output line, if any.
    private static func appendLine(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, into out: inout [UInt8]) {
        var start = start, end = end
        while start < end, let width = whitespaceWidth(bytes, at: start, limit: end) { start += width }
        while start < end, let width = whitespaceWidth(endingAt: end, in: bytes, from: start) { end -= width }
        guard start < end else { return }
        let first = bytes[start]
        if first == UInt8(ascii: "|") || first == UInt8(ascii: "!") { return }
        if end - start >= 4 && bytes[start + 1] == UInt8(ascii: "-") && first == UInt8(ascii: "-")
            && bytes[start + 2] == UInt8(ascii: "-") && bytes[start + 3] == UInt8(ascii: "-") { return }
        if first == UInt8(ascii: "=") && bytes[end - 1] == UInt8(ascii: "=") {
            while start < end && bytes[start] == UInt8(ascii: "=") { start += 1 }
            while start < end && bytes[end - 1] == UInt8(ascii: "=") { end -= 1 }
        }
        while start < end, [UInt8(ascii: "*"), UInt8(ascii: "#"), UInt8(ascii: ":"), UInt8(ascii: ";")].contains(bytes[start]) { start += 1 }
        // Words split at spaces, tabs and no-break spaces; magic words (__TOC__) dropped.
        let lineBegin = out.count
        var i = start
        while i < end {
            if let width = wordSeparatorWidth(bytes, at: i, limit: end) {
                i += width
                continue
            }
            var wordEnd = i
            while wordEnd < end && wordSeparatorWidth(bytes, at: wordEnd, limit: end) == nil { wordEnd += 1 }
            let length = wordEnd - i
            let magic = length > 4 && bytes[i] == 0x5F && bytes[i + 1] == 0x5F && bytes[wordEnd - 1] == 0x5F && bytes[wordEnd - 2] == 0x5F
            if !magic {
                if out.count > lineBegin { out.append(0x20) } else if !out.isEmpty { out.append(0x0A) }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<wordEnd]))
            }
            i = wordEnd
        }
    }

    /// Space, tab or U+00A0 at `i`: its width in bytes.
    private static func wordSeparatorWidth(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int, limit: Int) -> Int? {
        let b = bytes[i]
        if b == 0x20 || b == 0x09 { return 1 }
        if b == 0xC2 && i + 1 < limit && bytes[i + 1] == 0xA0 { return 2 }
        return nil
    }

    /// A whitespace character (as `Character.isWhitespace` has it) starting at `i`: its width.
    private static func whitespaceWidth(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int, limit: Int) -> Int? {
        let b = bytes[i]
        if b == 0x20 || (b >= 0x09 && b <= 0x0D) { return 1 }
        guard b >= 0xC2, let scalar = scalar(bytes, at: i, limit: limit) else { return nil }
        return scalar.value.properties.isWhitespace ? scalar.width : nil
    }

    /// The same, for the character that ends just before `end`.
    private static func whitespaceWidth(endingAt end: Int, in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        let b = bytes[end - 1]
        if b == 0x20 || (b >= 0x09 && b <= 0x0D) { return 1 }
        guard b >= 0x80 else { return nil }
        var lead = end - 1
        while lead > start && bytes[lead] & 0xC0 == 0x80 && end - lead < 4 { lead -= 1 }
        guard let scalar = scalar(bytes, at: lead, limit: end), lead + scalar.width == end else { return nil }
        return scalar.value.properties.isWhitespace ? scalar.width : nil
    }

    /// Decodes the UTF-8 scalar at `i`, or nil when the bytes are not one.
    private static func scalar(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int, limit: Int) -> (value: Unicode.Scalar, width: Int)? {
        let b = bytes[i]
        let width = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
        guard i + width <= limit else { return nil }
        var decoder = UTF8()
        var iterator = UnsafeBufferPointer(rebasing: bytes[i..<(i + width)]).makeIterator()
        guard case .scalarValue(let scalar) = decoder.decode(&iterator) else { return nil }
        return (scalar, width)
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
        return input.withUnsafeBufferPointer { bytes in
            memchr(bytes.baseAddress! + start, Int32(byte), bytes.count - start).map { UnsafeRawPointer($0) - UnsafeRawPointer(bytes.baseAddress!) }
        }
    }

    /// Appends the bytes from `start` up to the next `byte` (or the end) to `out` at once;
    /// returns where it stopped. The passes handle only their special byte one at a time.
    static func copyRun(_ input: [UInt8], from start: Int, upTo byte: UInt8, into out: inout [UInt8]) -> Int {
        let end = firstIndex(of: byte, in: input, from: start) ?? input.count
        if end > start { out.append(contentsOf: input[start..<end]) }
        return end
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
