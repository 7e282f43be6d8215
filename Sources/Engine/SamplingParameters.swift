// How the next token is chosen and when a sequence stops: the OpenAI sampling subset that RL
// frameworks send (temperature, top_p, top_k, seed, max_tokens, stop, logprobs).

public struct SamplingParameters: Sendable, Equatable {
    /// 0 picks the most likely token (greedy); otherwise logits are divided by it before sampling.
    public var temperature: Float
    /// Keep only the k most likely tokens; 0 keeps all.
    public var topK: Int
    /// Keep the smallest set of most likely tokens whose probability reaches top_p; 1 keeps all.
    public var topP: Float
    /// Seed of this sequence's random stream; nil draws one from the system.
    public var seed: UInt64?
    public var maxTokens: Int
    /// Generation stops before any of these strings; the string itself is not part of the output.
    public var stopStrings: [String]
    /// Token ids that end the sequence (the checkpoint's EOS ids); they are not part of the text.
    public var stopTokenIds: Set<Int32>
    /// Number of alternatives whose log-probabilities are reported at each step (0: none).
    public var topLogprobs: Int

    public init(
        temperature: Float = 1, topK: Int = 0, topP: Float = 1, seed: UInt64? = nil, maxTokens: Int = 16,
        stopStrings: [String] = [], stopTokenIds: Set<Int32> = [], topLogprobs: Int = 0
    ) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.seed = seed
        self.maxTokens = maxTokens
        self.stopStrings = stopStrings
        self.stopTokenIds = stopTokenIds
        self.topLogprobs = topLogprobs
    }

    public var isGreedy: Bool { temperature == 0 }
}
