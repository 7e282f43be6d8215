// Typed reads from a JSON object of a checkpoint file, each failure a `CheckpointError` that names
// the file, the key and what was found instead.

import JSON

enum JSONDocument {
    /// Reads and parses a JSON file; a missing, unreadable or malformed file is a `CheckpointError`.
    static func load(_ path: String) throws(CheckpointError) -> JSONValue {
        let bytes = try FileSystem.read(path)
        do {
            return try JSONValue.parse(bytes)
        } catch {
            throw CheckpointError(file: path, problem: error.description)
        }
    }
}

struct JSONReader {
    let object: JSONObject
    let file: String
    /// Prefix of key names in messages, for nested objects (`rope_parameters.`).
    let path: String

    init(_ value: JSONValue, file: String, path: String = "") throws(CheckpointError) {
        guard let object = value.objectValue else {
            throw CheckpointError(
                file: file, problem: "expected a JSON object at the top level, found \(value.kindName)")
        }
        self.object = object
        self.file = file
        self.path = path
    }

    func error(_ problem: String) -> CheckpointError { CheckpointError(file: file, problem: problem) }

    private func invalid(_ key: String, _ expected: String, _ found: JSONValue) -> CheckpointError {
        error("'\(path)\(key)' must be \(expected), found \(found.serialized)")
    }

    func positiveInt(_ key: String, default defaultValue: Int? = nil) throws(CheckpointError) -> Int {
        if let value = try optionalPositiveInt(key) { return value }
        if let defaultValue { return defaultValue }
        throw error("missing '\(path)\(key)' (a positive integer)")
    }

    func optionalPositiveInt(_ key: String) throws(CheckpointError) -> Int? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let int = value.intValue, int > 0 else { throw invalid(key, "a positive integer", value) }
        return int
    }

    func positiveDouble(_ key: String, default defaultValue: Double? = nil) throws(CheckpointError) -> Double {
        guard let value = object[key], !value.isNull else {
            if let defaultValue { return defaultValue }
            throw error("missing '\(path)\(key)' (a positive number)")
        }
        guard let double = value.doubleValue, double > 0, double.isFinite else {
            throw invalid(key, "a positive number", value)
        }
        return double
    }

    func bool(_ key: String, default defaultValue: Bool) throws(CheckpointError) -> Bool {
        guard let value = object[key], !value.isNull else { return defaultValue }
        guard let bool = value.boolValue else { throw invalid(key, "true or false", value) }
        return bool
    }

    func optionalString(_ key: String) throws(CheckpointError) -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let string = value.stringValue else { throw invalid(key, "a string", value) }
        return string
    }

    func optionalTokenId(_ key: String) throws(CheckpointError) -> Int32? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let id = value.intValue, id >= 0, id <= Int(Int32.max) else { throw invalid(key, "a token id", value) }
        return Int32(id)
    }

    /// A token id or a list of them (`eos_token_id` is either); absent or null gives [].
    func tokenIds(_ key: String) throws(CheckpointError) -> [Int32] {
        guard let value = object[key], !value.isNull else { return [] }
        let elements = value.arrayValue ?? [value]
        var ids: [Int32] = []
        for element in elements {
            guard let id = element.intValue, id >= 0, id <= Int(Int32.max) else {
                throw invalid(key, "a token id or a list of token ids", value)
            }
            ids.append(Int32(id))
        }
        return ids
    }
}
