// The problems an RL run trains on: the built-in math world's (seeded; their plans let the checker
// measure true correctness for the report and give RLVR its ground truth), or a JSONL file of
// `{"problem": ...}` lines (no truth: true accuracy is not measured, and RLVR cannot run). The policy
// sees a problem as Stage I's generator does (StageOnePrompts.generator: numbered `Step k:` lines, an
// `Answer:` line), in its chat template when the checkpoint has one.

import Domain
import Foundation
import JSON

public struct RLPrompt: Sendable, Equatable {
    public var problem: String
    /// The world problem behind the text, when there is one.
    public var world: WorldProblem?

    public init(problem: String, world: WorldProblem? = nil) {
        self.problem = problem
        self.world = world
    }

    /// Whether `response` reaches the right final answer, by the world's checker; nil without a world
    /// problem. Never part of a reward but RLVR's.
    public func isCorrect(_ response: String) -> Bool? {
        world.map { StepChecker(problem: $0).judge(response).isFinalAnswerCorrect }
    }

    public static func world(count: Int, seed: UInt64, settings: WorldSettings = WorldSettings()) throws(RLError)
        -> [RLPrompt]
    {
        let generator: ProblemGenerator
        do { generator = try ProblemGenerator(settings: settings) } catch { throw .invalidInput(error.description) }
        return generator.problems(count: count, seed: seed).map { RLPrompt(problem: $0.text, world: $0) }
    }

    /// Lines of `{"problem": "..."}`; blank lines are skipped.
    public static func load(jsonl path: String) throws(RLError) -> [RLPrompt] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw .invalidInput("\(path): cannot read the prompt file")
        }
        var prompts: [RLPrompt] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.allSatisfy(\.isWhitespace) {
            guard let problem = (try? JSONValue.parse(String(line)))?.objectValue?["problem"]?.stringValue,
                !problem.isEmpty
            else { throw .invalidInput("\(path) line \(number + 1): expected {\"problem\": \"...\"}") }
            prompts.append(RLPrompt(problem: problem))
        }
        guard !prompts.isEmpty else { throw .invalidInput("\(path): no problems") }
        return prompts
    }
}
