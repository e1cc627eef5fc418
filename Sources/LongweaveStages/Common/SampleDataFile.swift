import LongweaveCore
import LongweaveIO

/// A pipeline's own JSON Lines data file keyed by sample id (confusing facts, answer
/// keywords), read once when its stage is built: `{"_id" (or "id"): ..., ...}` per line.
enum SampleDataFile {
    /// Calls `body` with each line's id and record; `body` returns nil to accept it or what is
    /// wrong with it. The first problem stops the reading and is thrown as `shown:line: ...`;
    /// a line that is no JSON object with an id is `shown:line: expected <expected>`.
    static func forEachRecord(_ path: String, shownAs shown: String, expected: String,
                              _ body: (_ id: String, _ record: JSONValue) -> String?) throws {
        var problem: StageSetupError?
        try LineReader.forEachLine(in: path, maxLineBytes: 1 << 24, onOverlong: { _ in }) { line, number in
            guard problem == nil, !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) else { return }
            var parser = JSONParser(bytes: line)
            guard let record = try? parser.parseDocument(), let id = record["_id"]?.stringValue ?? record["id"]?.stringValue else {
                problem = StageSetupError("\(shown):\(number): expected \(expected)")
                return
            }
            if let wrong = body(id, record) { problem = StageSetupError("\(shown):\(number): \(wrong)") }
        }
        if let problem { throw problem }
    }
}

extension StageSetupError {
    /// The result of reading a stage's data file; an error other than a stage setup error is
    /// reported under the key that named the file (`path: no such file`).
    static func reading<T>(_ key: String, _ read: () throws -> T) throws(StageSetupError) -> T {
        do {
            return try read()
        } catch let error as StageSetupError {
            throw error
        } catch {
            throw StageSetupError("\(key): \(error)")
        }
    }
}
