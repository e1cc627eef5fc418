import Foundation
import Testing
import LongweaveTestSupport
import LongweaveCore
import LongweaveIO
import LongweaveText
@testable import LongweaveAudit

/// A long reference document is tokenized and scanned a segment at a time: the tokens, the
/// counts and the spans must be those of the whole document, on real English and Chinese text.
@Suite struct SegmentedScanTests {
    static let tokenizerSpecs = ["words", "chars", "tiktoken:tokenizers/cl100k_base/cl100k_base.tiktoken",
                                 "tiktoken:tokenizers/o200k_base/o200k_base.tiktoken.gz", "tiktoken:tokenizers/gpt2/gpt2.tiktoken",
                                 "hf:tokenizers/qwen2/tokenizer.json"]

    /// WikiText-2's test articles and CMRC 2018's Chinese contexts, about 400 KB.
    static func realText() throws -> [UInt8] {
        let english = try InputFile.readAll(TestPaths.data("wikitext2/wiki.test.raw")).prefix(250_000)
        var chinese: [UInt8] = []
        if case .array(let articles) = try JSONValue.parse(file: TestPaths.data("cmrc2018/cmrc2018_dev.json")) {
            for article in articles.prefix(150) { chinese += Array((article["context_text"]?.stringValue ?? "").utf8) + [0x0A] }
        }
        // Base64 of random bytes and code-like text: letters, digits and marks without spaces.
        var random = SeededRandom(seed: 3, stage: "segments", key: "base64")
        let base64 = Data((0..<30_000).map { _ in UInt8(random.below(256)) }).base64EncodedString()
        let code = (0..<400).map { "x\($0)=f(a[\($0)],b.c_d/2+1);" }.joined()
        return Array(english) + chinese + Array((base64 + "\n" + code + "\n").utf8)
    }

    static func tokens(_ text: UnsafeRawBufferPointer, _ tokenizer: AuditTokenizer, offset: Int = 0) -> [Range<Int>] {
        var out: [Range<Int>] = []
        tokenizer.forEachToken(utf8: text) { out.append(offset + $0..<offset + $1) }
        return out
    }

    @Test(arguments: tokenizerSpecs)
    func tokenizingAtTheCutsGivesTheWholeTextsTokens(spec: String) throws {
        let tokenizer = try AuditTokenizer(TokenizerSpec(spec, root: TestPaths.sharedData))
        let text = try Self.realText()
        try text.withUnsafeBytes { whole in
            let expected = Self.tokens(whole, tokenizer)
            var got: [Range<Int>] = []
            var start = 0, cuts = 0
            while start < whole.count {
                // Segments of about 2 KB: the last cut before the segment's end, or a longer
                // segment when there is none (as the scanner waits for more text).
                var end = min(whole.count, start + 2000)
                var found = tokenizer.lastCut(in: UnsafeRawBufferPointer(rebasing: whole[..<end]), after: start)
                while found == nil && end < whole.count {
                    end = min(whole.count, end + 2000)
                    found = tokenizer.lastCut(in: UnsafeRawBufferPointer(rebasing: whole[..<end]), after: start)
                }
                let cut = end == whole.count ? end : found!
                got += Self.tokens(UnsafeRawBufferPointer(rebasing: whole[start..<cut]), tokenizer, offset: start)
                start = cut
                cuts += 1
            }
            #expect(cuts > 180)
            #expect(got == expected)
        }
    }

    /// Samples copied from the reference (an English passage, a Chinese one, one edited),
    /// audited against one long document: whole, and in segments of 64 KiB sent in pieces
    /// of 100,000 bytes (cut inside characters). Every score and span must agree.
    @Test(arguments: tokenizerSpecs)
    func aLongDocumentScannedInSegmentsScoresAsWhole(spec: String) throws {
        let tokenizer = try AuditTokenizer(TokenizerSpec(spec, root: TestPaths.sharedData))
        let text = try Self.realText()
        let document = String(decoding: text, as: UTF8.self)
        /// The characters that start in `range`.
        func passage(_ range: Range<Int>) -> String {
            var start = range.lowerBound, end = range.upperBound
            while text[start] & 0xC0 == 0x80 { start += 1 }
            while text[end] & 0xC0 == 0x80 { end += 1 }
            return String(decoding: text[start..<end], as: UTF8.self)
        }
        let samples = [passage(120_000..<124_000), passage(text.count - 30_000..<text.count - 28_000),
                       passage(60_000..<61_000).replacingOccurrences(of: "the", with: "THE")]
        let parameters = AuditParameters(tokenizer: tokenizer, n: tokenizer.isWords ? 8 : 13, mincount: 1, skipBudget: 0)
        let whole = try ContaminationAuditTests.audit(samples, [document, document], parameters, segmentBytes: 1 << 40)
        let segmented = try ContaminationAuditTests.audit(samples, [document, document], parameters, threads: 2, segmentBytes: 1 << 16, pieceBytes: 100_000)
        #expect(segmented.scores == whole.scores)
        #expect(segmented.referenceTokens == whole.referenceTokens && segmented.referenceDocuments == 2)
        // Words: the Chinese passage has too few spaces to make n-grams.
        #expect(whole.scores.enumerated().allSatisfy { ($0.offset == 1 && tokenizer.isWords) || ($0.element.longestMatch > 0.2 && $0.element.tokenMatch > 0.9) })
        // With skips, mismatches bridged across segments.
        let skipping = AuditParameters(tokenizer: tokenizer, n: tokenizer.isWords ? 8 : 13, mincount: 1, skipBudget: 2)
        #expect(try ContaminationAuditTests.audit(samples, [document], skipping, segmentBytes: 1 << 16, pieceBytes: 77_777).scores
            == ContaminationAuditTests.audit(samples, [document], skipping, segmentBytes: 1 << 40).scores)
    }

    /// A `text` reference over the whole-read limit is streamed: checked, then scanned in
    /// pieces; its spans name the character where they are found as when it is read whole.
    @Test func aLongTextFileIsStreamedAndScoresAsWhole() throws {
        let directory = TestPaths.temporaryDirectory()
        try FileSystem.createDirectories(directory)
        let article = try InputFile.readAll(TestPaths.data("wikitext2/wiki.test.raw"))
        var long: [UInt8] = []
        while long.count <= ReferenceReader.wholeTextBytes { long += article }
        try FileSystem.writeAtomically(long, to: directory + "/long.txt")
        let file = ReferenceFile(path: "long.txt", resolvedPath: directory + "/long.txt", format: "text")
        var pieces = 0, bytes = 0
        var stats = ReferenceFileStats(file)
        try ReferenceReader.forEachDocument(file, index: 0, textField: "text", skipBad: false, registry: .standard, root: directory, stats: &stats) { piece, _, position in
            #expect(position.isFirst == (bytes == 0))
            pieces += 1
            bytes += piece.count
            return true
        }
        #expect(pieces > 4 && bytes == long.count && stats.documents == 1)

        let samples = [String(decoding: article[500_000..<503_000], as: UTF8.self)]
        let audit = ContaminationAudit(samples: samples.enumerated().map { ("s\($0.offset)", $0.element) }, parameters: AuditParameters(tokenizer: .words, n: 8))
        var streamedStats = [ReferenceFileStats(file)]
        let streamed = audit.result(of: try audit.scan(threads: 2) { emit in
            try ReferenceReader.forEachDocument(of: [file], selected: [ReferencePiece(file: 0)], textField: "text", skipBad: false, registry: .standard,
                                                root: directory, stats: &streamedStats, emit)
        })
        let whole = try ContaminationAuditTests.audit(samples, [String(decoding: long, as: UTF8.self)], AuditParameters(tokenizer: .words, n: 8), segmentBytes: 1 << 40)
        #expect(streamed.scores == whole.scores && streamed.scores[0].longestMatch > 0.99)
        #expect(streamed.scores[0].longestSpan?.referenceOffset == whole.scores[0].longestSpan?.referenceOffset)

        // A byte that is not UTF-8 far into the file: refused before anything is scanned, or left out.
        long[long.count - 10] = 0xFF
        try FileSystem.writeAtomically(long, to: directory + "/long.txt")
        var badStats = ReferenceFileStats(file)
        #expect(throws: IOError.self) {
            try ReferenceReader.forEachDocument(file, index: 0, textField: "text", skipBad: false, registry: .standard, root: directory, stats: &badStats) { _, _, _ in
                Issue.record("a piece of a bad file was sent")
                return true
            }
        }
        try ReferenceReader.forEachDocument(file, index: 0, textField: "text", skipBad: true, registry: .standard, root: directory, stats: &badStats) { _, _, _ in
            Issue.record("a piece of a bad file was sent")
            return true
        }
        #expect(badStats.skipped == ["not valid UTF-8": 1] && badStats.documents == 0)
    }

    /// Fed a long document, a scanner holds about a segment and the longest sample of
    /// tokens, not the document: with samples long and short, and with samples too short to
    /// have any n-gram at all.
    @Test(arguments: [["Hi", "x"], [String(repeating: "many words here ", count: 50)]])
    func aLongDocumentIsLetGoOfAsItIsScanned(samples: [String]) throws {
        let text = try Self.realText()
        let audit = ContaminationAudit(samples: samples.enumerated().map { ("s\($0.offset)", $0.element) }, parameters: AuditParameters(tokenizer: .words, n: 8))
        var scanner = ReferenceScanner(benchmark: audit.benchmark, segmentBytes: 1 << 14)
        scanner.begin(document: 0)
        var most = 0
        try text.withUnsafeBytes { bytes in
            for start in stride(from: 0, to: bytes.count, by: 4096) {
                scanner.feed(UnsafeRawBufferPointer(rebasing: bytes[start..<min(bytes.count, start + 4096)]))
                most = max(most, scanner.heldTokens)
            }
            let words = try #require(Optional(WordCount.count(utf8: bytes)))
            #expect(most < 5_000 && words > 40_000, "held \(most) of \(words) tokens")
        }
        scanner.finish()
    }

    @Test func utf8CutAnywhereIsCheckedAsAWhole() {
        let valid = Array("naïve — 中文 😀 end".utf8)
        for cut in 0...valid.count {
            for broken in [valid, valid.prefix(8) + [0xC0, 0x80] + valid.dropFirst(8), [0xE4, 0xB8] + valid, valid + [0xF0, 0x9F]] {
                var validation = UTF8StreamValidation()
                broken.withUnsafeBytes { bytes in
                    let at = min(cut, bytes.count)
                    validation.feed(UnsafeRawBufferPointer(rebasing: bytes[..<at]))
                    validation.feed(UnsafeRawBufferPointer(rebasing: bytes[at...]))
                }
                #expect(validation.isValid == (broken == valid), "cut at \(cut)")
            }
        }
    }
}
