// The server's Prometheus metrics (/metrics): HTTP and error counters, latency histograms fed by the
// routes, and the scheduler's state, read when the metrics are scraped.

import Metrics
import Scheduler
import Synchronization

final class ServerMetrics: Sendable {
    let registry = MetricsRegistry()
    let httpRequests: Counter
    let errors: Counter
    let queueSeconds: Histogram
    let firstTokenSeconds: Histogram
    let latencySeconds: Histogram
    let retriesDeduplicated: Counter
    let rewards: RewardTelemetry
    private let running: Gauge
    private let waiting: Gauge
    private let blocksInUse: Gauge
    private let blocksTotal: Gauge
    private let promptTokens: Counter
    private let generatedTokens: Counter
    private let prefixHitTokens: Counter
    private let preemptions: Counter
    private let iterations: Counter
    /// The scheduler's cumulative counts at the previous scrape, so that counters advance by the difference.
    private let previous = Mutex(SchedulerStatistics())

    init() {
        let seconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]
        httpRequests = registry.counter(
            "spark_http_requests_total", help: "HTTP requests answered, by route and status.",
            labels: ["route", "status"])
        errors = registry.counter("spark_errors_total", help: "Error responses, by HTTP status.", labels: ["code"])
        queueSeconds = registry.histogram(
            "spark_request_queue_seconds", help: "Time from submission to admission into a batch.", buckets: seconds)
        firstTokenSeconds = registry.histogram(
            "spark_time_to_first_token_seconds", help: "Time from submission to the first generated token.",
            buckets: seconds)
        latencySeconds = registry.histogram(
            "spark_request_latency_seconds", help: "End-to-end time of generation requests.", buckets: seconds)
        retriesDeduplicated = registry.counter(
            "spark_retries_deduplicated_total",
            help: "Retried requests answered without new work: joined to the original in flight, or replayed.",
            labels: ["how"])
        rewards = RewardTelemetry(registry: registry)
        running = registry.gauge("spark_requests_running", help: "Sequences in the running batch.")
        waiting = registry.gauge("spark_requests_waiting", help: "Sequences waiting for admission.")
        blocksInUse = registry.gauge("spark_kv_blocks_in_use", help: "KV cache blocks held by sequences.")
        blocksTotal = registry.gauge("spark_kv_blocks_total", help: "KV cache blocks in the pool.")
        promptTokens = registry.counter("spark_prompt_tokens_total", help: "Prompt tokens computed by the engine.")
        generatedTokens = registry.counter("spark_generation_tokens_total", help: "Tokens generated.")
        prefixHitTokens = registry.counter(
            "spark_prefix_cache_hit_tokens_total", help: "Prompt tokens whose KV came from the prefix cache.")
        preemptions = registry.counter("spark_preemptions_total", help: "Sequences preempted for lack of KV blocks.")
        iterations = registry.counter("spark_engine_iterations_total", help: "Forward passes of the engine.")
    }

    func render(_ statistics: SchedulerStatistics?) -> String {
        if let statistics {
            running.set(Double(statistics.running))
            waiting.set(Double(statistics.waiting))
            blocksInUse.set(Double(statistics.kvBlocksInUse))
            blocksTotal.set(Double(statistics.kvBlocksTotal))
            previous.withLock { last in
                promptTokens.increment(by: Double(statistics.promptTokensComputed - last.promptTokensComputed))
                generatedTokens.increment(by: Double(statistics.generatedTokens - last.generatedTokens))
                prefixHitTokens.increment(by: Double(statistics.prefixCacheHitTokens - last.prefixCacheHitTokens))
                preemptions.increment(by: Double(statistics.preemptions - last.preemptions))
                iterations.increment(by: Double(statistics.iterations - last.iterations))
                last = statistics
            }
        }
        return registry.render()
    }

    /// Queue time and time to first token of a finished sequence.
    func observe(_ timestamps: SequenceTimestamps) {
        if let admitted = timestamps.admitted { queueSeconds.observe(seconds(timestamps.queued, admitted)) }
        if let first = timestamps.firstToken { firstTokenSeconds.observe(seconds(timestamps.queued, first)) }
    }
}

func seconds(_ from: ContinuousClock.Instant, _ to: ContinuousClock.Instant) -> Double {
    let duration = to - from
    return Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}
