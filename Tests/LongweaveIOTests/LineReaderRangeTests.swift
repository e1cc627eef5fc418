import Foundation
import Testing
import LongweaveTestSupport
@testable import LongweaveIO

@Suite struct LineReaderRangeTests {
    /// Adjacent byte ranges, cut anywhere (inside a line, on a newline, after it), deliver
    /// every line of a real file exactly once, at its true offset.
    @Test func byteRangesShareTheLinesOfAFile() throws {
        let path = TestPaths.data("longbench/2wikimqa.jsonl")
        let bytes = try FileSystem.readAll(path)
        var expected: [(offset: Int, line: [UInt8])] = []
        var start = 0
        for (i, byte) in bytes.enumerated() where byte == 0x0A {
            expected.append((start, Array(bytes[start..<i])))
            start = i + 1
        }
        if start < bytes.count { expected.append((start, Array(bytes[start...]))) }
        let newlines = bytes.indices.filter { bytes[$0] == 0x0A }
        var cutSets: [[Int]] = [[], [newlines[0]], [newlines[0] + 1], [newlines[2] - 1, newlines[2], newlines[2] + 1]]
        var random = SystemRandomNumberGenerator()
        for _ in 0..<20 { cutSets.append((0..<Int.random(in: 1...6, using: &random)).map { _ in Int.random(in: 0...bytes.count, using: &random) }) }
        for cuts in cutSets {
            let bounds = [0] + cuts.sorted() + [bytes.count]
            var found: [(offset: Int, line: [UInt8])] = []
            for k in 0..<(bounds.count - 1) {
                try LineReader.forEachLine(in: path, startingIn: bounds[k]..<bounds[k + 1]) { line, offset in found.append((offset, Array(line))) }
            }
            #expect(found.map(\.offset) == expected.map(\.offset), "cuts \(cuts)")
            #expect(found.map(\.line) == expected.map(\.line), "cuts \(cuts)")
        }
        #expect(throws: IOError.self) { try LineReader.forEachLine(in: TestPaths.data("hotpotqa/hotpot_dev_distractor_v1_100.json") + ".zst", startingIn: 0..<10) { _, _ in } }
    }
}
