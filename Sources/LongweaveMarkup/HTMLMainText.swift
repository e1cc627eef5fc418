/// The main text of a saved web page: the article content without navigation, sidebars,
/// footers, scripts, styles, reference lists and edit links; one paragraph, heading or list
/// item per line, entities decoded (by the parser).
public struct HTMLMainText: Sendable, Equatable {
    public var title: String
    public var text: String

    /// Elements that never hold main text.
    static let skippedElements: Set<String> = [
        "script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg", "math",
        "button", "select", "textarea", "template", "figure", "object", "embed", "canvas", "map", "head",
    ]

    /// Class, id or role words (any part of one) that mark boilerplate.
    static let boilerplateMarks = [
        "navbox", "sidebar", "infobox", "reflist", "references", "mw-editsection", "catlinks", "noprint",
        "navigation", "mw-jump-link", "printfooter", "hatnote", "metadata", "ambox", "mbox-", "thumb", "gallery",
        "shortdescription", "mw-cite-backlink", "reference", "toc", "breadcrumb", "cookie", "banner", "menu",
        "share", "social", "comment", "advert", "sponsor", "related", "footer", "sistersitebox", "portal",
        "mw-empty-elt", "mwe-math-fallback", "authority-control", "succession", "vertical-navbox",
    ]

    /// Elements that end a line of text.
    static let blockElements: Set<String> = [
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dd", "dt", "blockquote", "pre", "div", "section",
        "article", "main", "tr", "caption", "figcaption", "br", "ul", "ol", "dl", "table", "td", "th", "hr",
    ]

    /// Extracts the main text of `tree`.
    public init(_ tree: HTMLTree) {
        let events = tree.events
        let (start, end) = Self.mainRange(events)
        var lines: [String] = []
        var current = ""
        var skipDepth = 0
        func flush() {
            let line = current.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            if !line.isEmpty { lines.append(line) }
            current = ""
        }
        for event in events[start..<end] {
            switch event {
            case .start(let name, let attributes):
                if skipDepth > 0 || Self.isBoilerplate(name: name, attributes: attributes) {
                    skipDepth += 1
                } else if Self.blockElements.contains(name) {
                    flush()
                }
            case .end(let name):
                if skipDepth > 0 {
                    skipDepth -= 1
                } else if Self.blockElements.contains(name) {
                    flush()
                }
            case .text(let text):
                if skipDepth == 0 { current += text }
            }
        }
        flush()
        // The first <h1> names the page; else its <title>.
        let heading = Self.textOfFirst("h1", in: events)
        self.title = heading.isEmpty ? Self.textOfFirst("title", in: events) : heading
        self.text = lines.joined(separator: "\n")
    }

    /// The whitespace-collapsed text of the first `element`, or "".
    static func textOfFirst(_ element: String, in events: [HTMLTree.Event]) -> String {
        guard let start = events.firstIndex(where: {
            if case .start(let name, _) = $0 { return name == element } else { return false }
        }) else { return "" }
        var text = ""
        for event in events[start...] {
            if case .text(let piece) = event { text += piece }
            if case .end(let name) = event, name == element { break }
        }
        return text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The events of the main-content element (`#mw-content-text`, `main`, `article`,
    /// `role=main`, `#content`), or the whole page when there is none.
    static func mainRange(_ events: [HTMLTree.Event]) -> (Int, Int) {
        var best: (rank: Int, index: Int)?
        for (index, event) in events.enumerated() {
            guard case .start(let name, let attributes) = event else { continue }
            let words = attributes.split(separator: " ")
            let rank: Int? =
                words.contains("mw-content-text") ? 0
                : name == "main" || words.contains("main") ? 1
                : name == "article" ? 2
                : words.contains("content") || words.contains("bodyContent") ? 3
                : nil
            if let rank, best == nil || rank < best!.rank { best = (rank, index) }
        }
        guard let best else { return (0, events.count) }
        var depth = 0
        for index in best.index..<events.count {
            switch events[index] {
            case .start: depth += 1
            case .end:
                depth -= 1
                if depth == 0 { return (best.index, index + 1) }
            case .text: break
            }
        }
        return (best.index, events.count)
    }

    static func isBoilerplate(name: String, attributes: String) -> Bool {
        if skippedElements.contains(name) { return true }
        if attributes.isEmpty { return false }
        let lower = attributes.lowercased()
        for word in lower.split(separator: " ") {
            for mark in boilerplateMarks where word.contains(mark) {
                // "toc" and "menu" only as whole words or word parts (tocnumber), not inside others.
                if mark.count <= 4 && !(word.hasPrefix(mark) || word.hasSuffix(mark)) { continue }
                return true
            }
            if word == "display:none" || word == "hidden" { return true }
        }
        return false
    }
}
