import LongweaveCore
import LongweaveIO
import LongweaveText

/// Plain text files or a folder of them: one document per file, titled by the file name; or,
/// with `split: wikitext`, one document per WikiText article (` = Title = ` lines start one;
/// ` = = Section = = ` lines stay inside as heading lines).
public enum TextFormat: IngestFormat {
    public static let descriptor = FormatDescriptor(
        name: "text",
        summary: "plain text files or folders: one document per file, or per WikiText article with split: wikitext",
        product: .documents,
        parameters: [
            ParameterSpec("split", .choice(["none", "wikitext"]), default: .string("none"),
                          doc: "none: a document per file; wikitext: a document per ' = Title = ' article"),
        ],
        readsFolders: true)

    public static func read(_ input: InputSpec, pipeline: PipelineSpec) throws -> IngestResult {
        var result = IngestResult()
        let wikitext = input.options.string("split") == "wikitext"
        for (record, file) in try InputFiles.list(input).enumerated() {
            let bytes = try InputFile.readAll(file.path)
            guard let text = String(validating: bytes, as: UTF8.self) else {
                result.rejects.append(Reject(file: file.shown, line: 0, record: record, reason: "invalid UTF-8: the file is not UTF-8 text"))
                continue
            }
            if wikitext {
                for document in articles(text) {
                    if document.text.isEmpty {
                        result.skipped["empty article", default: 0] += 1
                    } else {
                        result.documents.append(document)
                    }
                }
            } else if text.allSatisfy(\.isWhitespace) {
                result.skipped["empty file", default: 0] += 1
            } else {
                result.documents.append(Document(title: InputFiles.stem(file.path), text: text))
            }
        }
        return result
    }

    /// WikiText articles: lines trimmed, empty lines dropped, section headings without their `=`.
    static func articles(_ text: String) -> [Document] {
        var documents: [Document] = []
        var title: String?
        var lines: [Substring] = []
        func close() {
            if let title { documents.append(Document(title: title, text: lines.joined(separator: "\n"))) }
            lines.removeAll()
        }
        let all = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }).map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        for (index, line) in all.enumerated() {
            if let heading = headingText(line) {
                // WikiText cut some formulas into "= 1 henry and capacitance C =" lines: after
                // an unfinished line and before one that starts with a number, not a title.
                let previous = index > 0 ? all[index - 1] : ""
                let next = index + 1 < all.count ? all[index + 1] : ""
                let brokenFormula = (previous.last.map { $0.isLetter || $0.isNumber } ?? false) && (next.first?.isNumber ?? false)
                if heading.level == 1 && !brokenFormula {
                    close()
                    title = String(heading.text)
                } else if title != nil {
                    lines.append(brokenFormula ? line : heading.text)
                }
            } else if title != nil {
                lines.append(line)
            }
        }
        close()
        return documents
    }

    /// `= Title =` is level 1, `= = Section = =` level 2, and so on.
    static func headingText(_ line: Substring) -> (level: Int, text: Substring)? {
        guard line.hasPrefix("= "), line.hasSuffix(" =") else { return nil }
        var rest = line
        var level = 0
        while rest.hasPrefix("= ") && rest.hasSuffix(" =") && rest.count > 3 {
            rest = rest.dropFirst(2).dropLast(2)
            level += 1
        }
        let text = rest.trimmingWhitespace()
        return text.isEmpty ? nil : (level, text)
    }
}
