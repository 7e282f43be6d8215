// The recipe's verifier judged before Stage I's labels are trusted: one greedy verification of each
// benchmark record through Stage I's reference-free prompt (the record's steps as the generator writes
// them, `Step k:` lines), read as a PRM-CoT reply. Reported: ProcessBench's accuracies and F1, with a
// reply whose step count is not the record's counted as unjudged (and wrong), and how many replies
// quote every step word for word and the first wrong step as written (`VerificationReading`). A
// verifier that does not read the solution it grades turns Stage I's votes into noise; this says so in
// the recipe's report.

import JSON
import Model
import Recipe
import Reward
import Synthesis

struct VerifierCheck {
    var score: SplitScore
    var reading: VerificationReading

    static func run(verifier: String, benchmark: String, maxTokens: Int) throws -> VerifierCheck {
        let records = try ProcessBench.load(benchmark)
        let calls = records.map { record in
            let solution = record.steps.enumerated().map { "Step \($0.offset + 1): \($0.element)" }
            return ModelCall(
                prompt: StageOnePrompts.verifier(problem: record.problem, solution: solution.joined(separator: "\n")),
                temperature: 0, topP: 1, maxTokens: maxTokens, seed: 0)
        }
        let replies = LockedResults<String>(count: records.count)
        try EngineBackend(directory: verifier).complete(calls) { index, text in replies.set(index, text) }
        var check = VerifierCheck(score: SplitScore(split: "benchmark"), reading: VerificationReading())
        for (record, reply) in zip(records, replies.values) {
            let text = reply ?? ""
            let parsed = RewardModelReply(parsing: text, variant: .prmCoT)
            let vote = SelfConsistency.voteSteps([parsed], expectedStepCount: record.steps.count)
            check.score.add(label: record.label, prediction: vote?.firstError)
            check.reading.add(reply: text, steps: record.steps, firstError: record.label)
        }
        return check
    }

    var json: JSONValue {
        var object = score.json.objectValue ?? [:]
        object["records"] = .int(reading.replies)
        object["quoted_every_step"] = .int(reading.quotedEveryStep)
        object["quoted_first_error"] = .int(reading.quotedFirstError)
        return .object(object)
    }

    /// One sentence for the recipe's report.
    var summary: String {
        "The verifier itself, one greedy verification per benchmark record through Stage I's prompt: "
            + "erroneous \(percent(score.erroneousAccuracy)), correct \(percent(score.correctAccuracy)), "
            + "F1 \(percent(score.f1)); \(score.unjudged) replies with another step count than the record's; "
            + "every step quoted word for word in \(reading.quotedEveryStep) of \(reading.replies); "
            + "the first wrong step quoted as written in \(reading.quotedFirstError) of \(reading.erroneous)."
    }

    private func percent(_ value: Double) -> String {
        let tenths = Int((value * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10) %"
    }
}
