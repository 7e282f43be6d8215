// The reward designs of SPARK's RL stage and what each needs (SPARK-FORMATS.md §3; spark-paper.md §4.5).
//
// Release names (`REWARD_MODEL_TYPE` in salman-lui/mixed_reward `run_scripts/run.sh`) beside each case. The
// release runs the two step-level designs only with PRM-CoT; a PRM's `Step k: Correct` lines are step
// verdicts too, so they are accepted here as well.

/// How a response's reward (and, for the step-level designs, its step signal) is computed.
public enum RewardDesign: String, Sendable, CaseIterable {
    /// `ORM_FORMAT`: `1[valid] · y_ORM`.
    case outcome = "outcome"
    /// `PRM_OUTCOME_FORMAT`, `PRM_COT_OUTCOME_FORMAT`: `1[valid] · y`.
    case processAwareOutcome = "process_aware_outcome"
    /// `PRM_HYBRID_STEP_AVG_FORMAT`, `PRM_COT_HYBRID_STEP_AVG_FORMAT`: `1[valid] · (0.4 · k/n + 0.6 · y)`.
    case stepAugmentedHybrid = "step_augmented_hybrid"
    /// `PRM_COT_HYBRID_APPLY_STEP_GLOBAL_STAT_TANGO_STEP_PENALTY`: Tango-style step rewards, advantage
    /// `0.8 · A_outcome + 0.2 · A_step`.
    case globalStepReward = "global_step_reward"
    /// `PRM_COT_HYBRID_OUTCOME_DIFF_ADV`: the outcome advantage, zeroed on steps that disagree with its sign.
    case selectiveAdvantage = "selective_advantage"
    /// `PRM_COT_HYBRID_OUTCOME_DIFF_ADV_HALF_DISCOUNT`: the same, halved instead of zeroed.
    case selectiveAdvantageHalfDiscount = "selective_advantage_half_discount"
    /// `RANDOM_REWARD`: `1[valid] · Bernoulli(0.5)`.
    case random = "random"
    /// `RULE_BASED`: the final boxed answer checked against the ground truth; no format gate.
    case ruleBased = "rule_based"

    /// The reward-model variants whose replies the design reads; empty when it asks no reward model.
    public var acceptedVariants: [RewardModelVariant] {
        switch self {
        case .outcome: return [.orm]
        case .processAwareOutcome, .stepAugmentedHybrid, .globalStepReward, .selectiveAdvantage,
            .selectiveAdvantageHalfDiscount:
            return [.prm, .prmCoT]
        case .random, .ruleBased: return []
        }
    }

    /// Whether the design asks a reward model.
    public var usesRewardModel: Bool { !acceptedVariants.isEmpty }

    /// Whether the design produces step rewards (the release's `tango_grpo` estimator) rather than one scalar
    /// for plain GRPO.
    public var isStepLevel: Bool {
        switch self {
        case .globalStepReward, .selectiveAdvantage, .selectiveAdvantageHalfDiscount: return true
        default: return false
        }
    }
}
