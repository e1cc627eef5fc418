import Foundation
import PipelineTestSupport
import Testing
import LongweaveTestSupport
@testable import LongweaveCore
import LongweaveIO
@testable import LongweaveStages

@Suite struct QAFormatsTests {
    @Test func hotpotQATrainAndItsPythonLiteralVariant() throws {
        let train = try ingest("hotpotqa", TestPaths.data("hotpotqa/hotpotqa_train.json"))
        #expect(train.samples.count == 100)
        #expect(train.rejects.isEmpty)
        #expect(train.samples[0].question == "If Gallu is a demon Lilu is what?")
        #expect(train.samples.allSatisfy { $0.documents.contains(where: \.evidence) })

        // The same shape with context and supporting_facts as Python-literal strings.
        let record = """
            [{"_id": "lit-1", "question": "Who wrote it?", "answer": "Ann",
              "supporting_facts": "[('Ann\\\\'s book', 0)]",
              "context": "[['Other', ['Nothing here.', \\" Still 'nothing'.\\"]], [\\"Ann's book\\", ['Ann wrote it.\\\\n', ' In 1900.']]]"},
             {"_id": "lit-2", "question": "q", "answer": "a", "supporting_facts": "[('x', 0)", "context": "[]"}]
            """
        let path = try writeTemporary(Array(record.utf8), "literal.json")
        let result = try ingest("hotpotqa", path)
        #expect(result.samples.count == 1)
        let sample = try #require(result.samples.first)
        #expect(sample.documents.map(\.title) == ["Other", "Ann's book"])
        #expect(sample.documents.map(\.text) == ["Nothing here. Still 'nothing'.", "Ann wrote it.\n In 1900."])
        #expect(sample.documents.map(\.evidence) == [false, true])
        #expect(result.rejects.count == 1)
        #expect(try result.rejects.collected()[0].reason.hasPrefix("malformed Python literal in 'supporting_facts'"))
    }

    @Test func duReaderSelectedDocumentsAreEvidenceAndTestRecordsFollowTheOption() throws {
        let train = try ingest("dureader", TestPaths.data("dureader/search.train.json"), language: "zh")
        #expect(train.samples.count == 4)
        #expect(train.rejects.isEmpty)
        let first = train.samples[0]
        #expect(first.id == "91159")
        #expect(first.question == "微信分享链接打开app")
        #expect(first.answers.count == 3)
        #expect(first.documents.count == 5)
        #expect(first.documents[0].evidence && first.documents[0].text.split(separator: "\n").count == 11)
        #expect(first.language == "zh")
        // M4LE's dureader task joins the paragraphs with nothing: the same text, one line.
        let joined = try ingest("dureader", TestPaths.data("dureader/search.train.json"), "paragraphs: joined", language: "zh")
        #expect(joined.samples[0].documents[0].text == first.documents[0].text.replacingOccurrences(of: "\n", with: ""))
        #expect(!joined.samples.flatMap(\.documents).contains { $0.text.contains("\n") })

        let skipped = try ingest("dureader", TestPaths.data("dureader/search.test.json"), language: "zh")
        #expect(skipped.samples.isEmpty && skipped.skipped == ["unanswerable": 2])
        let kept = try ingest("dureader", TestPaths.data("dureader/search.test.json"), "unanswerable: keep", language: "zh")
        #expect(kept.samples.count == 2 && kept.noted == ["unanswerable kept": 2])
        #expect(kept.samples.allSatisfy { $0.answers.isEmpty && $0.meta["unanswerable"] == .bool(true) && !$0.documents.contains(where: \.evidence) })
    }

    @Test func looGLELongDependencyPairsWithTheirTypesAndEvidence() throws {
        let path = TestPaths.data("loogle/longdep_qa.jsonl")
        let result = try ingest("loogle", path)
        #expect(result.samples.count == 43)
        #expect(result.rejects.isEmpty)
        var types: [String: Int] = [:]
        for sample in result.samples { types[sample.meta["loogle_type"]?.stringValue ?? "none", default: 0] += 1 }
        #expect(types == ["comprehension_and_reasoning": 15, "multiple_information_retrieval": 15, "computation": 10, "timeline_reorder": 3])
        // The passages give the document back, and most pairs find their evidence spans.
        let firstLine = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")[0]
        let firstRecord = try JSONSerialization.jsonObject(with: Data(firstLine.utf8)) as! [String: Any]
        #expect(result.samples[0].documents.map(\.text).joined() == firstRecord["input"] as? String)
        #expect(result.samples.filter { $0.documents.contains(where: \.evidence) }.count >= 35)
        #expect(Set(result.samples.map(\.id)).count == 43)

        let cloze = try ingest("loogle", TestPaths.data("loogle/shortdep_cloze.jsonl"))
        #expect(cloze.samples.count == 94)
        #expect(cloze.samples[0].answers == ["Justin Timberlake", "Cerina Aragones", "Kentwood"])
        let summaries = try ingest("loogle", TestPaths.data("loogle/longdep_summarization.jsonl"))
        #expect(summaries.samples.isEmpty && summaries.skipped == ["no qa_pairs": 5])
    }

    @Test func jsonLinesFollowTheFieldMapping() throws {
        let twoWiki = try ingest("jsonl", TestPaths.data("longbench/2wikimqa.jsonl"), "fields: {id: _id, question: input, documents: context}")
        #expect(twoWiki.samples.count == 13)
        #expect(twoWiki.samples.allSatisfy { $0.documents.count == 1 && !$0.answers.isEmpty })

        let lines = [
            #"{"meta": {"key": 7}, "q": {"text": "Where?"}, "gold": [{"text": "Here"}], "passages": [{"name": "A", "body": "Here it is."}, {"name": "B", "body": "Not here."}]}"#,
            #"{"meta": {"key": 8}, "q": {"text": "When?"}, "gold": "Now", "passages": {"T": "Now is the time."}}"#,
            #"{"meta": {}, "q": {"text": "Who?"}, "gold": "Me", "passages": "x"}"#,
            #"{"meta": {"key": 9}, "q": {"text": 3}, "gold": "Me", "passages": "x"}"#,
        ]
        let path = try writeTemporary(Array(lines.joined(separator: "\n").utf8), "mapped.jsonl")
        let result = try ingest("jsonl", path, "fields: {id: meta.key, question: q.text, answers: gold, documents: passages, document_title: name, document_text: body}")
        #expect(result.samples.map(\.id) == ["7", "8"])
        #expect(result.samples[0].answers == ["Here"])
        #expect(result.samples[0].documents.map(\.title) == ["A", "B"])
        #expect(result.samples[1].documents == [Document(title: "T", text: "Now is the time.", evidence: true)])
        #expect(try result.rejects.collected().map(\.reason) == ["missing field: 'meta.key'", "wrong type: 'q.text' is not a string"])
        #expect(try result.rejects.collected().map(\.line) == [3, 4])
    }
}

@Suite struct CorpusFormatsTests {
    static let dump = "wiki_xml/enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"

    @Test func wikipediaSliceHasItsArticlesAndNoMarkup() throws {
        let result = try ingest("mediawiki", TestPaths.data(Self.dump))
        #expect(result.documents.count == 106)
        #expect(result.skipped == ["redirect": 99, "other namespace": 1])
        #expect(result.rejects.isEmpty)
        let anarchism = try #require(result.documents.first)
        #expect(anarchism.title == "Anarchism")
        #expect(anarchism.text.hasPrefix("Anarchism is a political philosophy that advocates self-governed societies based on voluntary institutions."))
        // Link text kept, headings as lines.
        #expect(anarchism.text.contains("although several authors have defined them more specifically as institutions based on non-hierarchical free associations."))
        #expect(anarchism.text.split(separator: "\n").contains("Etymology and terminology"))
        for document in result.documents {
            for leftover in ["{{", "[[", "]]", "<ref", "</ref>", "[[File:", "Category:", "&nbsp;", "'''", "<!--", "{|"] {
                #expect(!document.text.contains(leftover), "\(document.title) still has \(leftover)")
            }
        }
        let tables = try ingest("mediawiki", TestPaths.data("wiki_xml/enwiki-table-markup.xml.bz2"))
        #expect(!tables.documents.isEmpty)
        #expect(tables.documents.allSatisfy { !$0.text.contains("|-") && !$0.text.contains("{|") && !$0.text.contains("||") })
    }

    @Test func htmlPagesGiveTheirMainText() throws {
        let result = try ingest("html", TestPaths.data("wiki_html"))
        #expect(result.documents.map(\.title) == ["Hermitian matrix", "List of films featuring time loops", "Mozilla", "New Zealand"])
        let mozilla = result.documents[2]
        #expect(mozilla.text.hasPrefix("Mozilla is a free-software community, created in 1998 by members of Netscape."))
        for document in result.documents {
            for boilerplate in ["Jump to navigation", "Retrieved from", "[edit]", "Navigation menu", "Privacy policy", "^ ", "function("] {
                #expect(!document.text.contains(boilerplate), "\(document.title) has \(boilerplate)")
            }
            #expect(!document.text.contains("[1]"), "\(document.title) keeps reference marks")
        }
    }

    @Test func wikiTextSplitsIntoItsArticles() throws {
        let result = try ingest("text", TestPaths.data("wikitext2/wiki.test.raw"), "split: wikitext")
        #expect(result.documents.count == 60)
        #expect(result.documents.first?.title == "Robert Boulter")
        #expect(result.documents.last?.title == "The Hustler ( film )")
        let filter = try #require(result.documents.first { $0.title == "Constant k filter" })
        #expect(filter.text.contains("= 1 henry and capacitance C ="))
        // Section headings lose their marks; only those two formula pieces start with "= ".
        #expect(result.documents.flatMap { $0.text.split(separator: "\n") }.filter { $0.hasPrefix("= ") && $0.hasSuffix(" =") }.count == 2)
        let boulter = result.documents[0].text.split(separator: "\n")
        #expect(boulter.first?.hasPrefix("Robert Boulter is an English film , television and theatre actor .") == true)
        #expect(boulter.contains("Career"))

        // A folder: one document per file, titled by name, in name order; invalid UTF-8 rejected.
        let dir = TestPaths.temporaryDirectory()
        try FileSystem.writeAtomically(Array("Beta text.\n".utf8), to: dir + "/b.txt")
        try FileSystem.writeAtomically(Array("Alpha text.".utf8), to: dir + "/a.txt")
        try FileSystem.writeAtomically([0x41, 0xFF, 0x42], to: dir + "/c.txt")
        let folder = try ingest("text", dir)
        #expect(folder.documents.map(\.title) == ["a", "b"])
        #expect(try folder.rejects.count == 1 && folder.rejects.collected()[0].file.hasSuffix("/c.txt"))
    }
}
