import Foundation
import Testing
import LongweaveTestSupport
@testable import LongweaveIO

@Suite struct ByteSourceTests {
    let text = try! FileSystem.readAll(TestPaths.data("wikitext2/wiki.test.raw"))

    /// Compresses `bytes` with a command-line tool (`gzip -c`, `bzip2 -c`, `zstd -c`).
    func compressWithCLI(_ tool: String, _ bytes: [UInt8]) throws -> [UInt8] {
        // Through a file: a large stdin and stdout on pipes would deadlock runProcess.
        let input = try write(bytes, "input")
        let result = try runProcess("/usr/bin/env", [tool, "-c", input])
        #expect(result.status == 0, "\(tool): \(result.stderr)")
        return Array(result.stdout)
    }

    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = TestPaths.temporaryDirectory() + "/" + name
        try FileSystem.writeAtomically(bytes, to: path)
        return path
    }

    /// Reads through a tiny buffer so that every refill and drain path runs.
    func readInSmallPieces(_ path: String, piece: Int = 4093) throws -> [UInt8] {
        let source = try InputFile.open(path)
        var out: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: piece, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            let n = try source.read(into: buffer)
            if n == 0 { return out }
            out.append(contentsOf: buffer[0..<n])
        }
    }

    @Test(arguments: [("gzip", "gz"), ("bzip2", "bz2"), ("zstd", "zst")])
    func decompressesWhatTheCLIWrote(tool: String, suffix: String) throws {
        let path = try write(try compressWithCLI(tool, text), "wiki.raw.\(suffix)")
        #expect(try InputFile.readAll(path) == text)
        #expect(try readInSmallPieces(path) == text)
    }

    @Test(arguments: [("gzip", "gz"), ("bzip2", "bz2"), ("zstd", "zst")])
    func concatenatedStreamsAreOneFile(tool: String, suffix: String) throws {
        let half = text.count / 2
        let joined = try compressWithCLI(tool, Array(text[..<half])) + compressWithCLI(tool, Array(text[half...]))
        let path = try write(joined, "two.\(suffix)")
        #expect(try readInSmallPieces(path, piece: 65536) == text)
    }

    @Test(arguments: [("gzip", "gz"), ("bzip2", "bz2"), ("zstd", "zst")])
    func truncatedStreamIsAnErrorNamingTheFile(tool: String, suffix: String) throws {
        let compressed = try compressWithCLI(tool, text)
        let path = try write(Array(compressed[..<(compressed.count * 2 / 3)]), "cut.\(suffix)")
        do {
            _ = try InputFile.readAll(path)
            Issue.record("a truncated .\(suffix) file was read without error")
        } catch let error as IOError {
            #expect(error.description.contains(path))
            #expect(error.description.contains("truncated") || error.description.contains("not a valid"), "\(error)")
        }
    }

    @Test(arguments: ["gz", "bz2", "zst"])
    func garbageAndEmptyFilesAreErrors(suffix: String) throws {
        let garbage = try write(Array("this is plain text, not compressed\n".utf8), "plain.\(suffix)")
        #expect(throws: IOError.self) { try InputFile.readAll(garbage) }
        let empty = try write([], "empty.\(suffix)")
        #expect(throws: IOError.self) { try InputFile.readAll(empty) }
    }

    @Test func realWikipediaDumpMatchesBzip2() throws {
        let path = TestPaths.data("wiki_xml/enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2")
        let cli = try runProcess("/usr/bin/env", ["bzip2", "-dc", path])
        #expect(cli.status == 0)
        #expect(try InputFile.readAll(path) == Array(cli.stdout))
    }

    @Test func readAllStopsAtItsLimit() throws {
        let path = try write(try compressWithCLI("gzip", text), "wiki.gz")
        #expect(throws: IOError.self) { try InputFile.readAll(path, limit: 100_000) }
    }

    @Test func linesOfACompressedFile() throws {
        let path = try write(try compressWithCLI("bzip2", text), "wiki.raw.bz2")
        var count = 0
        try LineReader.forEachLine(in: path) { _, _ in count += 1 }
        #expect(count == text.filter { $0 == 0x0A }.count)
    }
}
