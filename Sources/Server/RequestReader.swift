// Typed reads of a JSON request body, each failure a 400 that names the field, what it must be and
// what was found. Unknown fields are ignored, as OpenAI-compatible servers do; known fields with the
// wrong type are never silently coerced.

import JSON

struct RequestReader {
    let object: JSONObject
    /// Prefix of field names in messages, for nested objects (`messages[2].`).
    let path: String

    init(body: [UInt8]) throws(APIError) {
        let value: JSONValue
        do {
            value = try JSONValue.parse(body)
        } catch {
            throw .badRequest("the request body is not valid JSON: \(error.description)")
        }
        try self.init(value, path: "")
    }

    init(_ value: JSONValue, path: String) throws(APIError) {
        guard let object = value.objectValue else {
            throw .badRequest(
                path.isEmpty
                    ? "the request body must be a JSON object, found \(value.kindName)"
                    : "'\(path.dropLast())' must be an object, found \(value.kindName)",
                parameter: path.isEmpty ? nil : String(path.dropLast()))
        }
        self.object = object
        self.path = path
    }

    func has(_ key: String) -> Bool {
        guard let value = object[key] else { return false }
        return !value.isNull
    }

    func invalid(_ key: String, _ expected: String) -> APIError {
        let found = object[key].map { $0.kindName } ?? "nothing"
        return .badRequest("'\(path)\(key)' must be \(expected), found \(found)", parameter: path + key)
    }

    func string(_ key: String) throws(APIError) -> String? {
        guard has(key) else { return nil }
        guard let string = object[key]?.stringValue else { throw invalid(key, "a string") }
        return string
    }

    func bool(_ key: String) throws(APIError) -> Bool? {
        guard has(key) else { return nil }
        guard let bool = object[key]?.boolValue else { throw invalid(key, "true or false") }
        return bool
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws(APIError) -> Int? {
        guard has(key) else { return nil }
        guard let int = object[key]?.intValue else { throw invalid(key, "an integer") }
        guard range.contains(int) else {
            throw .badRequest(
                "'\(path)\(key)' must be between \(range.lowerBound) and \(range.upperBound), found \(int)",
                parameter: path + key)
        }
        return int
    }

    func double(_ key: String, in range: ClosedRange<Double>) throws(APIError) -> Double? {
        guard has(key) else { return nil }
        guard let double = object[key]?.doubleValue, double.isFinite else { throw invalid(key, "a number") }
        guard range.contains(double) else {
            throw .badRequest(
                "'\(path)\(key)' must be between \(range.lowerBound) and \(range.upperBound), found \(double)",
                parameter: path + key)
        }
        return double
    }

    /// A string or a list of strings (`stop`).
    func strings(_ key: String) throws(APIError) -> [String]? {
        guard has(key) else { return nil }
        switch object[key]! {
        case .string(let single): return [single]
        case .array(let values):
            var strings: [String] = []
            for value in values {
                guard let string = value.stringValue else { throw invalid(key, "a string or a list of strings") }
                strings.append(string)
            }
            return strings
        default: throw invalid(key, "a string or a list of strings")
        }
    }

    /// A list of token ids, each in 0 ..< limit.
    func tokenIds(_ value: JSONValue, _ field: String, limit: Int) throws(APIError) -> [Int32] {
        guard let values = value.arrayValue else {
            throw .badRequest(
                "'\(path)\(field)' must be a list of token ids, found \(value.kindName)", parameter: path + field)
        }
        var ids: [Int32] = []
        ids.reserveCapacity(values.count)
        for element in values {
            guard let id = element.intValue, id >= 0, id < limit else {
                throw .badRequest(
                    "'\(path)\(field)' holds \(element.serialized), not a token id in 0..<\(limit)",
                    parameter: path + field)
            }
            ids.append(Int32(id))
        }
        return ids
    }

    /// Fields this server knows but cannot honour: a request that sets one to anything but its
    /// neutral value is refused rather than silently served differently.
    func rejectUnsupported(_ neutral: [(String, JSONValue)]) throws(APIError) {
        for (key, neutralValue) in neutral where has(key) && object[key] != neutralValue {
            if let number = object[key]?.doubleValue, let neutralNumber = neutralValue.doubleValue,
                number == neutralNumber
            {
                continue
            }
            throw .badRequest("'\(path)\(key)' is not supported by this server (leave it out)", parameter: path + key)
        }
    }
}
