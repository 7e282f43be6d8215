// The step signal of the two step-level designs: K, P, the raw verdicts, and the step rewards placed at the
// end of each policy step, after the release's step-count rules.
//
// Rules (SPARK-FORMATS.md §3; spark-paper.md §4.5; release
// `compute_reward_prm_cot_hybrid_apply_step_global_stat_tango`), K = policy steps, P = reply step verdicts:
// - global step reward: K != P, K < 3 or K > 20 zeroes every step reward; the outcome is kept;
// - selective advantage (both variants): K < 4 or K > 20 zeroes the step rewards and forces the outcome to 0;
//   otherwise K != P zeroes the step rewards and keeps the outcome. The raw verdicts are still used to mask
//   the advantage over the first min(K, P) steps (`TangoGroup`), as in the release.
// Otherwise step j's reward is ±1/K (+ for correct).
//
// Placement, copied from the release: zeroed rewards are still placed at the K step ends (they then enter
// the group's pooled normalisation, see `TangoGroup.Pooling`), but nothing is placed when the reply has no
// step verdicts at all (P = 0) or the response has no steps (K = 0).
//
// One deliberate difference: the release checks the step counts only when P > 0, so a reply without step
// markers lets a one-step response keep its outcome under selective advantage. Here the bounds on K apply
// whatever P is, as SPARK-FORMATS.md §3 states them; the step-reduction hack is closed either way.

/// The step-level part of a response's reward.
public struct StepSignal: Sendable, Equatable {
    /// Why the step rewards were zeroed; the first rule that fires, in the release's order.
    public enum Penalty: String, Sendable {
        case countMismatch = "count_mismatch"
        case tooFewSteps = "too_few_steps"
        case tooManySteps = "too_many_steps"
    }

    /// Fewest steps for the global step reward, and for selective advantage; most steps for both.
    public static let globalStepMinimum = 3
    public static let selectiveMinimum = 4
    public static let maximumSteps = 20

    /// The policy's K steps, in Unicode-scalar offsets into the response.
    public let spans: [Range<Int>]
    /// The reply's P step verdicts, in order.
    public let verdicts: [StepVerdict]
    public let penalty: Penalty?
    /// Whether the selective-advantage bounds force the outcome to 0.
    public let forcesOutcomeToZero: Bool
    /// The step rewards placed at the ends of the K steps, in order; empty when nothing is placed.
    public let placedRewards: [Double]

    /// K.
    public var policyStepCount: Int { spans.count }
    /// P.
    public var verdictCount: Int { verdicts.count }

    init(design: RewardDesign, steps: PolicySteps, verdicts: [StepVerdict]) {
        precondition(design.isStepLevel, "\(design.rawValue) has no step signal")
        let stepCount = steps.count
        let penalty = Self.penalty(design: design, stepCount: stepCount, verdictCount: verdicts.count)
        spans = steps.spans
        self.verdicts = verdicts
        self.penalty = penalty
        forcesOutcomeToZero = design != .globalStepReward && (penalty == .tooFewSteps || penalty == .tooManySteps)
        if stepCount == 0 || verdicts.isEmpty {
            placedRewards = []
        } else if penalty != nil {
            placedRewards = Array(repeating: 0, count: stepCount)
        } else {
            placedRewards = verdicts.map { $0.rawReward / Double(stepCount) }
        }
    }

    private static func penalty(design: RewardDesign, stepCount: Int, verdictCount: Int) -> Penalty? {
        let minimum = design == .globalStepReward ? globalStepMinimum : selectiveMinimum
        let ordered: [(Bool, Penalty)]
        if design == .globalStepReward {
            ordered = [
                (stepCount != verdictCount, .countMismatch), (stepCount < minimum, .tooFewSteps),
                (stepCount > maximumSteps, .tooManySteps),
            ]
        } else {
            ordered = [
                (stepCount < minimum, .tooFewSteps), (stepCount > maximumSteps, .tooManySteps),
                (stepCount != verdictCount, .countMismatch),
            ]
        }
        return ordered.first { $0.0 }?.1
    }
}
