import Foundation
import Testing
import LongweaveTestSupport
@testable import LongweaveText

@Suite struct TokenizerTests {
    static let cl100k = try! Tokenizer.load("tiktoken:" + TestPaths.data("tokenizers/cl100k_base/cl100k_base.tiktoken"))

    func bpe(_ tokenizer: Tokenizer) -> BPETokenizer {
        guard case .bpe(let b) = tokenizer else { fatalError("not BPE") }
        return b
    }

    func pieces(_ pattern: PreTokenizerPattern, _ text: String) -> [String] {
        let scalars = text.unicodeScalars.map(\.value)
        var out: [String] = []
        scalars.withUnsafeBufferPointer { buffer in
            pattern.split(buffer) { start, end in
                var piece = String.UnicodeScalarView()
                for value in scalars[start..<end] { piece.append(Unicode.Scalar(value)!) }
                out.append(String(piece))
            }
        }
        return out
    }

    @Test func piecesFollowEachPatternsRules() {
        #expect(pieces(.cl100k, "  hello\n\n world's 12345") == [" ", " hello", "\n\n", " world", "'s", " ", "123", "45"])
        #expect(pieces(.cl100k, "x  \n") == ["x", "  \n"])  // \s++$ takes the whole final run
        #expect(pieces(.gpt2, "it's  done!!\n") == ["it", "'s", " ", " done", "!!", "\n"])
        #expect(pieces(.gpt2, "IT'S") == ["IT", "'", "S"])  // GPT-2's contractions are case-sensitive
        #expect(pieces(.cl100k, "IT'S") == ["IT", "'S"])
        #expect(pieces(.o200k, "HTTPServer iPhone's a/b\n") == ["HTTPServer", " i", "Phone's", " a", "/b", "\n"])
        #expect(pieces(.qwen, "2024年3月") == ["2", "0", "2", "4", "年", "3", "月"])
        #expect(pieces(.qwen, "a \n\n  b") == ["a", " \n\n", " ", " b"])
    }

    @Test func idsOfKnownTexts() throws {
        // Ids as tiktoken 0.14 and tokenizers 0.23 give them for these lines.
        let text = "Hello world, it's 2024!"
        let files: [(String, [UInt32])] = [
            ("tiktoken:" + TestPaths.data("tokenizers/gpt2/gpt2.tiktoken"), [15496, 995, 11, 340, 338, 48609, 0]),
            ("tiktoken:" + TestPaths.data("tokenizers/cl100k_base/cl100k_base.tiktoken"), [9906, 1917, 11, 433, 596, 220, 2366, 19, 0]),
            ("tiktoken:" + TestPaths.data("tokenizers/o200k_base/o200k_base.tiktoken.gz"), [13225, 2375, 11, 4275, 220, 1323, 19, 0]),
            ("tiktoken:" + TestPaths.data("tokenizers/qwen/qwen.tiktoken"), [9707, 1879, 11, 432, 594, 220, 17, 15, 17, 19, 0]),
            ("hf:" + TestPaths.data("tokenizers/qwen2/tokenizer.json"), [9707, 1879, 11, 432, 594, 220, 17, 15, 17, 19, 0]),
            ("hf:" + TestPaths.data("tokenizers/gpt2/encoder.json"), [15496, 995, 11, 340, 338, 48609, 0]),
        ]
        for (spec, ids) in files {
            let tokenizer = try Tokenizer.load(spec)
            #expect(bpe(tokenizer).encode(text) == ids, "\(spec)")
            #expect(tokenizer.count(text) == ids.count)
        }
        #expect(bpe(try Tokenizer.load("tiktoken:" + TestPaths.data("tokenizers/qwen/qwen.tiktoken"))).encode("中文文本测试") == [104811, 108704, 81705])
    }

    @Test func specialTokensArePlainTextUnlessAsked() {
        let b = bpe(Self.cl100k)
        #expect(!b.encode("a<|endoftext|>b").contains(100257))
        #expect(b.encode("a<|endoftext|>b", allowSpecial: true) == b.encode("a") + [100257] + b.encode("b"))
    }

    /// A `tokenizer.json`'s added tokens are ids wherever they appear, as `tokenizers` finds
    /// them with `add_special_tokens=False` (ids from tokenizers 0.23), the longest at a place.
    @Test func huggingFaceAddedTokensAreFoundInText() throws {
        let qwen2 = bpe(try Tokenizer.load("hf:" + TestPaths.data("tokenizers/qwen2/tokenizer.json")))
        #expect(qwen2.encode("<|im_start|>user\nHi<|im_end|>") == [151644, 872, 198, 13048, 151645])
        #expect(qwen2.encode("a<|endoftext|>b") == qwen2.encode("a") + [151643] + qwen2.encode("b"))
        #expect(!qwen2.encode("<|im_start| <|im_end").contains(151644))
        var pieces: [String] = []
        Array("x<|im_end|><|endoftext|>y".utf8).withUnsafeBytes { bytes in
            qwen2.addedTokens.split(bytes, normalized: nil) { part in
                switch part {
                case .token(let id): pieces.append("#\(id)")
                case .text(let text): pieces.append(String(decoding: text, as: UTF8.self))
                }
            }
        }
        #expect(pieces == ["x", "#151645", "#151643", "y"])
    }

    @Test func longPiecesUseTheHeapAndAgreeWithTheLinearScan() throws {
        let b = bpe(Self.cl100k)
        guard case .ranks(let ranks) = b.model else { return }
        var seed: UInt64 = 12345
        for length in [300, 700, 2000] {
            var bytes: [UInt8] = []
            for _ in 0..<length {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                bytes.append(Array("aabbcdeeeth".utf8)[Int(seed >> 60) % 11])
            }
            var linear: [UInt32] = []
            var heap: [UInt32] = []
            bytes.withUnsafeBytes { raw in
                BytePairMerge.encode(raw, rule: RankMerge(ranks: ranks), into: &linear, heapThreshold: Int.max)
                BytePairMerge.encode(raw, rule: RankMerge(ranks: ranks), into: &heap, heapThreshold: 0)
            }
            #expect(linear == heap, "length \(length)")
        }
        // A megabyte of one letter, and a long Chinese paragraph: encoded, and decoded back to the same bytes.
        let table = b.tokenBytes()
        for text in [String(repeating: "a", count: 1 << 20), String(repeating: "中文段落没有空格", count: 20_000)] {
            let ids = b.encode(text)
            #expect(ids.flatMap { table[$0]! } == Array(text.utf8))
        }
    }

    @Test func unsupportedFilesAreClearErrors() throws {
        let dir = TestPaths.temporaryDirectory()
        let original = try String(contentsOfFile: TestPaths.data("tokenizers/qwen2/tokenizer.json"), encoding: .utf8)
        let cases: [(String, String, String)] = [
            (#""type": "BPE""#, #""type": "WordPiece""#, "unsupported model type 'WordPiece'"),
            (#""type": "NFC""#, #""type": "NFKC""#, "unsupported normalizer 'NFKC'"),
            (#""type": "ByteLevel","#, #""type": "Metaspace","#, "unsupported pre-tokenizer 'Metaspace'"),
            (#"\\s+(?!\\S)|\\s+"#, #"\\s+"#, "unsupported Split pattern regex '"),
            // A malformed pattern is named as the file writes it, not as a Swift value.
            (#""Regex": "#, #""String": "#, #"unsupported Split pattern {"String":"#),
            // Options that move where an added token matches are refused, not ignored.
            ("\"content\": \"<|im_end|>\",\n      \"single_word\": false,\n      \"lstrip\": false", "\"content\": \"<|im_end|>\",\n      \"single_word\": false,\n      \"lstrip\": true",
             "added token '<|im_end|>' sets lstrip: true"),
            ("\"post_processor\": {\n    \"type\": \"ByteLevel\"", "\"post_processor\": {\n    \"type\": \"Mystery\"", "unknown post_processor type 'Mystery'"),
        ]
        for (from, to, message) in cases {
            let range = try #require(original.range(of: from), "\(from)")
            try original.replacingCharacters(in: range, with: to).write(toFile: dir + "/tokenizer.json", atomically: true, encoding: .utf8)
            #expect { try Tokenizer.load("hf:" + dir + "/tokenizer.json") } throws: { "\($0)".contains(message) }
        }
        try Data("not a rank file\n".utf8).write(to: URL(fileURLWithPath: dir + "/cl100k_base.tiktoken"))
        #expect { try Tokenizer.load("tiktoken:" + dir + "/cl100k_base.tiktoken") } throws: { "\($0)".contains(":1: expected 'base64 rank'") }
        #expect { try Tokenizer.load("tiktoken:" + dir + "/mystery.tiktoken") } throws: { "\($0)".contains("mystery.tiktoken does not exist") }
        try Data("not a rank file\n".utf8).write(to: URL(fileURLWithPath: dir + "/mystery.tiktoken"))
        #expect { try Tokenizer.load("tiktoken:" + dir + "/mystery.tiktoken") } throws: { "\($0)".contains("cannot tell the encoding") }
        #expect { try Tokenizer.load("sentencepiece:x") } throws: { "\($0)".contains("unknown tokenizer") }
    }

    /// Rank files are checked as tiktoken checks them: every rank once and none missing,
    /// every single byte a token; CRLF line ends read as LF ones.
    @Test func rankFilesAreChecked() throws {
        let dir = TestPaths.temporaryDirectory()
        func line(_ bytes: [UInt8], _ rank: Int) -> String { Data(bytes).base64EncodedString() + " \(rank)" }
        let bytes = (0..<256).map { line([UInt8($0)], $0) }
        func load(_ lines: [String], separator: String = "\n") throws -> Tokenizer {
            try Data(lines.joined(separator: separator).utf8).write(to: URL(fileURLWithPath: dir + "/cl100k_base.tiktoken"))
            return try Tokenizer.load("tiktoken:" + dir + "/cl100k_base.tiktoken")
        }
        #expect { try load([]) } throws: { "\($0)".contains("no ranks") }
        #expect { try load(Array(bytes.dropLast())) } throws: { "\($0)".contains("byte 255 has no rank") }
        #expect { try load(bytes + [line([97, 98], 5)]) } throws: { "\($0)".contains(":257: rank 5 is given twice") }
        #expect { try load(bytes + [line([97, 98], 300)]) } throws: { "\($0)".contains("rank 256 is missing") }
        #expect { try load(bytes + [line([97], 256)]) } throws: { "\($0)".contains(":257: this token already has a rank") }
        let merged = bytes + [line([97, 98], 256)]
        let lf = try load(merged), crlf = try load(merged, separator: "\r\n")
        #expect(lf.count("abab") == 2 && crlf.count("abab") == 2)
    }

    @Test func wordsAndChars() throws {
        #expect(try Tokenizer.load("words").count("a  b\u{3000}c") == 3)
        #expect(try Tokenizer.load("chars").count("中文😀") == 3)
        let text = try String(contentsOfFile: TestPaths.data("cmrc2018/cmrc2018_dev.json"), encoding: .utf8)
        #expect(CharCount.count(text) == text.unicodeScalars.count)
        // Character offsets of byte offsets: each scalar start of a real CMRC context.
        let context = String(text.prefix(3000))
        let byteStarts = context.unicodeScalars.indices.map { context.utf8.distance(from: context.utf8.startIndex, to: $0) } + [context.utf8.count]
        let offsets = Array(context.utf8).withUnsafeBytes { CharCount.offsets(of: byteStarts, in: $0) }
        #expect(offsets == Array(0...context.unicodeScalars.count))
    }
}
