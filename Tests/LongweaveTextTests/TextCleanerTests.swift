import Foundation
import Testing
import LongweaveTestSupport
@testable import LongweaveText

@Suite struct TextCleanerTests {
    let cleaner = TextCleaner()

    @Test func normalisesUnicode() {
        #expect(cleaner.clean("Cafe\u{301}") == "Caf\u{E9}")
        #expect(cleaner.clean("\u{FB01}ne") == "\u{FB01}ne")
        #expect(TextCleaner(normalization: .nfkc).clean("\u{FB01}ne \u{FF21}") == "fine A")
        #expect(TextCleaner(normalization: .none).clean("e\u{301}") == "e\u{301}")
    }

    @Test func lineEndingsControlsAndZeroWidth() {
        #expect(cleaner.clean("a\r\nb\rc") == "a\nb\nc")
        #expect(cleaner.clean("in\u{200B}visible\u{FEFF} soft\u{AD}hyphen\u{0007}") == "invisible softhyphen")
        #expect(cleaner.clean("bidi\u{202E}text\u{2066}") == "biditext")
    }

    @Test func whitespaceCollapsesButParagraphBreaksStay() {
        #expect(cleaner.clean("  one \t two\u{A0}\u{3000}three  \n\n\n  next   para \nline  ") == "one two three\n\nnext para\nline")
        #expect(TextCleaner(collapseWhitespace: false).clean("a  b\r\n") == "a  b\n")
    }

    @Test func entitiesAreDecodedOnce() {
        #expect(cleaner.clean("Fish &amp; chips &#8212; caf&eacute; &#x4E2D; &amp;lt; &bogus; &") == "Fish & chips \u{2014} caf\u{E9} \u{4E2D} &lt; &bogus; &")
        #expect(HTMLEntities.decode("&nbsp;&Omega;&sigmaf;&#0;") == "\u{A0}\u{3A9}\u{3C2}\u{FFFD}")
    }

    @Test func scriptShares() {
        #expect(TextCleaner.scriptShares("北京 Beijing").han > 0.1)
        #expect(TextCleaner.scriptShares("Plain English").latin == 1)
        #expect(TextCleaner.scriptShares("123 ...") == (0, 0))
    }
}

@Suite struct NFCQuickCheckTests {
    /// Wherever the quick check says "already NFC", Foundation's NFC leaves the text as it is:
    /// over every real text in the shared data and over the edges of each range.
    @Test func agreesWithFoundationOnRealText() throws {
        var checked = 0
        for file in ["wikitext2/wiki.test.raw", "cmrc2018/cmrc2018_dev.json", "dureader/search.dev.json", "wiki_paragraphs/2wikimultihopqa_corpus.json",
                     "longbench/multifieldqa_zh.jsonl", "loogle/shortdep_qa.jsonl", "wiki_html/enwiki_New_Zealand.html"] {
            let text = try String(contentsOfFile: TestPaths.data(file), encoding: .utf8)
            for line in text.split(separator: "\n") where TextCleaner.isNFCByQuickCheck(String(line)) {
                #expect(String(line).precomposedStringWithCanonicalMapping.utf8.elementsEqual(line.utf8), "\(file): \(line.prefix(80))")
                checked += 1
            }
        }
        #expect(checked > 10_000)
        for range in TextCleaner.quickNFCRanges {
            for value in [range.lowerBound, range.upperBound] {
                guard let scalar = Unicode.Scalar(value) else { continue }
                let text = "a" + String(Character(scalar)) + "b"
                #expect(text.precomposedStringWithCanonicalMapping.utf8.elementsEqual(text.utf8), "U+\(String(value, radix: 16))")
            }
        }
        #expect(!TextCleaner.isNFCByQuickCheck("e\u{301}"))
        #expect(!TextCleaner.isNFCByQuickCheck("\u{212B}"))
        #expect(!TextCleaner.isNFCByQuickCheck("\u{3099}"))
    }
}
