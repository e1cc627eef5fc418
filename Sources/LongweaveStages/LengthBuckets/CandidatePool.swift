import LongweaveCore
import LongweaveText

/// Every distinct document that may serve as a distractor, measured once.
struct CandidatePool: Sendable {
    let tokenizer: Tokenizer
    var texts: [String] = []
    var lengths: [Int] = []
    var titleIDs: [Int32] = []
    /// Title by title id.
    var titles: [String] = []
    /// Where each distinct text was first seen: a sample id or `input:k`.
    var sources: [String] = []
    private var indexByText: [String: Int32] = [:]
    private var titleIDByTitle: [String: Int32] = [:]

    init(tokenizer: Tokenizer) {
        self.tokenizer = tokenizer
    }

    /// Adds a document unless its text is already there; returns its index and title id.
    mutating func add(_ document: Document, source: String = "") -> (index: Int32, title: Int32) {
        let title: Int32
        if let existing = titleIDByTitle[document.title] {
            title = existing
        } else {
            title = Int32(titleIDByTitle.count)
            titleIDByTitle[document.title] = title
            titles.append(document.title)
        }
        if let existing = indexByText[document.text] { return (existing, title) }
        let index = Int32(texts.count)
        indexByText[document.text] = index
        texts.append(document.text)
        sources.append(source)
        lengths.append(tokenizer.count(document.text))
        titleIDs.append(title)
        return (index, title)
    }
}

