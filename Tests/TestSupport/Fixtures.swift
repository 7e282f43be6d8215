// Paths and readers of the committed fixtures (tiny checkpoints and transformers goldens, made by
// scripts/make_model_fixtures.py), shared by the test targets.

import Foundation
import JSON
import Model

public enum Fixtures {
    public static let root: String = {
        var path = #filePath
        for _ in 0..<2 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path + "/Fixtures"
    }()

    public static func model(_ name: String) -> String { root + "/models/" + name }

    public static func golden(_ name: String) throws -> Golden {
        let path = root + "/golden/" + name + ".json"
        let bytes = try FileReader.bytes(path)
        return try Golden(json: JSONValue.parse(bytes))
    }

    public static let goldenModels = [
        "qwen2-gqa-tied", "qwen2-mqa-untied", "qwen2-odd", "llama-gqa", "llama-headdim", "qwen2-gqa-tied-bf16",
        "qwen2-gqa-tied-f16", "qwen2-mqa-untied-sharded",
    ]
}

/// One golden file: transformers' logits and greedy continuations for prompts of one checkpoint.
public struct Golden: Sendable {
    public struct Case: Sendable {
        public let name: String
        public let promptIds: [Int32]
        public let text: String?
        public let logitsPath: String
        public let tolerance: Float
        public let greedyIds: [Int32]
    }

    public struct Malformed: Error, CustomStringConvertible {
        public let description: String
    }

    public let modelDirectory: String
    public let cases: [Case]

    init(json: JSONValue) throws {
        func required<Value>(_ value: Value?, _ what: String) throws -> Value {
            guard let value else { throw Malformed(description: "golden file: missing or mistyped \(what)") }
            return value
        }
        func ids(_ value: JSONValue?, _ what: String) throws -> [Int32] {
            try required(value?.arrayValue, what).map { Int32(try required($0.intValue, what)) }
        }
        let object = try required(json.objectValue, "top-level object")
        modelDirectory = Fixtures.root + "/" + (try required(object["model_dir"]?.stringValue, "model_dir"))
        cases = try required(object["cases"]?.arrayValue, "cases").map { value in
            let item = try required(value.objectValue, "case")
            return Case(
                name: try required(item["name"]?.stringValue, "name"),
                promptIds: try ids(item["prompt_ids"], "prompt_ids"),
                text: item["text"]?.stringValue,
                logitsPath: Fixtures.root + "/golden/" + (try required(item["logits"]?.stringValue, "logits")),
                tolerance: Float(try required(item["tolerance"]?.doubleValue, "tolerance")),
                greedyIds: try ids(item["greedy_ids"], "greedy_ids"))
        }
    }
}

public enum FileReader {
    public struct Missing: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "cannot read \(path)" }
    }

    public static func bytes(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw Missing(path: path) }
        return [UInt8](data)
    }
}

/// The largest absolute difference between two arrays of logits.
public func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).map { abs($0 - $1) }.max() ?? 0
}
