// GRPO's group-normalised advantages over the responses to one problem.
//
// `A_i = (r_i − mean) / (std + ε)`, ε = 1e-6 (SPARK-FORMATS.md §3). Matching the release's trainer
// (salman-lui/reward-signal-analysis, verl `core_algos.py`: `compute_grpo_outcome_advantage` and the outcome
// half of `compute_tango_grpo_advantage`):
// - std is `torch.std`, which applies Bessel's correction (divides by n − 1). That is the default here;
//   the population std (divide by n) is the other `VarianceEstimator`;
// - a group of one response uses mean 0 and std 1, so its advantage is r / (1 + ε), not 0;
// - arithmetic is in Double where the trainer uses float32; results agree to about 1e-7 relative.

#if canImport(Glibc)
    // `squareRoot()` calls libm's `sqrt` on Linux; this import links libm, so that an executable using this
    // module links even when nothing else (Foundation) brings libm in.
    import Glibc
#endif

/// How the spread of a group is measured.
public enum VarianceEstimator: Sendable {
    /// Divide by n − 1 (`torch.std`, the release).
    case unbiased
    /// Divide by n.
    case population
}

/// The GRPO advantages of one group.
public struct GroupAdvantages: Sendable, Equatable {
    public let mean: Double
    public let standardDeviation: Double
    /// One advantage per response, in input order.
    public let advantages: [Double]
    /// At least two responses and all rewards equal: every advantage is 0 and the group teaches nothing.
    public let isZeroVariance: Bool

    /// - Precondition: `rewards` is not empty (a group has at least one response).
    public init(rewards: [Double], estimator: VarianceEstimator = .unbiased, epsilon: Double = 1e-6) {
        precondition(!rewards.isEmpty, "a group has at least one response")
        if rewards.count == 1 {
            (mean, standardDeviation) = (0, 1)
        } else {
            (mean, standardDeviation) = Self.moments(rewards, estimator: estimator)
        }
        advantages = rewards.map { [mean, standardDeviation] reward in (reward - mean) / (standardDeviation + epsilon) }
        isZeroVariance = rewards.count > 1 && rewards.allSatisfy { $0 == rewards[0] }
    }

    /// Mean and standard deviation of at least two values.
    static func moments(_ values: [Double], estimator: VarianceEstimator) -> (mean: Double, deviation: Double) {
        let mean = values.reduce(0, +) / Double(values.count)
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        let divisor = Double(estimator == .unbiased ? values.count - 1 : values.count)
        return (mean, (squares / divisor).squareRoot())
    }
}
