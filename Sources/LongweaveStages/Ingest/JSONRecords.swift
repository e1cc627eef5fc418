#if canImport(Glibc)
import Glibc
#endif
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
        _ input: InputSpec, into result: inout IngestResult,
        convert: (Located, inout IngestResult) -> Void
    ) throws {
        let bytes = try InputFile.readAll(input.resolvedPath)
        try bytes.withUnsafeBytes { whole in
            // A UTF-8 byte order mark is not part of the JSON.
            let raw = whole.starts(with: [0xEF, 0xBB, 0xBF]) ? UnsafeRawBufferPointer(rebasing: whole[3...]) : whole
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
                        result.rejects.append(Reject(file: input.path, line: line, record: record,
                                                     reason: "malformed JSON: \(problem.message) (line \(problemLine))"))
                    }
                }
            } catch let error as JSONSyntaxError {
                let (line, column) = JSONSyntaxError.location(of: error.offset, in: raw)
                result.rejects.append(Reject(file: input.path, line: line, record: record,
                                             reason: "malformed JSON: \(error.message) at line \(line), column \(column); the rest of the file cannot be read"))
            }
        }
    }
}

/// Reads JSON Lines (decompressing `.zst`, `.gz`, `.bz2`), one record per line: malformed
/// lines and lines past `max_line_bytes` are rejects, and reading goes on where it can.
enum JSONLines {
    /// The key every JSON-lines format takes.
    static let maxLineBytesParameter = ParameterSpec("max_line_bytes", .byteSize, default: .int(64 << 20),
                                                     doc: "a longer line is rejected and skipped, memory stays bounded")

    static func read(
        _ input: InputSpec, into result: inout IngestResult,
        convert: (JSONRecords.Located, inout IngestResult) -> Void
    ) throws {
        var record = 0
        let limit = input.options.int("max_line_bytes")
        // An over-long line is a reject; reading goes on after it without holding it.
        var overlong: [(line: Int, record: Int)] = []
        try LineReader.forEachLine(in: input.resolvedPath, maxLineBytes: limit, onOverlong: { number in
            overlong.append((number, record))
            record += 1
        }) { line, number in
            // A UTF-8 byte order mark before the first record is not part of it.
            let line = number == 1 && line.starts(with: [0xEF, 0xBB, 0xBF]) ? UnsafeRawBufferPointer(rebasing: line[3...]) : line
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }
            defer { record += 1 }
            var parser = JSONParser(bytes: line)
            do {
                let value = try parser.parseDocument()
                convert(JSONRecords.Located(value: value, key: nil, line: number, record: record), &result)
            } catch let error as JSONSyntaxError {
                result.rejects.append(Reject(file: input.path, line: number, record: record,
                                             reason: "malformed JSON: \(error.message) at byte \(error.offset + 1)"))
            }
        }
        for (line, record) in overlong {
            result.rejects.append(Reject(file: input.path, line: line, record: record,
                                         reason: "line too long: more than \(limit) bytes (max_line_bytes); skipped"))
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
        let end = min(target, bytes.count)
        // Newline to newline with memchr.
        while offset < end, let hit = memchr(bytes.baseAddress! + offset, 0x0A, end - offset) {
            line += 1
            offset = UnsafeRawPointer(hit) - bytes.baseAddress! + 1
        }
        offset = max(offset, end)
        return line
    }
}

/// Field access that explains what is missing, for reject reasons.
struct FieldError: Error {
    var reason: String

    /// The string in field `key`, whose value (nil when absent) is `value`.
    static func requiredString(_ value: JSONValue?, _ key: String) throws(FieldError) -> String {
        guard let value else { throw FieldError(reason: "missing field: '\(key)'") }
        guard case .string(let s) = value else { throw FieldError(reason: "wrong type: field '\(key)' is \(value.typeName), expected string") }
        return s
    }
}

extension JSONValue {
    /// Checks that a record is an object before its fields are read.
    func requireObject() throws(FieldError) {
        guard case .object = self else { throw FieldError(reason: "wrong type: record is \(typeName), expected object") }
    }

    func requiredString(_ key: String) throws(FieldError) -> String {
        try FieldError.requiredString(self[key], key)
    }

    /// A field that may also hold a Python-literal string of the same structure (some
    /// redistributions of HotpotQA and LooGLE store lists that way).
    /// A string, or an integer-valued number as its digits (ids such as DuReader's `question_id`).
    /// An id as text: a string, or a whole number that a Double holds exactly (below 2^53),
    /// written as its digits. Other numbers (`0.5`, `1e999`, `9007199254740993`, which a
    /// Double would round) are no id: a record needs them as strings.
    var idText: String? {
        if case .number(let n) = self { return n.isFinite && n == n.rounded() && abs(n) < 9_007_199_254_740_992 ? String(Int(n)) : nil }
        return stringValue
    }

    func requiredArrayOrLiteral(_ key: String) throws(FieldError) -> [JSONValue] {
        guard case .string(let literal) = self[key] else { return try requiredArray(key) }
        var parser = PythonLiteralParser(literal)
        let parsed: JSONValue
        do { parsed = try parser.parse() } catch { throw FieldError(reason: "malformed Python literal in '\(key)': \(error)") }
        guard case .array(let a) = parsed else { throw FieldError(reason: "wrong type: field '\(key)' holds a \(parsed.typeName) literal, expected a list") }
        return a
    }

    func requiredArray(_ key: String) throws(FieldError) -> [JSONValue] {
        guard let value = self[key] else { throw FieldError(reason: "missing field: '\(key)'") }
        guard case .array(let a) = value else { throw FieldError(reason: "wrong type: field '\(key)' is \(value.typeName), expected array") }
        return a
    }
}
