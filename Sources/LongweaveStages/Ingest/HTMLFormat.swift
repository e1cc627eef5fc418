import LongweaveCore
import LongweaveIO
import LongweaveMarkup

/// Saved HTML pages (a file or a folder of `.html`/`.htm` files): one document per page, its
/// main text only, titled by the page's first heading.
public enum HTMLFormat: IngestFormat {
    public static let descriptor = FormatDescriptor(
        name: "html",
        summary: "saved HTML pages (file or folder): one document per page, main text without navigation or references",
        product: .documents,
        parameters: [
            ParameterSpec("max_page_bytes", .byteSize, default: .int(64 << 20), doc: "a larger page is rejected, memory stays bounded"),
        ],
        readsFolders: true)

    public static func read(_ input: InputSpec, pipeline: PipelineSpec) throws -> IngestResult {
        var result = IngestResult()
        let limit = input.options.int("max_page_bytes")
        for (record, file) in try InputFiles.list(input, extensions: ["html", "htm", "xhtml"]).enumerated() {
            let bytes: [UInt8]
            do {
                bytes = try InputFile.readAll(file.path, limit: limit)
            } catch let error as IOError where error.exceedsLimit {
                result.rejects.append(Reject(file: file.shown, line: 0, record: record, reason: "page too large: \(error.message)"))
                continue
            }
            let tree: HTMLTree
            do {
                tree = try HTMLTree(bytes: bytes, path: file.shown)
            } catch is NestedTooDeep {
                result.rejects.append(Reject(file: file.shown, line: 0, record: record, reason: "nested too deep: elements nest deeper than libxml2 reads; the page cannot be read whole"))
                continue
            }
            let page = HTMLMainText(tree)
            if page.text.isEmpty {
                result.skipped["no main text", default: 0] += 1
                continue
            }
            result.documents.append(Document(title: page.title.isEmpty ? InputFiles.stem(file.path) : page.title, text: page.text))
        }
        return result
    }
}
