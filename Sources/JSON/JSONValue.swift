// A JSON document as a Swift value: what configs, tokenizer files and HTTP bodies are read into,
// and what responses are built from. Objects keep their keys in document order, so that what the
// project writes reads in the order it was built.

public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The value's kind as a JSON Schema would name it, for error messages.
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int: "an integer"
        case .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    public var objectValue: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let array) = self { return array }
        return nil
    }

    public var stringValue: String? {
        if case .string(let string) = self { return string }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let bool) = self { return bool }
        return nil
    }

    /// Integers, and numbers written with a fraction or exponent that are whole (`2.0`, `1e3`).
    public var intValue: Int? {
        switch self {
        case .int(let int): return int
        case .double(let double):
            guard double.rounded() == double, abs(double) < 9.0e15 else { return nil }
            return Int(double)
        default: return nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let int): return Double(int)
        case .double(let double): return double
        default: return nil
        }
    }

    public var isNull: Bool { self == .null }
}

/// A JSON object: key-value pairs in document order, with lookup by key (the last of duplicate keys
/// wins, as in most parsers).
public struct JSONObject: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    public private(set) var pairs: [(key: String, value: JSONValue)] = []
    private var indexByKey: [String: Int] = [:]

    public init() {}

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        for (key, value) in elements { self[key] = value }
    }

    public subscript(key: String) -> JSONValue? {
        get { indexByKey[key].map { pairs[$0].value } }
        set {
            if let index = indexByKey[key] {
                if let newValue {
                    pairs[index].value = newValue
                } else {
                    pairs.remove(at: index)
                    indexByKey = Dictionary(
                        uniqueKeysWithValues: pairs.enumerated().map { ($0.element.key, $0.offset) })
                }
            } else if let newValue {
                indexByKey[key] = pairs.count
                pairs.append((key, newValue))
            }
        }
    }

    public var keys: [String] { pairs.map(\.key) }
    public var count: Int { pairs.count }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.pairs.count == rhs.pairs.count
            && zip(lhs.pairs, rhs.pairs).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}
