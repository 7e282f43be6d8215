// The scheduler's knobs. Defaults follow vLLM's scheduler and cache configs, scaled to a CPU: the token
// budget bounds the latency of one iteration (see engine-anchors §3.1), not memory.

public struct SchedulerConfiguration: Sendable, Equatable {
    /// Tokens per forward pass: one per decoding sequence first, then prompt chunks in what is left.
    public var maxBatchTokens: Int
    /// Sequences in the running set at once. Every running sequence must be able to decode in every
    /// iteration, so at most `maxBatchTokens` run, whatever this says.
    public var maxRunning: Int
    /// Tokens per KV block: the unit of allocation, sharing and eviction.
    public var blockSize: Int
    /// Blocks in the KV cache (`KVCache.blockCount(config:blockSize:megabytes:)` converts a size).
    public var kvCacheBlocks: Int
    /// Reuse the KV blocks of prompt prefixes computed before (off: every prompt is computed in full).
    public var prefixCaching: Bool

    public init(
        kvCacheBlocks: Int, maxBatchTokens: Int = 512, maxRunning: Int = 64, blockSize: Int = 16,
        prefixCaching: Bool = true
    ) {
        self.kvCacheBlocks = kvCacheBlocks
        self.maxBatchTokens = maxBatchTokens
        self.maxRunning = maxRunning
        self.blockSize = blockSize
        self.prefixCaching = prefixCaching
    }

    var runningLimit: Int { min(maxRunning, maxBatchTokens) }
}
