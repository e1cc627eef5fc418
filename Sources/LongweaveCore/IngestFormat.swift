import LongweaveIO

/// Whether an ingest format gives samples or documents only (distractor material).
public enum IngestProduct: String, Sendable {
    case samples
    case documents
}

/// What an ingest format is called, what it gives and which keys it takes beside `id`, `path`, `format`.
public struct FormatDescriptor: Sendable {
    public var name: String
    public var summary: String
    public var product: IngestProduct
    public var parameters: [ParameterSpec]
    /// Whether `path` may name a folder (its files are read in name order).
    public var readsFolders: Bool

    public init(name: String, summary: String, product: IngestProduct, parameters: [ParameterSpec] = [], readsFolders: Bool = false) {
        self.name = name
        self.summary = summary
        self.product = product
        self.parameters = parameters
        self.readsFolders = readsFolders
    }
}

/// Everything an ingest format read from one input.
public struct IngestResult: Sendable {
    public var samples: [Sample] = []
    public var documents: [Document] = []
    public var rejects = RejectList()
    /// Records skipped on purpose (redirects, other namespaces), by reason.
    public var skipped: [String: Int] = [:]
    /// Records kept but worth counting (unanswerable questions kept on request), by kind.
    public var noted: [String: Int] = [:]

    public init() {}

    /// When nothing was read (the file is empty, only whitespace, or every record was
    /// rejected), the file is not in the declared format: says so with the first record's problem.
    public func formatMismatch(format: String) -> String? {
        guard samples.isEmpty, documents.isEmpty, skipped.isEmpty, noted.isEmpty else { return nil }
        guard let first = rejects.first else { return "not a \(format) file: it holds no records" }
        let all = rejects.count == 1 ? "its one record" : "all \(rejects.count) records"
        return "not a \(format) file: \(all) rejected, the first (record \(first.record + 1), line \(first.line)): \(first.reason)"
    }
}

/// An ingest format: reads one input file.
public protocol IngestFormat {
    static var descriptor: FormatDescriptor { get }
    static func read(_ input: InputSpec, pipeline: PipelineSpec) throws -> IngestResult
}
