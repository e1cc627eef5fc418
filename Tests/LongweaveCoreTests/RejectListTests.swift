import LongweaveCore
import Testing

@Suite struct RejectListTests {
    /// Past the few thousand kept in memory, rejects go to a temporary file and come back
    /// whole and in order (reason, ids, quotes and newlines included).
    @Test func rejectsPastMemoryComeBackInOrder() throws {
        var list = RejectList()
        let total = 10_000
        for i in 0..<total {
            list.append(Reject(file: "in.jsonl", line: i + 1, record: i, reason: "malformed JSON: \"line\" \(i)\nnext", id: i % 3 == 0 ? nil : "id\(i)"))
        }
        #expect(list.count == total && list.first?.line == 1 && !list.onlyFieldErrors)
        let back = try list.collected()
        #expect(back.count == total)
        for (i, reject) in back.enumerated() {
            #expect(reject == Reject(file: "in.jsonl", line: i + 1, record: i, reason: "malformed JSON: \"line\" \(i)\nnext", id: i % 3 == 0 ? nil : "id\(i)"))
            if reject.line != i + 1 { break }
        }
        var copy = RejectList()
        try copy.append(contentsOf: list)
        #expect(try copy.collected().last?.record == total - 1)
    }
}
