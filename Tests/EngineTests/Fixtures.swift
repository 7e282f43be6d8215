import Foundation
import JSON
import Model
import Testing

/// Paths of the committed fixtures (made by scripts/make_model_fixtures.py from transformers).
enum Fixtures {
    static let root: String = {
        var path = #filePath
        for _ in 0..<2 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path + "/Fixtures"
    }()

    static func model(_ name: String) -> String { root + "/models/" + name }

    static func golden(_ name: String) throws -> Golden {
        let path = root + "/golden/" + name + ".json"
        let bytes = try FileReader.bytes(path)
        return try Golden(json: JSONValue.parse(bytes))
    }

    static let goldenModels = [
        "qwen2-gqa-tied", "qwen2-mqa-untied", "qwen2-odd", "llama-gqa", "llama-headdim", "qwen2-gqa-tied-bf16",
        "qwen2-gqa-tied-f16", "qwen2-mqa-untied-sharded",
    ]
}

/// One golden file: transformers' logits and greedy continuations for prompts of one checkpoint.
struct Golden {
    struct Case {
        let name: String
        let promptIds: [Int32]
        let text: String?
        let logitsPath: String
        let tolerance: Float
        let greedyIds: [Int32]
    }

    let modelDirectory: String
    let cases: [Case]

    init(json: JSONValue) throws {
        let object = try #require(json.objectValue)
        modelDirectory = Fixtures.root + "/" + (try #require(object["model_dir"]?.stringValue))
        cases = try (try #require(object["cases"]?.arrayValue)).map { value in
            let item = try #require(value.objectValue)
            return Case(
                name: try #require(item["name"]?.stringValue),
                promptIds: try #require(item["prompt_ids"]?.arrayValue).map { Int32(try #require($0.intValue)) },
                text: item["text"]?.stringValue,
                logitsPath: Fixtures.root + "/golden/" + (try #require(item["logits"]?.stringValue)),
                tolerance: Float(try #require(item["tolerance"]?.doubleValue)),
                greedyIds: try #require(item["greedy_ids"]?.arrayValue).map { Int32(try #require($0.intValue)) })
        }
    }
}

enum FileReader {
    struct Missing: Error, CustomStringConvertible {
        let path: String
        var description: String { "cannot read \(path)" }
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw Missing(path: path) }
        return [UInt8](data)
    }
}
