// One scheduler iteration after another (continuous batching, after vLLM's V1 scheduler): each `step`
// builds one forward batch under the token budget, runs it, and samples. In a batch come, in order:
//   1. one token for every running sequence that is decoding, oldest admission first;
//   2. the next chunk of every running sequence still computing its prompt (chunked prefill);
//   3. waiting sequences admitted in FIFO order, each with its first chunk, after attaching the
//      longest run of cached prefix blocks.
// When blocks run out, the most recently admitted running sequence is preempted: its blocks are freed
// and it waits at the head of the queue to compute everything again later (vLLM's recompute). The
// forward pass is batch-invariant, so cached and recomputed KV give bit-identical results.
//
// Owned by the engine thread; not thread-safe. `Scheduler` feeds it submissions and cancellations.

import Engine
import Model

final class SchedulerCore<Model: ModelRunner> {
    let model: Model
    let tokenizer: Tokenizer?
    let configuration: SchedulerConfiguration
    private let cache: Model.Cache
    private(set) var blocks: BlockManager
    /// FIFO; preempted sequences go back to the front.
    private var waiting: [SequenceState] = []
    /// In admission order: the last is the youngest, the first to be preempted.
    private var running: [SequenceState] = []
    private var counters = SchedulerStatistics()
    // The batch being planned by `step`.
    private var plan: [PlannedChunk] = []
    private var budget = 0

    private struct PlannedChunk {
        let sequence: SequenceState
        var tokenCount: Int
        let isDecode: Bool
    }

    init(model: Model, tokenizer: Tokenizer?, configuration: SchedulerConfiguration) {
        precondition(
            configuration.maxBatchTokens > 0 && configuration.maxRunning > 0,
            "a scheduler needs a token budget and room for one sequence")
        self.model = model
        self.tokenizer = tokenizer
        self.configuration = configuration
        cache = model.makeCache(blockSize: configuration.blockSize, blockCount: configuration.kvCacheBlocks)
        blocks = BlockManager(
            blockCount: configuration.kvCacheBlocks, blockSize: configuration.blockSize,
            prefixCaching: configuration.prefixCaching)
    }

    var hasWork: Bool { !waiting.isEmpty || !running.isEmpty }

    var statistics: SchedulerStatistics {
        var snapshot = counters
        snapshot.running = running.count
        snapshot.waiting = waiting.count
        snapshot.kvBlocksInUse = blocks.inUseCount
        snapshot.kvBlocksTotal = blocks.blockCount
        return snapshot
    }

    private var blockSize: Int { configuration.blockSize }

    /// Queues a validated sequence. One that asks for nothing to be computed ends at once.
    func enqueue(
        _ handle: SequenceHandle, _ request: SequenceRequest, queued: ContinuousClock.Instant,
        onEvent: @escaping @Sendable (SequenceEvent) -> Void
    ) {
        let sequence = SequenceState(
            handle: handle, request: request, tokenizer: tokenizer, queued: queued, onEvent: onEvent)
        if sequence.request.sampling.maxTokens == 0 && !sequence.request.needsPromptOutput {
            sequence.completion.end(.length)
            finish(sequence, now: .now)
            return
        }
        waiting.append(sequence)
    }

    func cancel(_ handle: SequenceHandle, now: ContinuousClock.Instant) {
        guard
            let sequence = running.first(where: { $0.handle == handle })
                ?? waiting.first(where: { $0.handle == handle })
        else { return }
        sequence.completion.end(.cancelled)
        finish(sequence, now: now)
    }

    func cancelAll(now: ContinuousClock.Instant) {
        for sequence in running + waiting {
            sequence.completion.end(.cancelled)
            finish(sequence, now: now)
        }
    }

    /// One iteration: ends expired sequences, then plans, runs and samples one batch.
    func step(now: ContinuousClock.Instant = .now) {
        for sequence in running + waiting {
            if let deadline = sequence.request.deadline, deadline <= now {
                sequence.completion.end(.timeout)
                finish(sequence, now: now)
            }
        }
        plan = []
        budget = configuration.maxBatchTokens
        let preempted = scheduleRunning()
        // Blocks freed by a preemption go to the sequences already running, not to newcomers that
        // would be the next victims.
        if !preempted { admitWaiting(now: now) }
        guard !plan.isEmpty else { return }

        let batch = ForwardBatch(
            chunks: plan.map { entry in
                let sequence = entry.sequence
                return SequenceChunk(
                    tokens: Array(sequence.tokens[sequence.computed..<(sequence.computed + entry.tokenCount)]),
                    startPosition: sequence.computed, blockTable: sequence.blockTable,
                    logits: sequence.logitsSelection(chunkTokens: entry.tokenCount))
            })
        let logits = model.forward(batch, cache: cache)
        counters.iterations += 1
        let computedAt = ContinuousClock.now
        for (index, entry) in plan.enumerated() {
            apply(entry, logits: logits, rows: logits.rowRanges[index], now: computedAt)
        }
        plan = []
    }

    // MARK: Planning

    /// Plans the running sequences: decode tokens, then prompt chunks. Returns whether it preempted.
    private func scheduleRunning() -> Bool {
        var preempted = false
        for sequence in running where sequence.isDecoding {
            guard sequence.isRunning, budget > 0 else { continue }
            if reserve(sequence, wanted: 1, partial: false, preempted: &preempted) > 0 {
                plan.append(PlannedChunk(sequence: sequence, tokenCount: 1, isDecode: true))
                budget -= 1
            }
        }
        for sequence in running where !sequence.isDecoding {
            guard sequence.isRunning, budget > 0 else { continue }
            let count = reserve(
                sequence, wanted: min(sequence.remaining, budget), partial: true, preempted: &preempted)
            if count > 0 {
                plan.append(PlannedChunk(sequence: sequence, tokenCount: count, isDecode: false))
                budget -= count
            }
        }
        return preempted
    }

    /// Gives `sequence` the blocks for its next `wanted` tokens (or as many as fit, with `partial`),
    /// preempting the youngest running sequences until they fit. Returns the tokens reserved, 0 when
    /// `sequence` was itself the youngest and was preempted.
    private func reserve(_ sequence: SequenceState, wanted: Int, partial: Bool, preempted: inout Bool) -> Int {
        while true {
            let room = (sequence.blockTable.count + blocks.availableCount) * blockSize - sequence.computed
            let count = partial ? min(wanted, room) : (room >= wanted ? wanted : 0)
            if count > 0 {
                let needed = (sequence.computed + count + blockSize - 1) / blockSize - sequence.blockTable.count
                for _ in 0..<max(0, needed) { sequence.blockTable.append(blocks.allocate()!) }
                return count
            }
            let victim = running.last!
            preempt(victim)
            preempted = true
            if victim === sequence { return 0 }
        }
    }

    private func preempt(_ sequence: SequenceState) {
        running.removeAll { $0 === sequence }
        if let index = plan.firstIndex(where: { $0.sequence === sequence }) {
            budget += plan[index].tokenCount
            plan.remove(at: index)
        }
        blocks.release(sequence.blockTable)
        sequence.resetComputation()
        sequence.isRunning = false
        waiting.insert(sequence, at: 0)
        counters.preemptions += 1
    }

    /// Admits waiting sequences in FIFO order while the budget, the running limit and the blocks allow.
    /// A sequence whose next prefix block another running sequence is computing right now waits for
    /// that block to be cached (the n samples of a request, the members of a GRPO group), without
    /// holding up the sequences behind it. One that lacks blocks stops admission: nobody overtakes it.
    private func admitWaiting(now: ContinuousClock.Instant) {
        var inFlight = Set(running.compactMap(inFlightKey))
        var index = 0
        while index < waiting.count, budget > 0, running.count < configuration.runningLimit {
            let sequence = waiting[index]
            let cacheable = sequence.cacheableBlocks(blockSize: blockSize)
            let hits = blocks.cachedPrefix(of: sequence.tokens, maximumBlocks: cacheable)
            if blocks.prefixCaching, hits.count < cacheable, inFlight.contains(nextKey(of: sequence, after: hits)) {
                index += 1
                continue
            }
            let hitTokens = hits.count * blockSize
            let count = min(sequence.tokens.count - hitTokens, budget)
            let needed = (hitTokens + count + blockSize - 1) / blockSize - hits.count
            // Taking a cached block nobody owns removes it from the available ones.
            let reclaimed = hits.filter { blocks.isEvictable($0) }.count
            guard needed <= blocks.availableCount - reclaimed else { break }

            waiting.remove(at: index)
            for block in hits { blocks.acquire(block) }
            sequence.blockTable = hits
            sequence.blockSerials = hits.map { blocks.serial(of: $0) }
            sequence.computed = hitTokens
            for _ in 0..<needed { sequence.blockTable.append(blocks.allocate()!) }
            sequence.isRunning = true
            running.append(sequence)
            plan.append(PlannedChunk(sequence: sequence, tokenCount: count, isDecode: false))
            budget -= count
            counters.prefixCacheHitTokens += hitTokens
            if sequence.cachedPromptTokens == nil {
                sequence.cachedPromptTokens = hitTokens
                sequence.timestamps.admitted = now
                sequence.onEvent(.admitted(cachedPromptTokens: hitTokens))
            }
            if let key = inFlightKey(sequence) { inFlight.insert(key) }
        }
    }

    /// The key of the first block of `sequence` not in `hits`.
    private func nextKey(of sequence: SequenceState, after hits: [Int32]) -> BlockKey {
        let start = hits.count * blockSize
        return BlockKey(
            parent: hits.last.map { blocks.serial(of: $0) } ?? BlockManager.rootSerial,
            tokens: Array(sequence.tokens[start..<(start + blockSize)]))
    }

    /// The key of the block a running sequence is filling, when it knows all of that block's tokens
    /// (a prompt, or output being recomputed) and so will complete it.
    private func inFlightKey(_ sequence: SequenceState) -> BlockKey? {
        guard blocks.prefixCaching else { return nil }
        let block = sequence.blockSerials.count
        let start = block * blockSize
        guard start + blockSize <= sequence.tokens.count else { return nil }
        return BlockKey(
            parent: sequence.blockSerials.last ?? BlockManager.rootSerial,
            tokens: Array(sequence.tokens[start..<(start + blockSize)]))
    }

    // MARK: Results

    private func apply(_ entry: PlannedChunk, logits: Logits, rows: Range<Int>, now: ContinuousClock.Instant) {
        let sequence = entry.sequence
        if !sequence.promptOutputSent {
            sequence.collectPromptOutput(logits, rows: rows, start: sequence.computed)
        }
        sequence.computed += entry.tokenCount
        if !entry.isDecode { counters.promptTokensComputed += entry.tokenCount }
        registerFullBlocks(of: sequence)
        sequence.sendPromptOutputIfComplete()
        guard sequence.remaining == 0 else { return }
        if sequence.request.sampling.maxTokens == 0 {
            sequence.completion.end(.length)
            finish(sequence, now: now)
            return
        }
        let output = sequence.completion.next(logits.row(rows.upperBound - 1))
        sequence.accept(output.token)
        counters.generatedTokens += 1
        if sequence.timestamps.firstToken == nil { sequence.timestamps.firstToken = now }
        sequence.onEvent(.token(output))
        if sequence.completion.isFinished { finish(sequence, now: now) }
    }

    /// Caches each block the last chunk filled, so that sequences admitted from the next iteration on
    /// find it.
    private func registerFullBlocks(of sequence: SequenceState) {
        guard blocks.prefixCaching else { return }
        while sequence.blockSerials.count < sequence.computed / blockSize {
            let block = sequence.blockSerials.count
            let start = block * blockSize
            sequence.blockSerials.append(
                blocks.register(
                    sequence.blockTable[block], parent: sequence.blockSerials.last ?? BlockManager.rootSerial,
                    tokens: sequence.tokens[start..<(start + blockSize)]))
        }
    }

    private func finish(_ sequence: SequenceState, now: ContinuousClock.Instant) {
        if sequence.isRunning {
            running.removeAll { $0 === sequence }
            sequence.isRunning = false
        } else {
            waiting.removeAll { $0 === sequence }
        }
        blocks.release(sequence.blockTable)
        sequence.blockTable = []
        sequence.timestamps.finished = now
        sequence.onEvent(.finished(sequence.summary()))
    }
}
