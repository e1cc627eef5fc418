import LongweaveCore
import LongweaveIO

/// Reads the records of a JSON file whose top level is an array (or an object of
/// records), handing each to a converter; bad records become rejects.
enum JSONRecords {
    /// One record, located in its file.
    struct Located {
        var value: JSONValue
        /// The member name when the top level is an object.
        var key: String?
        var line: Int
        var record: Int
    }

    /// Calls `convert` for each well-formed record. A record with invalid UTF-8 or a
    /// lone surrogate is a reject; a syntax error that breaks the file is a reject
    /// that says the rest is unreadable (the records before it are kept).
    static func read(
        _ input: InputSpec, stage: String, into result: inout IngestResult,
        convert: (Located, inout IngestResult) -> Void
    ) throws {
        let bytes = try FileSystem.readAll(input.resolvedPath)
        try bytes.withUnsafeBytes { raw in
            var parser = JSONParser(bytes: raw)
            var lineCounter = LineCounter(bytes: raw)
            var record = 0
            do {
                try parser.forEachTopLevelElement { element in
                    let line = lineCounter.line(at: element.offset)
                    defer { record += 1 }
                    switch element.value {
                    case .success(let value):
                        convert(Located(value: value, key: element.key, line: line, record: record), &result)
                    case .failure(let problem):
                        let problemLine = lineCounter.line(at: problem.offset)
                        result.rejects.append(Reject(file: input.path, line: line, record: record, stage: stage,
                                                     reason: "malformed JSON: \(problem.message) (line \(problemLine))"))
                    }
                }
            } catch let error as JSONSyntaxError {
                let (line, column) = JSONSyntaxError.location(of: error.offset, in: raw)
                result.rejects.append(Reject(file: input.path, line: line, record: record, stage: stage,
                                             reason: "malformed JSON: \(error.message) at line \(line), column \(column); the rest of the file cannot be read"))
            }
        }
    }
}

/// Turns increasing byte offsets into line numbers in one pass over the file.
struct LineCounter {
    let bytes: UnsafeRawBufferPointer
    private var offset = 0
    private var line = 1

    init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    mutating func line(at target: Int) -> Int {
        if target < offset {
            offset = 0
            line = 1
        }
        while offset < min(target, bytes.count) {
            if bytes[offset] == 0x0A { line += 1 }
            offset += 1
        }
        return line
    }
}

/// Field access that explains what is missing, for reject reasons.
struct FieldError: Error {
    var reason: String
}

extension JSONValue {
    func requiredString(_ key: String) throws(FieldError) -> String {
        guard let value = self[key] else { throw FieldError(reason: "missing field: '\(key)'") }
        guard case .string(let s) = value else { throw FieldError(reason: "wrong type: field '\(key)' is \(value.typeName), expected string") }
        return s
    }

    func requiredArray(_ key: String) throws(FieldError) -> [JSONValue] {
        guard let value = self[key] else { throw FieldError(reason: "missing field: '\(key)'") }
        guard case .array(let a) = value else { throw FieldError(reason: "wrong type: field '\(key)' is \(value.typeName), expected array") }
        return a
    }
}
