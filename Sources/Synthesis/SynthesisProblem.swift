// The problems a Stage I run starts from: the built-in world's, or a user's JSONL file with one
// `{"problem": text, "answer"?: text or number, "id"?: text or number}` per line. The answer is read
// only by the reference-guided method; a world problem also keeps its plan, for the ground-truth
// figures of the stats file.

import Domain
import JSON
import Model

public struct SynthesisProblem: Sendable, Equatable {
    public let id: String
    public let text: String
    public let answer: String?
    /// The world problem behind the text, when the run generated it.
    public let world: WorldProblem?

    public init(id: String, text: String, answer: String?, world: WorldProblem? = nil) {
        self.id = id
        self.text = text
        self.answer = answer
        self.world = world
    }

    public init(world: WorldProblem) {
        self.init(id: world.id, text: world.text, answer: String(world.answer), world: world)
    }

    /// The same problem with its answer and ground truth removed.
    public var withoutAnswer: SynthesisProblem { SynthesisProblem(id: id, text: text, answer: nil) }

    public static func load(_ path: String) throws(SynthesisError) -> [SynthesisProblem] {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.read(path)
        } catch {
            throw .file(path: error.file, reason: error.problem)
        }
        var problems: [SynthesisProblem] = []
        for (index, line) in bytes.split(separator: 10, omittingEmptySubsequences: false).enumerated()
        where !line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) {
            let number = index + 1
            func bad(_ reason: String) -> SynthesisError { .badLine(file: path, line: number, reason: reason) }
            let value: JSONValue
            do {
                value = try JSONValue.parse(line)
            } catch {
                throw bad(error.description)
            }
            guard let object = value.objectValue else { throw bad("expected a JSON object, found \(value.kindName)") }
            guard let text = object["problem"]?.stringValue, !text.isEmpty else {
                throw bad("field 'problem' must be a non-empty string")
            }
            let answer = try scalarText(object["answer"], field: "answer", bad)
            let id = try scalarText(object["id"], field: "id", bad) ?? String(number)
            problems.append(SynthesisProblem(id: id, text: text, answer: answer))
        }
        guard !problems.isEmpty else { throw .file(path: path, reason: "no problems") }
        return problems
    }

    /// A string, or a number written as it stands in the file; nil when the field is absent or null.
    private static func scalarText(
        _ value: JSONValue?, field: String, _ bad: (String) -> SynthesisError
    ) throws(SynthesisError) -> String? {
        guard let value, !value.isNull else { return nil }
        if let text = value.stringValue { return text }
        if value.doubleValue != nil { return value.serialized }
        throw bad("field '\(field)' must be a string or a number, found \(value.kindName)")
    }
}
