import Foundation
import PipelineTestSupport
import Testing
import LongweaveTestSupport
@testable import LongweaveCore
import LongweaveIO
import LongweaveText
@testable import LongweaveAudit
import LongweaveStages

/// ConTAM's definitions, computed the slow way: every occurrence counted by scanning every
/// reference document at every position.
struct BruteForceOracle {
    var n: Int
    var mincount: Int
    var skipBudget: Int
    /// A model's tokens normalise one by one (a token left empty is dropped); words are
    /// normalised as a text, then split again.
    var tokenByToken = false

    func normalized(_ tokens: [String]) -> [String] {
        if tokenByToken { return tokens.map { MatchNormalizer.normalize($0) }.filter { !$0.isEmpty } }
        return tokens.map { MatchNormalizer.normalize($0) }.joined(separator: " ").split(separator: " ").map(String.init)
    }

    func count(_ sequence: ArraySlice<String>, in documents: [[String]]) -> Int {
        var total = 0
        for document in documents where document.count >= sequence.count {
            for p in 0...(document.count - sequence.count) where Array(document[p..<(p + sequence.count)]) == Array(sequence) {
                total += 1
            }
        }
        return total
    }

    /// (token_match, ngram_match, token_extend, longest_match) of `sample` against `documents`.
    func scores(_ sample: [String], _ documents: [[String]]) -> [Double] {
        let x = normalized(sample)
        let corpus = documents.map(normalized)
        var covered = Set<Int>()
        var seeds = 0
        if x.count >= n {
            for i in 0...(x.count - n) where count(x[i..<(i + n)], in: corpus) >= mincount {
                seeds += 1
                for j in i..<(i + n) { covered.insert(j) }
            }
        }
        let tokenMatch = x.isEmpty ? 0 : Double(covered.count) / Double(x.count)
        let ngramMatch = x.count >= n ? Double(seeds) / Double(x.count - n + 1) : 0

        let raw = sample
        var extended = Set<Int>()
        var longest = 0
        if raw.count >= n {
            for a in 0...(raw.count - n) where count(raw[a..<(a + n)], in: documents) >= mincount {
                var b = a + n
                if skipBudget == 0 && mincount > 1 {
                    for end in (a + n)...raw.count where count(raw[a..<end], in: documents) >= mincount { b = max(b, end) }
                } else {
                    for document in documents where document.count >= n {
                        for p in 0...(document.count - n) where Array(document[p..<(p + n)]) == Array(raw[a..<(a + n)]) {
                            let room = min(raw.count - a, document.count - p)
                            for length in n...room {
                                var mismatches = 0
                                for j in n..<length where raw[a + j] != document[p + j] { mismatches += 1 }
                                if mismatches <= skipBudget && raw[a + length - 1] == document[p + length - 1] { b = max(b, a + length) }
                            }
                        }
                    }
                }
                for j in a..<b { extended.insert(j) }
                longest = max(longest, b - a)
            }
        }
        let tokenExtend = raw.isEmpty ? 0 : Double(extended.count) / Double(raw.count)
        let longestMatch = raw.isEmpty ? 0 : Double(longest) / Double(raw.count)
        return [tokenMatch, ngramMatch, tokenExtend, longestMatch]
    }
}

@Suite struct ContaminationAuditTests {
    /// Audits `samples` against `documents`. With `segmentBytes`, a longer document is
    /// tokenized a segment at a time; with `pieceBytes`, each longer document is sent in
    /// pieces of that many bytes (cut anywhere, even inside a character).
    static func audit(_ samples: [String], _ documents: [String], _ parameters: AuditParameters, threads: Int = 1,
                      segmentBytes: Int = ReferenceScanner.defaultSegmentBytes, pieceBytes: Int? = nil) throws -> AuditResult {
        let audit = ContaminationAudit(samples: samples.enumerated().map { ("s\($0.offset)", $0.element) }, parameters: parameters)
        return audit.result(of: try audit.scan(threads: threads, segmentBytes: segmentBytes) { emit in
            for (index, document) in documents.enumerated() {
                var text = document
                text.withUTF8 { buffer in
                    let bytes = UnsafeRawBufferPointer(buffer)
                    let identity = ReferenceDocument(file: 0, index: index)
                    guard let pieceBytes, bytes.count > pieceBytes else { return emit(bytes, identity, .whole) }
                    var offset = 0
                    while offset < bytes.count {
                        let end = min(bytes.count, offset + pieceBytes)
                        emit(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]), identity, DocumentPiece(isFirst: offset == 0, isLast: end == bytes.count))
                        offset = end
                    }
                }
            }
        })
    }

    @Test func matchesTheBruteForceOracleOnSmallRandomCases() throws {
        // A small alphabet, with case and punctuation variants that normalise together
        // ("A" and "a", "b," and "b") and a token that normalises away (",").
        let checked = try Self.compareWithOracle(alphabet: ["a", "b", "c", "A", "b,", "c.", ","], cases: 3000, key: "cases")
        #expect(checked > 5000)
    }

    /// Tokens for every path of the reference side's hashing: words of up to 8 and up to 16
    /// bytes, with a trailing mark, with marks around or inside, symbols that stay, non-ASCII
    /// letters, tokens past 16 bytes, and a non-ASCII mark that normalises away.
    @Test func matchesTheBruteForceOracleOnEveryTokenShape() throws {
        let alphabet = ["word", "Word", "word,", "(word)", "WO-RD.", "longerword12", "LongerWord12;", "Longerword12",
                        "élan", "Élan", "«élan»", "—", "$5", "$5.", "averyverylongtoken", "AVeryVeryLongToken!"]
        let checked = try Self.compareWithOracle(alphabet: alphabet, cases: 800, key: "shapes")
        #expect(checked > 1300)
    }

    /// In a model's tokens: texts of words cut by the model's tokenizer, n-grams of its ids
    /// (a word with and without its leading space are different tokens), normalised token by token.
    @Test(arguments: ["tiktoken:tokenizers/cl100k_base/cl100k_base.tiktoken", "hf:tokenizers/qwen2/tokenizer.json"])
    func matchesTheBruteForceOracleInAModelsTokens(spec: String) throws {
        let tokenizer = try AuditTokenizer(TokenizerSpec(spec, root: TestPaths.sharedData))
        let alphabet = ["the", "The", "cat,", "sat", "unbelievably", "Straße", "«élan»", "—", "中文", "文本", ".", "$5"]
        let checked = try Self.compareWithOracle(alphabet: alphabet, cases: 600, key: "bpe " + spec, tokenizer: tokenizer)
        #expect(checked > 900)
    }

    @Test func aModelsTokensAreItsIds() throws {
        let spec = try TokenizerSpec("tiktoken:tokenizers/cl100k_base/cl100k_base.tiktoken", root: TestPaths.sharedData)
        guard case .bpe(let bpe) = try spec.load() else { Issue.record("not a BPE tokenizer"); return }
        let text = "Tenzing Norgay became the first climbers to reach the summit. 中文文本测试"
        let tokenizer = try AuditTokenizer(spec)
        var pieces: [[UInt8]] = []
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { raw in
            tokenizer.forEachToken(utf8: raw) { start, end in pieces.append(Array(raw[start..<end])) }
        }
        // Each token's bytes are those of the tokenizer's id at the same position.
        let table = bpe.tokenBytes()
        #expect(pieces == bpe.encode(text).map { table[$0]! })
        #expect(pieces.count > 10 && pieces.count < bytes.count)
    }

    /// The tokens of `text` in the audit's tokenizer, as strings (a model's token may hold
    /// part of a character; such a token is compared by its bytes all the same).
    static func tokens(_ text: String, _ tokenizer: AuditTokenizer) -> [String] {
        var out: [String] = []
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { raw in
            tokenizer.forEachToken(utf8: UnsafeRawBufferPointer(raw)) { start, end in out.append(String(decoding: raw[start..<end], as: UTF8.self)) }
        }
        return out
    }

    /// Audits random samples and documents drawn from `alphabet` (its first three tokens
    /// half the time) and compares every score with the oracle's; the number of samples checked.
    static func compareWithOracle(alphabet: [String], cases: Int, key: String, tokenizer: AuditTokenizer = .words) throws -> Int {
        var random = SeededRandom(seed: 11, stage: "oracle", key: key)
        var checked = 0
        for _ in 0..<cases {
            let n = 1 + random.below(5)
            let mincount = 1 + random.below(3)
            let skip = random.below(3)
            func text(_ maximum: Int) -> [String] { (0..<random.below(maximum + 1)).map { _ in alphabet[random.below(random.below(2) == 0 ? 3 : alphabet.count)] } }
            let samples = (0..<(1 + random.below(3))).map { _ in text(12) }
            let documents = (0..<(1 + random.below(4))).map { _ in text(16) }
            let parameters = AuditParameters(tokenizer: tokenizer, n: n, mincount: mincount, skipBudget: skip)
            let sampleTexts = samples.map { $0.joined(separator: " ") }
            let documentTexts = documents.map { $0.joined(separator: " ") }
            // Half the time, documents are tokenized in segments of a few bytes, and sent in pieces.
            let segmented = random.below(2) == 0
            let result = try audit(sampleTexts, documentTexts, parameters, threads: 1 + random.below(2),
                                   segmentBytes: segmented ? 16 + random.below(24) : ReferenceScanner.defaultSegmentBytes,
                                   pieceBytes: segmented && random.below(2) == 0 ? 1 + random.below(9) : nil)
            let oracle = BruteForceOracle(n: n, mincount: mincount, skipBudget: skip, tokenByToken: tokenizer.isBPE)
            let documentTokens = tokenizer.isBPE ? documentTexts.map { Self.tokens($0, tokenizer) } : documents
            for (index, scores) in result.scores.enumerated() {
                let sample = tokenizer.isBPE ? Self.tokens(sampleTexts[index], tokenizer) : samples[index]
                let expected = oracle.scores(sample, documentTokens)
                let got = [scores.tokenMatch, scores.ngramMatch, scores.tokenExtend, scores.longestMatch]
                #expect(got == expected, "n \(n) mincount \(mincount) skip \(skip) segmented \(segmented): \(sample) in \(documents)")
                if got != expected { return checked }
                checked += 1
            }
        }
        return checked
    }

    @Test func aMatchNeverCrossesADocumentBoundary() throws {
        let parameters = AuditParameters(tokenizer: .words, n: 4)
        let sample = "one two three four five six"
        let split = try Self.audit([sample], ["zero one two three", "four five six seven"], parameters)
        #expect(split.scores[0].tokenMatch == 0 && split.scores[0].longestMatch == 0 && split.scores[0].longestSpan == nil)
        let whole = try Self.audit([sample], ["zero one two three four five six seven"], parameters)
        #expect(whole.scores[0].tokenMatch == 1 && whole.scores[0].longestMatch == 1)
        #expect(whole.scores[0].longestSpan == LongestSpan(start: 0, end: 6, text: sample, byteRange: 0..<sample.utf8.count, referenceDocument: ReferenceDocument(file: 0, index: 0), referenceOffset: 5))
        #expect(whole.referenceDocuments == 1 && whole.referenceTokens == 8)
    }

    @Test func normalisedMetricsIgnoreCaseAndPunctuationRawOnesDoNot() throws {
        let result = try Self.audit(["The Quick, brown fox!"], ["the quick brown fox"], AuditParameters(tokenizer: .words, n: 4))
        #expect(result.scores[0].tokenMatch == 1 && result.scores[0].ngramMatch == 1)
        #expect(result.scores[0].tokenExtend == 0 && result.scores[0].longestMatch == 0)
        #expect(MatchNormalizer.normalize("ΟΔΟΣ «Ἀθηνᾶς» — Straße_1") == "οδος ἀθηνᾶς  straße1")
    }

    /// The reference side normalises token by token, the benchmark side whole texts: on real
    /// English and Chinese text audited against itself, every sample must match in full.
    @Test(arguments: [("hotpotqa", "hotpotqa/hotpot_dev_distractor_v1_100.json", AuditTokenizer.words),
                      ("cmrc2018", "cmrc2018/cmrc2018_dev.json", AuditTokenizer.chars)])
    func aBenchmarkAuditedAgainstItselfMatchesInFull(format: String, path: String, tokenizer: AuditTokenizer) throws {
        let samples = try ingest(format, TestPaths.data(path), language: tokenizer == .chars ? "zh" : "en").samples.prefix(40)
        let texts = samples.map { AuditSamples.text(of: $0, fields: [.question, .answers, .documents]) }
        let result = try Self.audit(texts, texts, AuditParameters(tokenizer: tokenizer, n: 4), threads: 2)
        for (text, score) in zip(texts, result.scores) {
            #expect(score.tokenMatch == 1 && score.ngramMatch == 1 && score.tokenExtend == 1 && score.longestMatch == 1, "\(text.prefix(80))")
        }
    }

    @Test func charsTokenizeChineseOneCharacterEach() throws {
        let result = try Self.audit(["北京大学在海淀区。"], ["他说北京大学在海淀区，很有名。"], AuditParameters(tokenizer: .chars, n: 5))
        #expect(result.scores[0].tokens == 9)
        // 北京大学在海淀区 matches (8 of 9 characters); the full stop differs from the comma.
        #expect(result.scores[0].longestMatch == 8.0 / 9.0)
        #expect(result.scores[0].longestSpan?.text == "北京大学在海淀区" && result.scores[0].longestSpan?.referenceOffset == 2)
    }
}
