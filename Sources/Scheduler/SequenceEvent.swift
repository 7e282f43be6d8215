// What the scheduler tells a submitter about its sequence, in this order: `admitted` once, then
// `promptLogprobs` and `promptLogits` if asked, then one `token` per generated token, then `finished`.
// A sequence that ends before it runs (cancelled or expired while waiting, or max_tokens 0 with no
// prompt output asked) gets `finished` alone. Text pieces add up to the summary's completion.

import Engine

public enum FinishReason: String, Sendable {
    /// An EOS token or a stop string ended the sequence.
    case stop
    /// max_tokens, or the model's context length, was reached.
    case length
    /// `Scheduler.cancel`, or a shutdown without drain.
    case cancelled
    /// The request's deadline passed.
    case timeout
}

public struct TokenOutput: Sendable, Equatable {
    public var token: Int32
    /// log P(token) under the model's raw distribution.
    public var logprob: Float
    public var topLogprobs: [TokenLogprob]
    /// Text this token completes, possibly empty: a character still missing bytes, or text that could
    /// be the start of a stop string, is held back until it is known not to be.
    public var text: String
    /// Present when this token was drawn at a verdict slot: the candidates' probabilities there.
    public var verdict: VerdictReading?
}

/// One prompt token's log-probability given the tokens before it, and the most likely alternatives.
public struct PromptLogprob: Sendable, Equatable {
    public var token: Int32
    public var logprob: Float
    public var topLogprobs: [TokenLogprob]
}

public struct SequenceTimestamps: Sendable, Equatable {
    /// When `submit` was called.
    public var queued: ContinuousClock.Instant
    /// When the sequence first entered a batch; nil if it never did.
    public var admitted: ContinuousClock.Instant?
    /// When its first token was sampled; nil if none was.
    public var firstToken: ContinuousClock.Instant?
    public var finished: ContinuousClock.Instant
}

public struct SequenceUsage: Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    /// Prompt tokens whose KV came from the prefix cache when the sequence was first admitted.
    public var cachedPromptTokens: Int
}

public struct SequenceSummary: Sendable {
    public var reason: FinishReason
    /// The generated text: without a matched stop string, or anything after it. After `cancelled` or
    /// `timeout`, the text already streamed.
    public var completion: String
    /// Every generated token, including a final EOS token and the tokens of a matched stop string
    /// (as vLLM reports them).
    public var completionIds: [Int32]
    public var usage: SequenceUsage
    public var timestamps: SequenceTimestamps
}

public enum SequenceEvent: Sendable {
    case admitted(cachedPromptTokens: Int)
    /// One entry per prompt position; the first is nil (nothing comes before it).
    case promptLogprobs([PromptLogprob?])
    /// [prompt length × vocabulary] logits, row after row.
    case promptLogits([Float])
    case token(TokenOutput)
    case finished(SequenceSummary)
}
