// The `tango_grpo` advantages of the two step-level designs, per step of each response in one group.
//
// Release (salman-lui/reward-signal-analysis, verl `core_algos.py::compute_tango_grpo_advantage`;
// spark-paper.md §4.5):
// 1. Outcome: z_i = GRPO advantage of the scores (`GroupAdvantages`); every token of response i gets z_i.
// 2. Step rewards of the whole group are pooled: μ and σ over every placed step reward (σ from `torch.std`,
//    plus ε), or μ = 0, σ = 1 when one or none is placed; each is normalised to ŝ = (s − μ) / σ.
// 3. Global step reward: A(t) = 0.8 · z_i + 0.2 · Σ ŝ_j over the steps j whose end token is at or after t.
//    Per step: A(step j) = 0.8 · z_i + 0.2 · Σ_{j' ≥ j} ŝ_j'; after the last step only 0.8 · z_i is left.
// 4. Selective advantage: A(t) = z_i, multiplied on step j by 0 (half discount: 0.5) when z_i ≥ 0 and step j
//    is incorrect, or z_i < 0 and it is correct, for j below min(K, P) and only where step rewards were
//    placed; the tokens after the last step keep z_i.
//
// Pooling. The release places zeroed (penalised) step rewards too, so they enter μ and σ and come out as
// (0 − μ)/σ, usually not 0: penalised responses still get a small step advantage (spark-paper.md §4.5 item 5).
// `.includePenalised` copies that and is the default; `.excludePenalised` leaves penalised responses out
// of the pool and gives their steps ŝ = 0.
//
// From steps to tokens. Tokens are unknown here, so everything is per step, with the step's span in
// Unicode-scalar offsets (Python `str` indices). A trainer does what the release's reward manager does:
// tokenise the decoded response with offsets, take as step j's end token the token whose character range
// holds `span.upperBound − 1`, and give step j the tokens after step j−1's end token up to and including its
// own (the first step from token 0; the release's selective code starts it at token 3, skipping the first
// three tokens). Tokens after the last end token get `afterLastStep`. Two steps whose ends fall in one token
// share it in the release (the later reward overwrites the earlier); this per-step view does not model that.

/// The advantage of every step of one response.
public struct StepAdvantages: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        /// The step's span in the response, in Unicode-scalar offsets.
        public let span: Range<Int>
        public let advantage: Double
    }

    /// One entry per policy step (K), in order; empty for a response the format gate refused.
    public let steps: [Step]
    /// The advantage of the tokens after the last step's end (all tokens when there are no steps).
    public let afterLastStep: Double
}

/// The step-level advantages of one group.
public struct TangoGroup: Sendable {
    /// Whether zeroed (penalised) step rewards enter the group's step-reward statistics.
    public enum Pooling: Sendable {
        /// As the release: they do.
        case includePenalised
        /// They do not, and penalised responses get no step advantage.
        case excludePenalised
    }

    /// The weight of the step advantage in the global step reward.
    public static let stepWeight = 0.2

    public let responses: [ResponseReward]
    /// z_i over the responses' scores.
    public let outcome: GroupAdvantages
    /// μ of the pooled step rewards (0 when one or none is pooled).
    public let stepMean: Double
    /// σ + ε of the pooled step rewards (1 when one or none is pooled).
    public let stepScale: Double
    /// ŝ for every placed step reward of every response, in step order; empty where nothing is placed.
    public let normalizedStepRewards: [[Double]]

    /// - Precondition: `responses` is not empty and all share one step-level design.
    public init(
        responses: [ResponseReward], pooling: Pooling = .includePenalised, estimator: VarianceEstimator = .unbiased,
        epsilon: Double = 1e-6
    ) {
        precondition(!responses.isEmpty, "a group has at least one response")
        precondition(
            responses.allSatisfy { $0.design == responses[0].design && $0.design.isStepLevel },
            "a Tango group is made of responses under one step-level design")
        self.responses = responses
        outcome = GroupAdvantages(rewards: responses.map(\.score), estimator: estimator, epsilon: epsilon)
        let pooled: [Bool] = responses.map { response in
            pooling == .includePenalised || response.steps?.penalty == nil
        }
        let values = zip(responses, pooled).flatMap { response, isPooled in
            isPooled ? response.steps?.placedRewards ?? [] : []
        }
        if values.count <= 1 {
            (stepMean, stepScale) = (0, 1)
        } else {
            let moments = GroupAdvantages.moments(values, estimator: estimator)
            (stepMean, stepScale) = (moments.mean, moments.deviation + epsilon)
        }
        normalizedStepRewards = zip(responses, pooled).map { [stepMean, stepScale] response, isPooled in
            let placed = response.steps?.placedRewards ?? []
            return isPooled ? placed.map { ($0 - stepMean) / stepScale } : placed.map { _ in 0 }
        }
    }

    /// The per-step advantages of response `index` under the group's design.
    public func stepAdvantages(of index: Int) -> StepAdvantages {
        let z = outcome.advantages[index]
        let spans = responses[index].steps?.spans ?? []
        switch responses[index].design {
        case .globalStepReward:
            let normalized = normalizedStepRewards[index]
            var returnToGo = Array(repeating: 0.0, count: spans.count)
            var sum = 0.0
            for step in normalized.indices.reversed() {
                sum += normalized[step]
                returnToGo[step] = sum
            }
            let outcomeWeight = 1 - Self.stepWeight
            return StepAdvantages(
                steps: zip(spans, returnToGo).map {
                    .init(span: $0, advantage: outcomeWeight * z + Self.stepWeight * $1)
                },
                afterLastStep: outcomeWeight * z)
        default:
            let multipliers = selectiveMultipliers(of: index)
            return StepAdvantages(
                steps: zip(spans, multipliers).map { .init(span: $0, advantage: z * $1) }, afterLastStep: z)
        }
    }

    /// The selective-advantage factor of each of response `index`'s steps: 1 (kept), 0 (zeroed) or 0.5
    /// (half discount).
    public func selectiveMultipliers(of index: Int) -> [Double] {
        let response = responses[index]
        precondition(response.design != .globalStepReward, "the global step reward has no multipliers")
        guard let steps = response.steps else { return [] }
        let discounted = response.design == .selectiveAdvantageHalfDiscount ? 0.5 : 0
        let z = outcome.advantages[index]
        let masked = min(steps.placedRewards.count, steps.verdictCount)
        return steps.spans.indices.map { step in
            guard step < masked else { return 1 }
            let disagrees = z >= 0 ? steps.verdicts[step] == .incorrect : steps.verdicts[step] == .correct
            return disagrees ? discounted : 1
        }
    }
}
