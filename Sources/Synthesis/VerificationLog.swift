// The lines of `verifications.jsonl`: every verifier reply of a run with what it was about and what it
// says, so that a run's labels can be traced back to the texts they came from.

import JSON
import Reward

struct VerificationLog {
    private(set) var lines: [JSONValue] = []

    /// `kind` "verification" or "reference": the replies of each solution, numbered from 0.
    mutating func add(
        _ texts: [[String]], kind: String, solutions: [GeneratedSolution], problems: [SynthesisProblem]
    ) {
        for (solution, replies) in zip(solutions, texts) {
            for (index, text) in replies.enumerated() {
                lines.append(line(kind: kind, of: nil, index: index, text: text, solution, problems))
            }
        }
    }

    /// The critique and merge of each solution that had a source verification for `method`.
    mutating func add(
        _ pairs: [(critique: String, merged: String)?], method: SynthesisMethod, solutions: [GeneratedSolution],
        problems: [SynthesisProblem]
    ) {
        for (solution, pair) in zip(solutions, pairs) {
            guard let pair else { continue }
            lines.append(line(kind: "critique", of: method, index: 0, text: pair.critique, solution, problems))
            lines.append(line(kind: "merge", of: method, index: 0, text: pair.merged, solution, problems))
        }
    }

    private func line(
        kind: String, of method: SynthesisMethod?, index: Int, text: String, _ solution: GeneratedSolution,
        _ problems: [SynthesisProblem]
    ) -> JSONValue {
        var object: JSONObject = [
            "problem_id": .string(problems[solution.problemIndex].id), "solution_index": .int(solution.index),
            "kind": .string(kind),
        ]
        if let method { object["method"] = .string(method.rawValue) }
        object["index"] = .int(index)
        object["text"] = .string(text)
        if kind != "critique" {
            let reply = RewardModelReply(parsing: text, variant: .prmCoT)
            object["step_verdicts"] = .array(reply.stepVerdicts.map { .string($0.rawValue) })
            object["outcome"] = reply.outcome.map { .string($0.rawValue) } ?? .null
        }
        return .object(object)
    }
}
