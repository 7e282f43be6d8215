// A snapshot of the scheduler's state and counters for /metrics. Counters are cumulative since start.

public struct SchedulerStatistics: Sendable, Equatable {
    public var running = 0
    /// Sequences submitted and not yet running, including preempted ones.
    public var waiting = 0
    /// Blocks owned by at least one sequence (cached blocks nobody owns are free).
    public var kvBlocksInUse = 0
    public var kvBlocksTotal = 0
    /// Prompt tokens whose KV came from the prefix cache instead of the model.
    public var prefixCacheHitTokens = 0
    /// Tokens computed by prefill: prompts, and after a preemption everything recomputed.
    public var promptTokensComputed = 0
    public var generatedTokens = 0
    public var preemptions = 0
    /// Forward passes run.
    public var iterations = 0

    public init() {}
}
