// What one aggregation method concluded about one solution, and how it combined the verifications.
//
// Rules beyond SelfConsistency's (which decides outcome and step votes, ties and step-count mismatches):
// - A verification's step verdicts are usable only when there are some and, when the solution's own
//   `Step k:` count is known, as many as that: the k-th verdict must mean step k (the rule the vote
//   applies to its voters, applied here to the single verification, the outcome pick and the merges).
// - The PRM-CoT target of the step vote is the voter closest to the vote, and only if its step verdicts
//   equal the voted ones and its final verdict is the voted outcome: the target must carry the voted
//   labels, and rewriting markers inside a verifier's analysis would make its reasoning contradict them.
// - The outcome of the step vote is derived from the voted steps (Yes iff none is incorrect); the other
//   methods keep the verification's own final verdict.

import Reward

public struct MethodLabel: Sendable, Equatable {
    /// nil when no usable step verdicts came out.
    public var stepVerdicts: [StepVerdict]?
    public var outcome: Verdict?
    /// The PRM-CoT training target; nil when none carries these labels.
    public var target: String?
    /// Outcome-level votes only: yes and no counted equally (decided as No).
    public var isOutcomeTie = false
    /// Step-level votes only: steps whose vote was split evenly (decided as incorrect).
    public var tiedSteps = 0
    /// |yes − no| / (yes + no) of an outcome vote.
    public var outcomeMargin: Double?
    /// The mean over steps of |correct − incorrect| / voters of a step vote.
    public var stepMargin: Double?

    /// The 0-based index of the first incorrect step, or −1; nil without step verdicts.
    public var firstError: Int? { stepVerdicts.map { $0.firstIndex(of: .incorrect) ?? -1 } }

    static let none = MethodLabel()

    /// One verification taken as it is.
    static func single(_ text: String, expectedStepCount: Int?) -> MethodLabel {
        let reply = RewardModelReply(parsing: text, variant: .prmCoT)
        let steps = usableSteps(reply, expectedStepCount: expectedStepCount)
        return MethodLabel(
            stepVerdicts: steps, outcome: reply.outcome,
            target: steps != nil && reply.outcome != nil ? ReplyText.visible(text) : nil)
    }

    /// The outcome-level vote over `texts`, and the index of its pick.
    static func outcomeVote(_ texts: [String], expectedStepCount: Int?) -> (MethodLabel, pick: Int?) {
        let vote = SelfConsistency.voteOutcome(texts.map { RewardModelReply(parsing: $0, variant: .prmCoT) })
        guard let pick = vote.targetIndex else { return (.none, nil) }
        var label = single(texts[pick], expectedStepCount: expectedStepCount)
        label.isOutcomeTie = vote.isTie
        label.outcomeMargin = Double(abs(vote.yesCount - vote.noCount)) / Double(vote.yesCount + vote.noCount)
        return (label, pick)
    }

    /// The step-level vote over `texts`.
    static func stepVote(_ texts: [String], expectedStepCount: Int?) -> MethodLabel {
        let replies = texts.map { RewardModelReply(parsing: $0, variant: .prmCoT) }
        guard let vote = SelfConsistency.voteSteps(replies, expectedStepCount: expectedStepCount) else { return .none }
        let closest = replies[vote.targetIndex]
        let carriesVote = closest.stepVerdicts == vote.verdicts && closest.outcome == vote.derivedOutcome
        return MethodLabel(
            stepVerdicts: vote.verdicts, outcome: vote.derivedOutcome,
            target: carriesVote ? ReplyText.visible(texts[vote.targetIndex]) : nil,
            tiedSteps: vote.correctShares.filter { $0 == 0.5 }.count,
            stepMargin: vote.correctShares.map { abs(2 * $0 - 1) }.reduce(0, +) / Double(vote.stepCount))
    }

    static func usableSteps(_ reply: RewardModelReply, expectedStepCount: Int?) -> [StepVerdict]? {
        guard !reply.stepVerdicts.isEmpty, expectedStepCount.map({ $0 == reply.stepVerdicts.count }) ?? true else {
            return nil
        }
        return reply.stepVerdicts
    }
}
