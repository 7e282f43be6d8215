// The GRPO policy loss SPARK trains with (verl's `compute_policy_loss` with dual clip, its
// `low_var_kl` KL loss at coefficient 0.001, token-mean aggregation; spark-paper.md §4.2), and its
// gradient with respect to each token's log-probability under the policy being trained. The model's
// backward pass takes it from there: d loss / d logits = g · (onehot − softmax) for a token with
// gradient g, the cross-entropy backward with weight −g.
//
// Per response token t with advantage A, ratio ρ = exp(log π − log π_old):
//   policy term  ℓ = max(−A·ρ, −A·clip(ρ, 1 − ε_low, 1 + ε_high)), and for A < 0 at most −A·c (dual clip)
//   KL term      k = exp(log π_ref − log π) − (log π_ref − log π) − 1, clamped to [−10, 10]
//   loss         Σ_t (ℓ_t + β·k_t) / (number of response tokens), over the whole batch.

#if canImport(Glibc)
    import Glibc
#endif

public struct GRPOObjective: Sendable {
    public var clipLow = 0.2
    public var clipHigh = 0.2
    /// verl's `clip_ratio_c`: the policy term of a negative advantage never exceeds −A·c.
    public var dualClip = 3.0
    public var klCoefficient = 0.001

    public init() {}

    public struct Token: Sendable {
        public var logProbability: Double
        /// Under the policy that sampled the rollout.
        public var oldLogProbability: Double
        /// Under the frozen reference policy.
        public var referenceLogProbability: Double
        public var advantage: Double

        public init(
            logProbability: Double, oldLogProbability: Double, referenceLogProbability: Double, advantage: Double
        ) {
            self.logProbability = logProbability
            self.oldLogProbability = oldLogProbability
            self.referenceLogProbability = referenceLogProbability
            self.advantage = advantage
        }
    }

    public struct Evaluation: Sendable {
        public var loss: Double
        /// d loss / d log π of each token.
        public var gradients: [Double]
        public var policyLoss: Double
        public var meanKL: Double
        /// Share of tokens whose policy term the clip decided (its gradient is 0 there).
        public var clippedShare: Double
    }

    /// The loss over the response tokens of a batch (every token counts once).
    public func evaluate(_ tokens: [Token]) -> Evaluation {
        guard !tokens.isEmpty else {
            return Evaluation(loss: 0, gradients: [], policyLoss: 0, meanKL: 0, clippedShare: 0)
        }
        let scale = 1 / Double(tokens.count)
        var policySum = 0.0
        var klSum = 0.0
        var clipped = 0
        var gradients: [Double] = []
        gradients.reserveCapacity(tokens.count)
        for token in tokens {
            let advantage = token.advantage
            let ratio = exp(token.logProbability - token.oldLogProbability)
            let unclipped = -advantage * ratio
            let clippedRatio = min(max(ratio, 1 - clipLow), 1 + clipHigh)
            let clippedTerm = -advantage * clippedRatio
            // Only the unclipped branch depends on log π (d ρ / d log π = ρ).
            var policy = max(unclipped, clippedTerm)
            var slope = unclipped >= clippedTerm ? -advantage * ratio : 0
            if advantage < 0 && policy > -advantage * dualClip {
                policy = -advantage * dualClip
                slope = 0
            }
            if slope == 0 && advantage != 0 { clipped += 1 }
            let logRatio = token.referenceLogProbability - token.logProbability
            let rawKL = exp(logRatio) - logRatio - 1
            let kl = min(max(rawKL, -10), 10)
            // d k / d log π = 1 − exp(log π_ref − log π), where the clamp is not active.
            let klSlope = rawKL == kl ? 1 - exp(logRatio) : 0
            policySum += policy
            klSum += kl
            gradients.append(scale * (slope + klCoefficient * klSlope))
        }
        return Evaluation(
            loss: scale * (policySum + klCoefficient * klSum), gradients: gradients, policyLoss: scale * policySum,
            meanKL: scale * klSum, clippedShare: scale * Double(clipped))
    }
}
