// What a caller submits to the scheduler for one sequence, and the handle it gets back. The n samples
// of one request, or the G responses of a GRPO group, are n separate sequences: they share their
// prompt's KV blocks through the prefix cache, not through a grouping in the API.

import Engine

public struct SequenceRequest: Sendable {
    public var promptIds: [Int32]
    public var sampling: SamplingParameters
    /// When the sequence must be finished; it then ends with `.timeout` within one iteration.
    public var deadline: ContinuousClock.Instant?
    /// Report each prompt token's log-probability and this many alternatives (for echo and scoring);
    /// nil: none. The sequence then computes its whole prompt: cached blocks carry no logits.
    public var promptLogprobs: Int?
    /// Report the logits of every prompt position, [prompt length × vocabulary] floats (for tools
    /// that dump them; the size grows with the vocabulary). Also computes the whole prompt.
    public var promptLogits: Bool
    /// Verdict slots to read probabilities at (see VerdictProbe); empty: none.
    public var verdictProbes: [VerdictProbe]

    public init(
        promptIds: [Int32], sampling: SamplingParameters, deadline: ContinuousClock.Instant? = nil,
        promptLogprobs: Int? = nil, promptLogits: Bool = false, verdictProbes: [VerdictProbe] = []
    ) {
        self.verdictProbes = verdictProbes
        self.promptIds = promptIds
        self.sampling = sampling
        self.deadline = deadline
        self.promptLogprobs = promptLogprobs
        self.promptLogits = promptLogits
    }

    var needsPromptOutput: Bool { promptLogprobs != nil || promptLogits }
}

/// Names a submitted sequence, for `Scheduler.cancel`.
public struct SequenceHandle: Sendable, Hashable {
    public let id: UInt64
}
