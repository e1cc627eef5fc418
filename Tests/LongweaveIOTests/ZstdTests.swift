import Foundation
import Testing
import LongweaveTestSupport
@testable import LongweaveIO

@Suite struct ZstdTests {
    func compress(_ bytes: [UInt8], level: Int32 = 3) throws -> [UInt8] {
        let compressor = try ZstdCompressor(level: level)
        var out: [UInt8] = []
        try bytes.withUnsafeBytes { raw in try compressor.compress(raw) { out.append(contentsOf: $0) } }
        try compressor.finish { out.append(contentsOf: $0) }
        return out
    }

    func decompressFile(_ path: String) throws -> [UInt8] {
        var out: [UInt8] = []
        try InputFile.forEachChunk(path) { out.append(contentsOf: $0) }
        return out
    }

    @Test func roundTripThroughTheCLI() throws {
        let text = try FileSystem.readAll(TestPaths.data("wikitext2/wiki.test.raw"))
        let compressed = try compress(text, level: 10)
        #expect(compressed.count < text.count / 2)
        let dir = TestPaths.temporaryDirectory()
        let path = dir + "/wiki.zst"
        try FileSystem.writeAtomically(compressed, to: path)
        #expect(try decompressFile(path) == text)
        let cli = try runProcess("/usr/bin/env", ["zstd", "-dc", path])
        #expect(cli.status == 0)
        #expect(Array(cli.stdout) == text)
    }

    @Test func truncatedAndForeignFilesAreErrors() throws {
        let dir = TestPaths.temporaryDirectory()
        let compressed = try compress(Array(repeating: UInt8(ascii: "x"), count: 100_000) + Array("tail".utf8))
        try FileSystem.writeAtomically(Array(compressed.dropLast(5)), to: dir + "/cut.zst")
        #expect { try decompressFile(dir + "/cut.zst") } throws: { ($0 as? IOError)?.message.contains("truncated") == true }
        try FileSystem.writeAtomically(Array("not zstd at all".utf8), to: dir + "/plain.zst")
        #expect { try decompressFile(dir + "/plain.zst") } throws: { ($0 as? IOError)?.message.contains("not a valid zstd stream") == true }
        try FileSystem.writeAtomically([], to: dir + "/empty.zst")
        #expect(throws: IOError.self) { try decompressFile(dir + "/empty.zst") }
    }
}

@Suite struct ShardWriterTests {
    /// Records from the real WikiText-2 test split, one JSON object per line.
    func records() throws -> [[UInt8]] {
        let text = try FileSystem.readAll(TestPaths.data("wikitext2/wiki.test.raw"))
        var records: [[UInt8]] = []
        var writer = JSONWriter()
        try LineReader.forEachLine(in: TestPaths.data("wikitext2/wiki.test.raw")) { line, number in
            guard line.count > 0 else { return }
            writer.reset()
            writer.beginObject(); writer.key("line"); writer.int(number); writer.key("text"); writer.string(utf8: line); writer.endObject()
            writer.newline()
            records.append(writer.bytes)
        }
        #expect(!text.isEmpty)
        return records
    }

    @Test func rotatesOnRecordCount() throws {
        let dir = TestPaths.temporaryDirectory()
        let all = try records()
        let writer = try ShardWriter(directory: dir + "/all", relativeDirectory: "all",
                                     limits: ShardLimits(maxRecords: 1000, maxBytes: 1 << 30), zstdLevel: 3)
        for record in all { try writer.write(record: record) }
        let shards = try writer.finish()
        #expect(shards.count == (all.count + 999) / 1000)
        #expect(shards.dropLast().allSatisfy { $0.records == 1000 })
        #expect(shards.reduce(0) { $0 + $1.records } == all.count)
        #expect(shards.map(\.path) == shards.indices.map { "all/" + ShardWriter.shardName($0) })
        var joined: [UInt8] = []
        for shard in shards {
            let path = dir + "/" + shard.path
            let (sha, size) = try Digest.sha256Hex(ofFile: path)
            #expect(sha == shard.sha256)
            #expect(size == shard.compressedBytes)
            try InputFile.forEachChunk(path) { joined.append(contentsOf: $0) }
        }
        #expect(joined == Array(all.joined()))
    }

    @Test func rotatesOnRealCompressedBytes() throws {
        let dir = TestPaths.temporaryDirectory()
        let all = try records()
        let cap = 64 * 1024
        let writer = try ShardWriter(directory: dir, relativeDirectory: "", limits: ShardLimits(maxRecords: 1_000_000, maxBytes: cap), zstdLevel: 19)
        for record in all { try writer.write(record: record) }
        let shards = try writer.finish()
        #expect(shards.count > 3)
        for shard in shards {
            #expect(try FileSystem.size(dir + "/" + shard.path) == shard.compressedBytes)
            #expect(shard.compressedBytes <= cap)
        }
        // Full shards are not wastefully small: each holds more than half the cap.
        #expect(shards.dropLast().allSatisfy { $0.compressedBytes > cap / 2 })
        let status = try runProcess("/usr/bin/env", ["zstd", "-tq"] + shards.map { dir + "/" + $0.path }).status
        #expect(status == 0)
    }

    @Test func shardsAppearOnlyWhenComplete() throws {
        let dir = TestPaths.temporaryDirectory()
        let writer = try ShardWriter(directory: dir, relativeDirectory: "", limits: ShardLimits(maxRecords: 2, maxBytes: 1 << 20), zstdLevel: 3)
        try writer.write(record: Array("{\"a\":1}\n".utf8))
        #expect(try FileSystem.list(dir) == [".part-00000.jsonl.zst.tmp"])
        try writer.write(record: Array("{\"a\":2}\n".utf8))
        try writer.write(record: Array("{\"a\":3}\n".utf8))
        #expect(try FileSystem.list(dir) == [".part-00001.jsonl.zst.tmp", "part-00000.jsonl.zst"])
        _ = try writer.finish()
        #expect(try FileSystem.list(dir) == ["part-00000.jsonl.zst", "part-00001.jsonl.zst"])
    }

    @Test func outputIsTheSameBytesEveryTime() throws {
        let all = try records()
        var digests: [[String]] = []
        for _ in 0..<2 {
            let dir = TestPaths.temporaryDirectory()
            let writer = try ShardWriter(directory: dir, relativeDirectory: "", limits: ShardLimits(maxRecords: 500, maxBytes: 100_000), zstdLevel: 5)
            for record in all { try writer.write(record: record) }
            digests.append(try writer.finish().map(\.sha256))
        }
        #expect(digests[0] == digests[1])
    }
}

@Suite struct LineReaderTests {
    @Test func linesAcrossChunksAndAFinalLineWithoutNewline() throws {
        var splitter = LineSplitter(maxLineBytes: 100)
        var lines: [String] = []
        let text = Array("ab\ncd".utf8) + Array("ef\n\ngh".utf8)
        for chunk in [Array(text[0..<4]), Array(text[4..<7]), Array(text[7...])] {
            try chunk.withUnsafeBytes { raw in
                try splitter.feed(raw, path: "t") { line, n in lines.append("\(n):" + String(decoding: line, as: UTF8.self)) }
            }
        }
        try splitter.finish { line, n in lines.append("\(n):" + String(decoding: line, as: UTF8.self)) }
        #expect(lines == ["1:ab", "2:cdef", "3:", "4:gh"])
    }

    @Test func aLineLongerThanTheBoundIsAnError() throws {
        let dir = TestPaths.temporaryDirectory()
        try FileSystem.writeAtomically(Array("short\n".utf8) + Array(repeating: UInt8(ascii: "x"), count: 5000) + [0x0A], to: dir + "/long.jsonl")
        #expect { try LineReader.forEachLine(in: dir + "/long.jsonl", maxLineBytes: 1000) { _, _ in } }
            throws: { ($0 as? IOError)?.message == "line 2 is longer than 1000 bytes" }
    }

    @Test func countsLinesOfARealFile() throws {
        let path = TestPaths.data("longbench/hotpotqa.jsonl")
        var count = 0
        try LineReader.forEachLine(in: path) { _, _ in count += 1 }
        let expected = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast().count
        #expect(count == expected)
    }
}
