/// A parsed JSON value. Objects keep their members in file order.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The member named `key` of an object, or nil.
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var numberValue: Double? {
        if case .number(let n) = self { return n }
        return nil
    }

    /// The number when it is a whole number that fits an `Int` (never a trap on `1e400`).
    public var intValue: Int? {
        guard case .number(let n) = self, n.isFinite, n == n.rounded(), abs(n) < 9.0e15 else { return nil }
        return Int(n)
    }

    /// The JSON type's name, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// A JSON object's members in file order. Lookups are linear for the handful of keys
/// that records have; large objects (a tokenizer's vocabulary) get a hash index.
public struct JSONObject: Sendable, Equatable {
    /// One array of pairs rather than two arrays: half the allocations per parsed object.
    public private(set) var members: [(key: String, value: JSONValue)]
    private var index: [String: Int]?
    private static let indexThreshold = 16

    public init(_ members: [(String, JSONValue)] = []) {
        self.members = []
        self.members.reserveCapacity(members.count)
        for (key, value) in members { set(key, value) }
    }

    /// An empty object with room for `capacity` members (the parser's guess for a record).
    init(reservingCapacity capacity: Int) {
        members = []
        members.reserveCapacity(capacity)
    }

    /// The keys in file order.
    public var keys: [String] { members.map(\.key) }
    /// The values in file order.
    public var values: [JSONValue] { members.map(\.value) }

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        return members.firstIndex { $0.key == key }
    }

    public subscript(key: String) -> JSONValue? {
        guard let i = position(of: key) else { return nil }
        return members[i].value
    }

    /// Replaces the value of `key`, or appends the member.
    public mutating func set(_ key: String, _ value: JSONValue) {
        if let i = position(of: key) {
            members[i].value = value
            return
        }
        members.append((key, value))
        if index != nil {
            index![key] = members.count - 1
        } else if members.count > Self.indexThreshold {
            index = Dictionary(zip(members.map(\.key), members.indices), uniquingKeysWith: { first, _ in first })
        }
    }

    public var count: Int { members.count }

    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.members.count == b.members.count && zip(a.members, b.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

extension JSONWriter {
    /// Writes any `JSONValue`, members in their stored order.
    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let b): bool(b)
        case .number(let n): double(n)
        case .string(let s): string(s)
        case .array(let items):
            beginArray()
            for item in items { self.value(item) }
            endArray()
        case .object(let object):
            beginObject()
            for (k, v) in object.members {
                key(k)
                self.value(v)
            }
            endObject()
        }
    }
}
