// Parallel scaling of Stage I: combining N independent verifications of one solution (SPARK-FORMATS.md §2;
// spark-paper.md §2.6–2.7). The release does not include the voting script; the rules it leaves open are
// decided here:
//
// - Outcome level: a majority of the parsed final verdicts; unparseable verdicts are dropped, not counted
//   as No. A tie is No: a training label that calls a solution correct should have a majority behind it,
//   and calling a correct solution wrong costs less than teaching the verifier to pass a wrong one.
// - Step level: a majority per step index. A tie is incorrect, for the same reason; and since the first
//   incorrect step is the label ProcessBench scores, a tie that is called incorrect moves the first error
//   earlier rather than hiding it.
// - Step counts that differ: only verifications with the same number of step verdicts vote. The k-th
//   verdict means "step k" only if the verifications split the solution the same way; one that merged,
//   split or skipped a step, or was cut off, labels other steps at the same indices, and letting it vote
//   would mix labels of different steps. The count is the caller's expected count (the solution's own
//   step count, when known), else the most common count among verifications with any step verdicts; a
//   tie between counts goes to the larger, because the usual way to lose steps is a reply cut off early.
// - Target: the training target is one of the verifications, as in the release's file names
//   (`verification_final_match_*`): for the outcome, the first whose verdict equals the vote; for the
//   steps, the voter whose labels differ from the voted labels at the fewest steps (the first such).

public enum SelfConsistency {
    /// The outcome-level vote.
    public struct OutcomeVote: Sendable, Equatable {
        /// The majority verdict; nil when no verification had a parsed verdict.
        public let verdict: Verdict?
        public let yesCount: Int
        public let noCount: Int
        /// Verifications whose final verdict could not be read; they do not vote.
        public let unparseableCount: Int
        /// The index of the first verification whose verdict equals the vote.
        public let targetIndex: Int?

        public var isTie: Bool { yesCount == noCount && yesCount > 0 }
    }

    /// The step-level vote.
    public struct StepVote: Sendable, Equatable {
        /// The number of steps voted on: the count every voter has.
        public let stepCount: Int
        /// The indices of the verifications that voted.
        public let voterIndices: [Int]
        /// The voted verdict of each step.
        public let verdicts: [StepVerdict]
        /// The share of voters that called each step correct.
        public let correctShares: [Double]
        /// The index of the voter whose labels differ least from `verdicts`.
        public let targetIndex: Int

        /// The 0-based index of the first step voted incorrect, or −1 when none is (ProcessBench's label).
        public var firstError: Int { verdicts.firstIndex(of: .incorrect) ?? -1 }

        /// Yes if and only if no step is voted incorrect.
        public var derivedOutcome: Verdict { firstError == -1 ? .yes : .no }
    }

    public static func voteOutcome(_ verifications: [RewardModelReply]) -> OutcomeVote {
        let yes = verifications.filter { $0.outcome == .yes }.count
        let no = verifications.filter { $0.outcome == .no }.count
        let verdict: Verdict? = yes + no == 0 ? nil : yes > no ? .yes : .no
        return OutcomeVote(
            verdict: verdict, yesCount: yes, noCount: no, unparseableCount: verifications.count - yes - no,
            targetIndex: verdict.flatMap { vote in verifications.firstIndex { $0.outcome == vote } })
    }

    /// The step-level vote; nil when no verification has step verdicts (or none has `expectedStepCount`).
    public static func voteSteps(_ verifications: [RewardModelReply], expectedStepCount: Int? = nil) -> StepVote? {
        guard let stepCount = expectedStepCount ?? modalStepCount(verifications), stepCount > 0 else { return nil }
        let voters = verifications.indices.filter { verifications[$0].stepVerdicts.count == stepCount }
        guard !voters.isEmpty else { return nil }
        let correctVotes = (0..<stepCount).map { step in
            voters.filter { verifications[$0].stepVerdicts[step] == .correct }.count
        }
        let verdicts: [StepVerdict] = correctVotes.map { 2 * $0 > voters.count ? .correct : .incorrect }
        let target = voters.min { first, second in
            disagreements(verifications[first].stepVerdicts, verdicts)
                < disagreements(verifications[second].stepVerdicts, verdicts)
        }!
        return StepVote(
            stepCount: stepCount, voterIndices: voters, verdicts: verdicts,
            correctShares: correctVotes.map { Double($0) / Double(voters.count) },
            targetIndex: target)
    }

    private static func modalStepCount(_ verifications: [RewardModelReply]) -> Int? {
        var frequency: [Int: Int] = [:]
        for verification in verifications where !verification.stepVerdicts.isEmpty {
            frequency[verification.stepVerdicts.count, default: 0] += 1
        }
        return frequency.max { ($0.value, $0.key) < ($1.value, $1.key) }?.key
    }

    private static func disagreements(_ labels: [StepVerdict], _ vote: [StepVerdict]) -> Int {
        zip(labels, vote).filter { $0 != $1 }.count
    }
}
