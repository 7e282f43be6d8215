// From a judged rollout to what the update trains on: a response the reward model did not judge
// (`mask` false: a timeout, an unparseable or truncated reply) is left out of the loss, never scored
// 0; the tango designs' step advantages go on the tokens of each step's span (TokenAdvantages), every
// other design's group advantage on every token of the response.

import Model

extension PolicySample {
    /// Nil where the rollout is not trained on.
    public init?(
        promptIds: [Int32], completionIds: [Int32], judgement: RewardJudgement, reward: PolicyReward,
        tokenizer: Tokenizer
    ) {
        guard judgement.judged else { return nil }
        if reward.isTokenLevel, let steps = judgement.stepAdvantages, let after = judgement.advantageAfterLastStep {
            self.init(
                promptIds: promptIds, completionIds: completionIds,
                advantages: TokenAdvantages.place(
                    steps: steps, afterLastStep: after, tokens: completionIds, tokenizer: tokenizer))
        } else if let advantage = judgement.advantage {
            self.init(
                promptIds: promptIds, completionIds: completionIds,
                advantages: Array(repeating: advantage, count: completionIds.count))
        } else {
            return nil
        }
    }
}
