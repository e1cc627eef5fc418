import Dispatch
import Synchronization
import LongweaveCore
import LongweaveIO
import LongweaveMarkup

/// A MediaWiki XML export (`pages-articles*.xml`, plain or `.bz2`/`.gz`/`.zst`, multistream
/// included), read as a stream: one document per article in namespace 0, its wikitext turned
/// into plain text; redirects and other namespaces are skipped and counted.
public enum MediaWikiFormat: IngestFormat {
    public static let descriptor = FormatDescriptor(
        name: "mediawiki",
        summary: "MediaWiki XML export (.xml, .bz2, multistream): one document per namespace-0 article, markup removed",
        product: .documents,
        parameters: [
            ParameterSpec("max_page_bytes", .byteSize, default: .int(64 << 20), doc: "a page with more wikitext is rejected, memory stays bounded"),
        ])

    /// A page as read, before its markup is removed.
    struct RawPage: Sendable {
        var title = ""
        var namespace = ""
        var redirect = false
        var text: [UInt8] = []
        var line = 0
        var record = 0
        var tooLarge = false
    }

    public static func read(_ input: InputSpec, pipeline: PipelineSpec) throws -> IngestResult {
        var result = IngestResult()
        let limit = input.options.int("max_page_bytes")
        // A compressed dump is decompressed on another core while this one parses.
        let file = try InputFile.open(input.resolvedPath)
        let compressed = InputFile.compression(of: input.resolvedPath) != .none
        let reader = try XMLPullReader(source: compressed ? ReadAheadSource(file) : file)
        enum Field { case none, title, namespace, text }
        var field = Field.none
        var page = RawPage()
        var inPage = false
        var record = 0
        // Pages are stripped in batches on other threads while the dump is read.
        let stripper = BackgroundStripper()
        var batch: [RawPage] = []
        var batchBytes = 0
        func flush() {
            if !batch.isEmpty { stripper.submit(batch) }
            batch.removeAll(keepingCapacity: true)
            batchBytes = 0
        }
        do {
            while try reader.next() {
                switch reader.nodeType {
                case .element:
                    if reader.nameIs("page") {
                        page = RawPage(line: reader.line, record: record)
                        inPage = true
                    } else if inPage {
                        if reader.nameIs("title") { field = .title }
                        else if reader.nameIs("ns") { field = .namespace }
                        else if reader.nameIs("redirect") { page.redirect = true }
                        else if reader.nameIs("text") { field = reader.isEmptyElement ? .none : .text }
                    }
                case .text, .cdata, .significantWhitespace:
                    switch field {
                    case .none: break
                    case .title: page.title += valueString(reader)
                    case .namespace: page.namespace += valueString(reader)
                    case .text:
                        if page.text.count <= limit { reader.appendValue(to: &page.text) }
                        if page.text.count > limit { page.tooLarge = true; page.text = [] }
                    }
                case .endElement:
                    if reader.nameIs("page") {
                        inPage = false
                        defer { record += 1 }
                        if page.namespace != "0" {
                            result.skipped["other namespace", default: 0] += 1
                        } else if page.redirect {
                            result.skipped["redirect", default: 0] += 1
                        } else if page.tooLarge {
                            result.rejects.append(Reject(file: input.path, line: page.line, record: page.record,
                                                         reason: "page too large: '\(page.title)' has more than \(limit) bytes of wikitext"))
                        } else {
                            batchBytes += page.text.count
                            batch.append(page)
                            if batchBytes > 256 << 10 { flush() }
                        }
                    }
                    field = .none
                default:
                    break
                }
            }
        } catch let error as XMLSyntaxError {
            // Malformed XML: the pages before it are kept, the problem is a reject.
            flush()
            result.documents = stripper.finish()
            result.rejects.append(Reject(file: input.path, line: reader.line, record: record,
                                         reason: "malformed XML: \(error.message); the rest of the file cannot be read"))
            return result
        }
        flush()
        result.documents = stripper.finish()
        let stripped = result.documents.count
        result.documents.removeAll { $0.text.isEmpty }
        if stripped != result.documents.count { result.skipped["no text after markup removal", default: 0] += stripped - result.documents.count }
        return result
    }

    private static func valueString(_ reader: XMLPullReader) -> String {
        var bytes: [UInt8] = []
        reader.appendValue(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Strips batches of pages on background threads, a bounded number in flight, and gives the
/// documents back in the order the batches were submitted.
final class BackgroundStripper: Sendable {
    private let done = Mutex<[Int: [Document]]>([:])
    private let submitted = Mutex(0)
    private let group = DispatchGroup()
    private let inFlight = DispatchSemaphore(value: 16)

    func submit(_ pages: [MediaWikiFormat.RawPage]) {
        inFlight.wait()
        let index = submitted.withLock { count in
            defer { count += 1 }
            return count
        }
        DispatchQueue.global().async(group: group) { [self] in
            let documents = pages.map { Document(title: $0.title, text: WikitextStripper.plainText($0.text)) }
            done.withLock { $0[index] = documents }
            inFlight.signal()
        }
    }

    /// Waits for every batch; the documents in submission order.
    func finish() -> [Document] {
        group.wait()
        let count = submitted.withLock { $0 }
        return done.withLock { done in (0..<count).flatMap { done[$0] ?? [] } }
    }
}
