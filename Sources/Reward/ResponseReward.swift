// One policy response's reward under one design (SPARK-FORMATS.md §3; spark-paper.md §4.3–4.5; release
// `compute_score` and the `compute_reward_*_format` functions).
//
// The flow the release follows, and a server using this type should too: run `FormatCheck` on the response;
// if it fails, the reward is 0 and the reward model is not asked; otherwise send
// `RewardModelInput.prompt(for:problem:response:)`, parse the reply, and build this value.
// - outcome and process-aware outcome: `1[valid] · y`, y = 1 for Yes, 0 for No or an unparseable reply;
// - step-augmented hybrid: `1[valid] · (k/n · 0.4 + y · 0.6)`, k/n = 0 without step verdicts, in the
//   release's order of operations so the value is bit-identical;
// - global step and selective advantage: `score` is the pure outcome y (forced to 0 by the selective step
//   bounds), which the trainer turns into z_i; the step rewards are in `steps` (see `TangoGroup`);
// - random: `1[valid] · Bernoulli(0.5)`, drawing from the caller's generator only for a valid response,
//   as the release calls `random.choice` only after the gate;
// - rule-based (RLVR): `RuleBasedVerifier.score`, no gate.

/// A response's reward under one design.
public struct ResponseReward: Sendable, Equatable {
    public let design: RewardDesign
    /// The format gate's result; nil for the rule-based design and when the gate was turned off.
    public let format: FormatCheck?
    /// The reply the reward was read from; nil when no reward model was asked.
    public let reply: RewardModelReply?
    /// The scalar reward: GRPO's r_i, or for the step-level designs the outcome placed at the last token.
    public let score: Double
    /// The step-level designs' step signal; nil for the other designs and for a response the gate refused.
    public let steps: StepSignal?

    /// Whether the response passed the format gate (true for the rule-based design, which has none).
    public var isFormatValid: Bool { format?.isValid ?? true }

    /// A reward-model design. `reply` may be nil when the format gate fails (the model is not asked then),
    /// and is ignored in that case. Without a gate (`format: nil`, for responses in no set format) every
    /// response is judged by the model.
    public init(design: RewardDesign, response: String, reply: RewardModelReply?, format: PolicyFormat? = .spark)
        throws(RewardError)
    {
        guard design.usesRewardModel else { throw .notARewardModelDesign(design) }
        let format = format.map { FormatCheck(response: response, format: $0) }
        self.design = design
        self.format = format
        if let format, !format.isValid {
            (self.reply, score, steps) = (nil, 0, nil)
            return
        }
        guard let reply else { throw .missingReply(design) }
        guard design.acceptedVariants.contains(reply.variant) else {
            throw .replyVariantMismatch(design: design, variant: reply.variant)
        }
        self.reply = reply
        switch design {
        case .outcome, .processAwareOutcome:
            (score, steps) = (reply.outcomeReward, nil)
        case .stepAugmentedHybrid:
            (score, steps) = (reply.correctStepShare * 0.4 + reply.outcomeReward * 0.6, nil)
        default:
            let signal = StepSignal(
                design: design, steps: PolicySteps(response: response), verdicts: reply.stepVerdicts)
            (score, steps) = (signal.forcesOutcomeToZero ? 0 : reply.outcomeReward, signal)
        }
    }

    /// The random design. The draw is the top bit of one `next()`, stated so that a seeded generator
    /// gives the same rewards whatever the standard library's `Bool.random` does.
    /// A response the gate refuses (`format`, if any) scores 0 without a draw.
    public init<Generator: RandomNumberGenerator>(
        randomFor response: String, format: PolicyFormat? = .spark, using generator: inout Generator
    ) {
        let format = format.map { FormatCheck(response: response, format: $0) }
        design = .random
        self.format = format
        reply = nil
        steps = nil
        score = format?.isValid ?? true && generator.next() >> 63 == 1 ? 1 : 0
    }

    /// The rule-based (RLVR) design.
    public init(ruleBasedFor response: String, groundTruth: String) {
        design = .ruleBased
        format = nil
        reply = nil
        steps = nil
        score = RuleBasedVerifier.score(response: response, groundTruth: groundTruth)
    }
}
