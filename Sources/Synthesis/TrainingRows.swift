// The lines of a method's output files, for one solution and its label:
// - `orm.jsonl`: `{"prompt": <ORM prompt>, "completion": "Yes" | "No"}`;
// - `prm.jsonl`: `{"prompt": <PRM prompt>, "completion": "Step 1: Correct\n…\nVerification: Is the answer
//   correct (Yes/No)? X"}`, the per-step lines and final line that RewardModelReply reads back;
// - `prm_cot.jsonl`: `{"prompt": <PRM prompt>, "completion": <the target verification>}`;
// - `trl.jsonl`: TRL's stepwise supervision, `{"prompt": problem, "completions": steps, "labels": [bool]}`,
//   only when the labels are as many as the solution's steps;
// - `labels.jsonl`: one line per solution, labelled or not.
// Prompts are RewardModelVariant's, byte for byte SPARK-FORMATS.md §1; prompt/completion is the layout
// SFT trainers (TRL's SFTTrainer among them) read.

import JSON
import Reward

enum TrainingRows {
    static func orm(_ problem: SynthesisProblem, _ solution: GeneratedSolution, _ label: MethodLabel) -> JSONValue? {
        guard let outcome = label.outcome else { return nil }
        return row(RewardModelVariant.orm.prompt(problem: problem.text, solution: solution.text), word(outcome))
    }

    static func prm(_ problem: SynthesisProblem, _ solution: GeneratedSolution, _ label: MethodLabel) -> JSONValue? {
        guard let steps = label.stepVerdicts, let outcome = label.outcome else { return nil }
        let lines = steps.enumerated().map {
            "Step \($0.offset + 1): \($0.element == .correct ? "Correct" : "Incorrect")"
        }
        let completion = (lines + ["Verification: Is the answer correct (Yes/No)? \(word(outcome))"])
            .joined(separator: "\n")
        return row(RewardModelVariant.prm.prompt(problem: problem.text, solution: solution.text), completion)
    }

    static func prmCoT(_ problem: SynthesisProblem, _ solution: GeneratedSolution, _ label: MethodLabel) -> JSONValue? {
        guard let target = label.target else { return nil }
        return row(RewardModelVariant.prmCoT.prompt(problem: problem.text, solution: solution.text), target)
    }

    static func trl(_ problem: SynthesisProblem, _ solution: GeneratedSolution, _ label: MethodLabel) -> JSONValue? {
        guard let steps = label.stepVerdicts, steps.count == solution.steps.count else { return nil }
        return .object([
            "prompt": .string(problem.text), "completions": .array(solution.steps.map { .string($0) }),
            "labels": .array(steps.map { .bool($0 == .correct) }),
        ])
    }

    static func label(_ problem: SynthesisProblem, _ solution: GeneratedSolution, _ label: MethodLabel) -> JSONValue {
        .object([
            "problem_id": .string(problem.id), "solution_index": .int(solution.index),
            "step_labels": label.stepVerdicts.map { .array($0.map { .string($0.rawValue) }) } ?? .null,
            "first_error": label.firstError.map { .int($0) } ?? .null,
            "outcome": label.outcome.map { .string($0.rawValue) } ?? .null,
        ])
    }

    private static func word(_ verdict: Verdict) -> String { verdict == .yes ? "Yes" : "No" }

    private static func row(_ prompt: String, _ completion: String) -> JSONValue {
        .object(["prompt": .string(prompt), "completion": .string(completion)])
    }
}
