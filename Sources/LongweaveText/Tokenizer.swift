import Foundation
import LongweaveIO

/// A loaded length unit: words, characters or a BPE tokenizer (see `TokenizerSpec`).
public enum Tokenizer: Sendable {
    /// Python's `str.split()`.
    case words
    /// Unicode scalars (Python's `len()` of a str).
    case chars
    case bpe(BPETokenizer)

    /// A spec that cannot be loaded, naming the file and what is wrong.
    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// The tiktoken encodings whose pre-tokenizer and special tokens are built in.
    public static let encodingNames = ["gpt2", "r50k_base", "p50k_base", "cl100k_base", "o200k_base", "qwen"]

    /// Loads the tokenizer of a spec (see `TokenizerSpec`); `encoding` names a tiktoken
    /// encoding when the file name does not.
    public static func load(_ spec: String, encoding: String? = nil) throws -> Tokenizer {
        do {
            return try TokenizerSpec(spec, encoding: encoding).load()
        } catch let error as TokenizerSpec.ParseError {
            throw LoadError(error.description)
        }
    }

    /// The length of `text` in this unit.
    public func count(_ text: String) -> Int {
        switch self {
        case .words: WordCount.count(text)
        case .chars: CharCount.count(text)
        case .bpe(let tokenizer): tokenizer.count(text)
        }
    }

    /// The length of UTF-8 `bytes` in this unit; words and characters are counted on the bytes
    /// themselves, without making a string of a long context.
    public func count(utf8 bytes: UnsafeRawBufferPointer) -> Int {
        switch self {
        case .words: WordCount.count(utf8: bytes)
        case .chars: CharCount.count(utf8: bytes)
        case .bpe(let tokenizer): tokenizer.count(String(decoding: bytes, as: UTF8.self))
        }
    }
}

/// Reads tokenizer files.
public enum TokenizerFiles {
    /// Special tokens of the tiktoken encodings, as tiktoken defines them.
    static func specialTokens(_ encoding: PreTokenizerPattern) -> [(String, UInt32)] {
        switch encoding {
        case .gpt2: return [("<|endoftext|>", 50256)]
        case .cl100k:
            return [("<|endoftext|>", 100257), ("<|fim_prefix|>", 100258), ("<|fim_middle|>", 100259),
                    ("<|fim_suffix|>", 100260), ("<|endofprompt|>", 100276)]
        case .o200k: return [("<|endoftext|>", 199999), ("<|endofprompt|>", 200018)]
        case .qwen:
            return [("<|endoftext|>", 151643), ("<|im_start|>", 151644), ("<|im_end|>", 151645)]
                + (0..<205).map { ("<|extra_\($0)|>", UInt32(151646 + $0)) }
        }
    }

    static func pattern(forEncoding name: String) -> PreTokenizerPattern? {
        switch name {
        case "gpt2", "r50k_base", "p50k_base": .gpt2
        case "cl100k_base": .cl100k
        case "o200k_base": .o200k
        case "qwen": .qwen
        default: nil
        }
    }

    /// A `.tiktoken` (or `.tiktoken.gz`) file of `base64 rank` lines.
    public static func tiktoken(path: String, encoding: String?) throws -> BPETokenizer {
        let fileName = String(path.split(separator: "/").last ?? "")
        let name = encoding ?? Tokenizer.encodingNames.first { fileName.contains($0) }
        guard let name, let pattern = pattern(forEncoding: name) else {
            throw Tokenizer.LoadError("\(path): cannot tell the encoding from the file name; name it (gpt2, r50k_base, cl100k_base, o200k_base, qwen)")
        }
        let bytes = try InputFile.readAll(path)
        var ranks = ByteSequenceTable(expectedCount: 210_000)
        var lineNumber = 0
        // tiktoken's own checks: every rank once, ranks 0..<count, and (for byte-level BPE to
        // encode any text) every single byte a token.
        var seenRanks: [Bool] = []
        var singleBytes = [Bool](repeating: false, count: 256)
        var count = 0
        for rawLine in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.last == 0x0D ? rawLine.dropLast() : rawLine
            if line.isEmpty { continue }
            guard let space = line.firstIndex(of: 0x20),
                  let token = Data(base64Encoded: Data(line[line.startIndex..<space])),
                  let rank = UInt32(String(decoding: line[(space + 1)...], as: UTF8.self))
            else {
                throw Tokenizer.LoadError("\(path):\(lineNumber): expected 'base64 rank'")
            }
            let index = Int(rank)
            if index >= seenRanks.count { seenRanks += [Bool](repeating: false, count: index + 1 - seenRanks.count) }
            if seenRanks[index] { throw Tokenizer.LoadError("\(path):\(lineNumber): rank \(rank) is given twice") }
            seenRanks[index] = true
            let key = Array(token)
            if key.withUnsafeBytes({ ranks.get($0) }) != nil { throw Tokenizer.LoadError("\(path):\(lineNumber): this token already has a rank") }
            if key.count == 1 { singleBytes[Int(key[0])] = true }
            ranks.insert(key, value: rank)
            count += 1
        }
        if count == 0 { throw Tokenizer.LoadError("\(path): no ranks; expected lines of 'base64 rank'") }
        if let gap = seenRanks.firstIndex(of: false) {
            throw Tokenizer.LoadError("\(path): rank \(gap) is missing; expected ranks 0 to \(count - 1), each once")
        }
        if let missing = singleBytes.firstIndex(of: false) {
            throw Tokenizer.LoadError("\(path): byte \(missing) has no rank; every single byte must be a token")
        }
        return BPETokenizer(name: name, pattern: pattern, normalizeNFC: false, model: .ranks(ranks),
                            specialTokens: specialTokens(pattern))
    }

    /// GPT-2's byte-to-character table (`bytes_to_unicode`): printable Latin-1 bytes map to
    /// themselves, the others to U+0100 onwards in byte order.
    static let byteCharacters: [Unicode.Scalar] = {
        var printable = Set<Int>()
        for range in [0x21...0x7E, 0xA1...0xAC, 0xAE...0xFF] { printable.formUnion(range) }
        var next = 0
        return (0..<256).map { byte in
            if printable.contains(byte) { return Unicode.Scalar(UInt32(byte))! }
            defer { next += 1 }
            return Unicode.Scalar(UInt32(256 + next))!
        }
    }()

    /// A Hugging Face `tokenizer.json`, or a GPT-2 `vocab.json`/`encoder.json` with
    /// `merges.txt`/`vocab.bpe` beside it.
    public static func huggingFace(path: String) throws -> BPETokenizer {
        let root = try JSONValue.parse(file: path)
        if root["model"]?.objectValue == nil {
            // vocab.json + merges.txt form.
            let directory = FileSystem.parentDirectory(of: path)
            guard let mergesPath = ["merges.txt", "vocab.bpe"].map({ directory + "/" + $0 }).first(where: FileSystem.exists) else {
                throw Tokenizer.LoadError("\(path): a vocabulary without 'model'; expected merges.txt or vocab.bpe beside it")
            }
            let text = String(decoding: try FileSystem.readAll(mergesPath), as: UTF8.self)
            let merges = text.split(separator: "\n").filter { !$0.hasPrefix("#version") }.map { line -> JSONValue in .string(String(line)) }
            return try build(name: path, vocab: root, merges: merges, pattern: .gpt2, nfc: false, added: [], source: path)
        }
        let model = root["model"]!
        let type = model["type"]?.stringValue ?? "?"
        guard type == "BPE" else { throw Tokenizer.LoadError("\(path): unsupported model type '\(type)', only BPE is supported") }
        for key in ["continuing_subword_prefix", "end_of_word_suffix", "dropout"] {
            if let value = model[key], value != .null, value != .string("") {
                throw Tokenizer.LoadError("\(path): unsupported BPE option model.\(key)")
            }
        }
        if model["byte_fallback"] == .bool(true) { throw Tokenizer.LoadError("\(path): unsupported BPE option model.byte_fallback") }
        if model["ignore_merges"] == .bool(true) { throw Tokenizer.LoadError("\(path): unsupported BPE option model.ignore_merges") }

        var nfc = false
        if let normalizer = root["normalizer"], normalizer != .null {
            let kinds = normalizer["type"]?.stringValue == "Sequence"
                ? (normalizer["normalizers"]?.arrayValue ?? []).map { $0["type"]?.stringValue ?? "?" }
                : [normalizer["type"]?.stringValue ?? "?"]
            for kind in kinds where kind != "NFC" {
                throw Tokenizer.LoadError("\(path): unsupported normalizer '\(kind)' (supported: NFC)")
            }
            nfc = !kinds.isEmpty
        }
        let pattern = try preTokenizer(root["pre_tokenizer"], path: path)
        guard let vocab = model["vocab"], let merges = model["merges"]?.arrayValue else {
            throw Tokenizer.LoadError("\(path): model.vocab or model.merges is missing")
        }
        var added: [AddedTokens.Token] = []
        for token in root["added_tokens"]?.arrayValue ?? [] {
            guard let content = token["content"]?.stringValue, let id = token["id"]?.intValue, id >= 0, id <= Int(UInt32.max) else {
                throw Tokenizer.LoadError("\(path): added token \(added.count + 1) has no string content or no numeric id")
            }
            // Options that change where a token matches: refused rather than counted wrong.
            for option in ["single_word", "lstrip", "rstrip"] where token[option] == .bool(true) {
                throw Tokenizer.LoadError("\(path): added token '\(content)' sets \(option): true, which longweave does not support")
            }
            added.append(AddedTokens.Token(content: content, id: UInt32(id), normalized: token["normalized"] == .bool(true)))
        }
        var tokenizer = try build(name: path, vocab: vocab, merges: merges, pattern: pattern, nfc: nfc, added: added, source: path)
        tokenizer.unappliedPostProcessor = try checkPostProcessor(root["post_processor"], path: path)
        return tokenizer
    }

    static func preTokenizer(_ node: JSONValue?, path: String) throws -> PreTokenizerPattern {
        guard let node, node != .null else { throw Tokenizer.LoadError("\(path): no pre_tokenizer; a byte-level one is required") }
        let steps = node["type"]?.stringValue == "Sequence" ? (node["pretokenizers"]?.arrayValue ?? []) : [node]
        var pattern: PreTokenizerPattern?
        var byteLevel = false
        for step in steps {
            let type = step["type"]?.stringValue ?? "?"
            switch type {
            case "Split":
                guard let regex = step["pattern"]?["Regex"]?.stringValue,
                      let known = PreTokenizerPattern.allCases.first(where: { $0.regex == regex }) else {
                    // The pattern as the file writes it (a regex, or the JSON of whatever is there).
                    let shown = step["pattern"]?["Regex"]?.stringValue.map { "regex '\($0)'" }
                        ?? step["pattern"].map { value in var json = JSONWriter(); json.value(value); return String(decoding: json.bytes, as: UTF8.self) } ?? "(none)"
                    throw Tokenizer.LoadError("\(path): unsupported Split pattern \(shown); supported: the gpt2, cl100k, o200k and qwen patterns")
                }
                guard step["behavior"]?.stringValue == "Isolated", step["invert"] != .bool(true) else {
                    throw Tokenizer.LoadError("\(path): unsupported Split behavior \(step["behavior"]?.stringValue ?? "?") (supported: Isolated)")
                }
                pattern = known
            case "ByteLevel":
                if step["add_prefix_space"] == .bool(true) { throw Tokenizer.LoadError("\(path): unsupported ByteLevel add_prefix_space: true") }
                if step["use_regex"] != .bool(false) {
                    if pattern != nil { throw Tokenizer.LoadError("\(path): a Split and a ByteLevel regex together are not supported") }
                    pattern = .gpt2
                }
                byteLevel = true
            default:
                throw Tokenizer.LoadError("\(path): unsupported pre-tokenizer '\(type)' (supported: Split, ByteLevel)")
            }
        }
        guard byteLevel, let pattern else { throw Tokenizer.LoadError("\(path): the pre-tokenizer must be byte-level with a known split pattern") }
        return pattern
    }

    /// The post-processor adds tokens only with `add_special_tokens=True`; longweave counts as
    /// `add_special_tokens=False` (a chat template adds a model's tokens itself), so it is read
    /// to refuse a kind that `tokenizers` does not have and to name one that would add tokens.
    static func checkPostProcessor(_ node: JSONValue?, path: String) throws -> String? {
        guard let node, node != .null else { return nil }
        let adding = ["TemplateProcessing", "RobertaProcessing", "BertProcessing"]
        let known = adding + ["ByteLevel", "Sequence"]
        let type = node["type"]?.stringValue ?? "?"
        guard known.contains(type) else {
            throw Tokenizer.LoadError("\(path): unknown post_processor type '\(type)' (known: \(known.joined(separator: ", ")))")
        }
        var found = adding.contains(type) ? type : nil
        for step in node["processors"]?.arrayValue ?? [] { found = try checkPostProcessor(step, path: path) ?? found }
        return found
    }

    static func build(name: String, vocab: JSONValue, merges: [JSONValue], pattern: PreTokenizerPattern, nfc: Bool,
                      added: [AddedTokens.Token], source: String) throws -> BPETokenizer {
        guard let entries = vocab.objectValue else { throw Tokenizer.LoadError("\(source): the vocabulary is not an object") }
        var ids: [String: UInt32] = [:]
        ids.reserveCapacity(entries.count)
        for (token, id) in entries.members {
            guard let number = id.numberValue else { throw Tokenizer.LoadError("\(source): vocabulary entry '\(token)' has no numeric id") }
            ids[token] = UInt32(number)
        }
        var byteIDs = [UInt32](repeating: .max, count: 256)
        for (byte, scalar) in byteCharacters.enumerated() {
            guard let id = ids[String(Character(scalar))] else { throw Tokenizer.LoadError("\(source): byte \(byte) has no token") }
            byteIDs[byte] = id
        }
        var pairs: [UInt64: UInt64] = [:]
        pairs.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            let parts: [String]
            switch merge {
            case .string(let line): parts = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            case .array(let items): parts = items.compactMap(\.stringValue)
            default: parts = []
            }
            guard parts.count == 2, let left = ids[parts[0]], let right = ids[parts[1]], let merged = ids[parts[0] + parts[1]] else {
                throw Tokenizer.LoadError("\(source): merge \(rank + 1) is not two known tokens whose concatenation is a token")
            }
            let key = UInt64(left) << 32 | UInt64(right)
            if pairs[key] == nil { pairs[key] = UInt64(rank) << 32 | UInt64(merged) }
        }
        return BPETokenizer(name: name, pattern: pattern, normalizeNFC: nfc, model: .merges(pairs: pairs, byteIDs: byteIDs),
                            specialTokens: added.map { (String(decoding: $0.content, as: UTF8.self), $0.id) }, addedTokens: AddedTokens(added))
    }
}
