import LongweaveIO

/// What a length or an audit is counted in, as every command and pipeline key writes it:
/// `words` (Python's `str.split()`), `chars` (Unicode scalars), `tiktoken:PATH` (a
/// `.tiktoken` rank file, with an encoding when its name does not say it) or `hf:PATH` (a
/// Hugging Face `tokenizer.json`). Parsed here and nowhere else.
public struct TokenizerSpec: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case words
        case chars
        case tiktoken(path: String, encoding: String?)
        case huggingFace(path: String)
    }

    /// A spec that cannot be used: an unknown kind or encoding, or a missing file.
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public let kind: Kind
    /// As written (the file's path as given, not resolved).
    public let written: String

    /// Parses `text`; a relative path is taken from `root` (the repository root of a pipeline
    /// file, or the current directory of a command). Checks that the file exists.
    public init(_ text: String, encoding: String? = nil, root: String? = nil) throws(ParseError) {
        written = text
        let encoding = encoding.flatMap { $0.isEmpty ? nil : $0 }
        if let encoding, !Tokenizer.encodingNames.contains(encoding) {
            throw ParseError(description: "encoding: expected one of \(Tokenizer.encodingNames.joined(separator: ", ")), found '\(encoding)'")
        }
        func file(_ prefix: String) throws(ParseError) -> String {
            let path = String(text.dropFirst(prefix.count))
            let resolved = path.hasPrefix("/") || root == nil ? path : root! + "/" + path
            guard !path.isEmpty, FileSystem.exists(resolved) else {
                throw ParseError(description: "tokenizer file \(resolved) does not exist")
            }
            return resolved
        }
        switch text {
        case "words": kind = .words
        case "chars": kind = .chars
        case _ where text.hasPrefix("tiktoken:"): kind = .tiktoken(path: try file("tiktoken:"), encoding: encoding)
        case _ where text.hasPrefix("hf:"): kind = .huggingFace(path: try file("hf:"))
        default:
            throw ParseError(description: "unknown tokenizer '\(text)', expected words, chars, tiktoken:PATH or hf:PATH")
        }
    }

    public var description: String { written }

    /// The spec with its file's resolved path, which reads the same file from any directory.
    public var resolved: String {
        switch kind {
        case .words: "words"
        case .chars: "chars"
        case .tiktoken(let path, _): "tiktoken:" + path
        case .huggingFace(let path): "hf:" + path
        }
    }

    /// The tiktoken encoding named beside the spec, if any.
    public var encoding: String? {
        if case .tiktoken(_, let encoding) = kind { return encoding }
        return nil
    }

    /// Whether lengths of parts add up to the length of their concatenation (words, chars).
    public var isAdditive: Bool { kind == .words || kind == .chars }

    /// Reads the tokenizer's files.
    public func load() throws -> Tokenizer {
        switch kind {
        case .words: .words
        case .chars: .chars
        case .tiktoken(let path, let encoding): .bpe(try TokenizerFiles.tiktoken(path: path, encoding: encoding))
        case .huggingFace(let path): .bpe(try TokenizerFiles.huggingFace(path: path))
        }
    }
}
