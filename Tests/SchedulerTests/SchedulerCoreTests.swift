import Engine
import Testing

@testable import Scheduler

/// The scheduling policy, one iteration at a time, with the fake model.
@Suite struct SchedulerCoreTests {
    @Test func batchesPutDecodesFirstThenPromptChunksThenAdmissionsWithinTheBudget() {
        let harness = CoreHarness(SchedulerConfiguration(kvCacheBlocks: 64, maxBatchTokens: 8, blockSize: 16))
        let prompts = [randomTokens(12, seed: 1), randomTokens(10, seed: 2), randomTokens(2, seed: 3)]
        let handles = prompts.map { harness.submit($0, sampling: greedy(2)) }
        harness.run()
        // [first block (0, 1, 2 name the sequences in admission order), start position, tokens].
        #expect(
            harness.chunkShapes == [
                [[0, 0, 8]],
                [[0, 8, 4], [1, 0, 4]],
                [[0, 12, 1], [1, 4, 6], [2, 0, 1]],
                [[1, 10, 1], [2, 1, 1]],
                [[2, 2, 1]],
            ])
        #expect(harness.model.batches[0].chunks[0].logits == .none)
        #expect(harness.model.batches[1].chunks.map(\.logits) == [.last, .none])
        for (prompt, handle) in zip(prompts, handles) {
            #expect(harness.completion(handle) == alone(prompt, sampling: greedy(2)))
        }
    }

    @Test func admissionIsFirstInFirstOutWithinTheRunningLimit() {
        let harness = CoreHarness(
            SchedulerConfiguration(kvCacheBlocks: 64, maxBatchTokens: 64, maxRunning: 2, blockSize: 16))
        let handles = (0..<6).map { harness.submit(randomTokens(5, seed: UInt64($0)), sampling: greedy(3)) }
        while harness.core.hasWork {
            harness.core.step()
            #expect(harness.core.statistics.running <= 2)
        }
        #expect(harness.log.admissionOrder == handles.map(\.id))
        #expect(harness.model.batches.allSatisfy { $0.chunks.count <= 2 })
    }

    @Test func runningIsCappedByTheTokenBudget() {
        let harness = CoreHarness(
            SchedulerConfiguration(kvCacheBlocks: 64, maxBatchTokens: 3, maxRunning: 10, blockSize: 16))
        for seed in 0..<6 { harness.submit(randomTokens(2, seed: UInt64(seed)), sampling: greedy(4)) }
        harness.run()
        #expect(harness.model.batches.allSatisfy { $0.tokenCount <= 3 && $0.chunks.count <= 3 })
    }

    /// 16 sequences sharing a 100-token prompt prefix, as the samples of one request or a GRPO
    /// group: the first computes the prefix, the others wait for its blocks instead of computing them
    /// in the same batch, then compute only their tail (from the last block boundary of the prefix).
    @Test func sequencesSharingAPrefixComputeItOnce() {
        let harness = CoreHarness(SchedulerConfiguration(kvCacheBlocks: 256, maxBatchTokens: 512, blockSize: 16))
        let prefix = randomTokens(100, seed: 99)
        let prompts = (0..<16).map { prefix + randomTokens(20, seed: UInt64($0)) }
        let handles = prompts.map { harness.submit($0, sampling: greedy(4)) }
        harness.run()
        let statistics = harness.core.statistics
        // 96 tokens (6 whole blocks) of the prefix are shared; each other sequence computes 24.
        #expect(statistics.promptTokensComputed == 120 + 15 * 24)
        #expect(statistics.prefixCacheHitTokens == 15 * 96)
        #expect(harness.log.summary(handles[0].id)?.usage.cachedPromptTokens == 0)
        #expect(handles.dropFirst().allSatisfy { harness.log.summary($0.id)?.usage.cachedPromptTokens == 96 })
        for (prompt, handle) in zip(prompts, handles) {
            #expect(harness.completion(handle) == alone(prompt, sampling: greedy(4)))
        }
        #expect(harness.model.readsOfUnwrittenSlots == 0)
    }

    /// The same when the shared prefix is longer than the budget: the first sequence computes it in
    /// chunks, and the others wait until its last shared block is cached.
    @Test func aPrefixComputedInChunksIsWaitedFor() {
        let harness = CoreHarness(SchedulerConfiguration(kvCacheBlocks: 512, maxBatchTokens: 200, blockSize: 16))
        let prefix = randomTokens(300, seed: 7)
        let prompts = (0..<16).map { prefix + randomTokens(20, seed: UInt64(100 + $0)) }
        let handles = prompts.map { harness.submit($0, sampling: greedy(3)) }
        harness.run()
        #expect(harness.core.statistics.promptTokensComputed == 320 + 15 * 32)
        #expect(harness.core.statistics.prefixCacheHitTokens == 15 * 288)
        for (prompt, handle) in zip(prompts, handles) {
            #expect(harness.completion(handle) == alone(prompt, sampling: greedy(3)))
        }
    }

    @Test func withoutPrefixCachingEveryPromptIsComputedInFull() {
        let harness = CoreHarness(
            SchedulerConfiguration(kvCacheBlocks: 256, maxBatchTokens: 512, blockSize: 16, prefixCaching: false))
        let prefix = randomTokens(100, seed: 99)
        for index in 0..<16 { harness.submit(prefix + randomTokens(20, seed: UInt64(index)), sampling: greedy(4)) }
        harness.run()
        #expect(harness.core.statistics.promptTokensComputed == 16 * 120)
        #expect(harness.core.statistics.prefixCacheHitTokens == 0)
        #expect(harness.core.blocks.cachedCount == 0)
    }

    /// A finished sequence's blocks stay cached: the same prompt again computes only its last block.
    @Test func aRepeatedPromptHitsTheBlocksOfAFinishedSequence() {
        let harness = CoreHarness(SchedulerConfiguration(kvCacheBlocks: 64, blockSize: 16))
        let prompt = randomTokens(40, seed: 5)
        let first = harness.submit(prompt, sampling: greedy(5))
        harness.run()
        let second = harness.submit(prompt, sampling: greedy(5))
        harness.run()
        #expect(harness.log.summary(second.id)?.usage.cachedPromptTokens == 32)
        #expect(harness.completion(first) == harness.completion(second))
        #expect(harness.core.statistics.promptTokensComputed == 40 + 8)
    }

    /// A cache far too small for everyone at once: sequences are preempted and recomputed, and every
    /// output, greedy or sampled, is the one it has alone.
    @Test func preemptionUnderATinyCacheChangesNoOutput() {
        let harness = CoreHarness(
            SchedulerConfiguration(kvCacheBlocks: 12, maxBatchTokens: 16, maxRunning: 8, blockSize: 4))
        let requests = (0..<8).map { index in
            (
                randomTokens(3 + 2 * index, seed: UInt64(40 + index)),
                index % 2 == 0
                    ? greedy(14) : SamplingParameters(temperature: 1, seed: UInt64(index), maxTokens: 14)
            )
        }
        let handles = requests.map { harness.submit($0.0, sampling: $0.1) }
        harness.run()
        let statistics = harness.core.statistics
        #expect(statistics.preemptions > 0)
        #expect(statistics.kvBlocksInUse == 0)
        #expect(harness.model.readsOfUnwrittenSlots == 0)
        for ((prompt, sampling), handle) in zip(requests, handles) {
            #expect(harness.log.summary(handle.id)?.reason == .length)
            #expect(harness.completion(handle) == alone(prompt, sampling: sampling))
        }
    }

    /// Each sequence alone needs nearly the whole cache: they run one after another, oldest first,
    /// and the oldest is never preempted, so there is always progress.
    @Test func sequencesThatEachNearlyFillTheCacheAllFinish() {
        let harness = CoreHarness(
            SchedulerConfiguration(kvCacheBlocks: 16, maxBatchTokens: 32, maxRunning: 4, blockSize: 4))
        let prompts = (0..<4).map { randomTokens(10, seed: UInt64(70 + $0)) }
        let handles = prompts.map { harness.submit($0, sampling: greedy(52)) }
        let steps = harness.run()
        // 4 × 52 tokens one sequence at a time would take 208 iterations; preemption must not thrash.
        #expect(steps <= 208, "\(steps) iterations")
        #expect(harness.core.statistics.preemptions > 0)
        #expect(harness.model.readsOfUnwrittenSlots == 0)
        for (prompt, handle) in zip(prompts, handles) {
            #expect(harness.completion(handle) == alone(prompt, sampling: greedy(52)))
        }
    }

    @Test func cancelledSequencesEndAtTheNextIterationAndFreeTheirBlocks() {
        let harness = CoreHarness(SchedulerConfiguration(kvCacheBlocks: 64, maxRunning: 2, blockSize: 4))
        let running = harness.submit(randomTokens(20, seed: 1), sampling: greedy(50))
        let other = harness.submit(randomTokens(20, seed: 2), sampling: greedy(50))
        let waiting = harness.submit(randomTokens(20, seed: 3), sampling: greedy(50))
        for _ in 0..<3 { harness.core.step() }
        #expect(harness.core.statistics.running == 2)
        #expect(harness.core.statistics.waiting == 1)
        harness.core.cancel(running, now: .now)
        harness.core.cancel(waiting, now: .now)
        let streamed = harness.log.tokens(running.id).map(\.text).joined()
        #expect(harness.log.summary(running.id)?.reason == .cancelled)
        #expect(harness.log.summary(running.id)?.completion == streamed)
        #expect(harness.log.summary(waiting.id)?.reason == .cancelled)
        #expect(harness.log.events(waiting.id).count == 1)
        // Only the other running sequence's blocks are left: 20 + 3 tokens in blocks of 4.
        #expect(harness.core.statistics.kvBlocksInUse == 6)
        harness.run()
        #expect(harness.log.summary(other.id)?.reason == .length)
        #expect(harness.core.statistics.kvBlocksInUse == 0)
    }

    @Test func expiredSequencesEndWithTimeoutAndFreeTheirBlocks() {
        let harness = CoreHarness(SchedulerConfiguration(kvCacheBlocks: 64, maxRunning: 1, blockSize: 4))
        let start = ContinuousClock.now
        let deadline = start + .seconds(10)
        let running = harness.submit(randomTokens(8, seed: 1), sampling: greedy(100), deadline: deadline)
        let waiting = harness.submit(randomTokens(8, seed: 2), sampling: greedy(100), deadline: deadline)
        let free = harness.submit(randomTokens(8, seed: 3), sampling: greedy(5))
        for _ in 0..<3 { harness.core.step(now: start) }
        #expect(harness.core.statistics.kvBlocksInUse > 0)
        harness.core.step(now: start + .seconds(11))
        #expect(harness.log.summary(running.id)?.reason == .timeout)
        #expect(harness.log.summary(running.id)?.completionIds.count == 3)
        #expect(harness.log.summary(waiting.id)?.reason == .timeout)
        harness.run()
        #expect(harness.log.summary(free.id)?.reason == .length)
        #expect(harness.core.statistics.kvBlocksInUse == 0)
    }

    @Test func zeroMaxTokensWithoutPromptOutputEndsWithoutRunning() {
        let harness = CoreHarness(SchedulerConfiguration(kvCacheBlocks: 8))
        let handle = harness.submit([1, 2, 3], sampling: greedy(0))
        #expect(!harness.core.hasWork)
        #expect(harness.log.events(handle.id).count == 1)
        #expect(harness.log.summary(handle.id)?.reason == .length)
        #expect(harness.model.batches.isEmpty)
    }

    @Test func promptLogprobsCoverEveryPositionAndIgnoreTheCache() throws {
        let harness = CoreHarness(SchedulerConfiguration(kvCacheBlocks: 64, maxBatchTokens: 16, blockSize: 8))
        let prompt = randomTokens(40, seed: 11)
        harness.submit(prompt, sampling: greedy(2))
        harness.run()
        let scored = harness.submit(prompt, sampling: greedy(0), promptLogprobs: 3)
        harness.run()
        let events = harness.log.events(scored.id)
        guard case .admitted(let cached) = events.first, case .promptLogprobs(let logprobs) = events[1],
            case .finished(let summary) = events.last
        else {
            Issue.record("unexpected events \(events)")
            return
        }
        #expect(events.count == 3)
        #expect(cached == 0)
        #expect(summary.reason == .length && summary.completionIds.isEmpty)
        #expect(logprobs.count == prompt.count)
        #expect(logprobs[0] == nil)
        for position in 1..<prompt.count {
            let logits = FakeModel.logits(after: Array(prompt[..<position]), vocabularySize: 64)
            let normalizer = logits.withUnsafeBufferPointer { Sampler.logSumExp($0) }
            let entry = try #require(logprobs[position])
            #expect(entry.token == prompt[position])
            #expect(entry.logprob == logits[Int(prompt[position])] - normalizer)
            let best = logits.indices.sorted { logits[$0] > logits[$1] }.prefix(3).map { Int32($0) }
            #expect(entry.topLogprobs.map(\.token) == best)
        }
    }

    @Test func eventsComeInOrderWithTimestampsAndUsage() throws {
        let harness = CoreHarness(SchedulerConfiguration(kvCacheBlocks: 64, maxBatchTokens: 4, blockSize: 4))
        let handle = harness.submit(randomTokens(10, seed: 3), sampling: greedy(5))
        harness.run()
        let events = harness.log.events(handle.id)
        #expect(events.count == 7)
        guard case .admitted = events.first, case .finished(let summary) = events.last else {
            Issue.record("unexpected events \(events)")
            return
        }
        #expect(events.dropFirst().dropLast().allSatisfy { if case .token = $0 { true } else { false } })
        #expect(summary.usage == SequenceUsage(promptTokens: 10, completionTokens: 5, cachedPromptTokens: 0))
        let times = summary.timestamps
        let admitted = try #require(times.admitted)
        let firstToken = try #require(times.firstToken)
        #expect(times.queued <= admitted && admitted <= firstToken && firstToken <= times.finished)
    }
}
