// Drives a scheduler core one iteration at a time on the test's own thread, with the fake model, so
// that tests can look at every batch it builds.

import Engine
import Model
import Testing

@testable import Scheduler

final class CoreHarness {
    let model: FakeModel
    let core: SchedulerCore<FakeModel>
    let log = EventLog()
    private var nextKey: UInt64 = 1

    init(_ configuration: SchedulerConfiguration, model: FakeModel = FakeModel(), tokenizer: Tokenizer? = nil) {
        self.model = model
        core = SchedulerCore(model: model, tokenizer: tokenizer, configuration: configuration)
    }

    @discardableResult
    func submit(
        _ prompt: [Int32], sampling: SamplingParameters = greedy(8), deadline: ContinuousClock.Instant? = nil,
        promptLogprobs: Int? = nil, queued: ContinuousClock.Instant = .now
    ) -> SequenceHandle {
        let handle = SequenceHandle(id: nextKey)
        nextKey += 1
        core.enqueue(
            handle,
            SequenceRequest(promptIds: prompt, sampling: sampling, deadline: deadline, promptLogprobs: promptLogprobs),
            queued: queued, onEvent: log.callback(handle.id))
        return handle
    }

    /// Steps until every sequence has finished; returns the number of steps.
    @discardableResult
    func run(now: ContinuousClock.Instant? = nil) -> Int {
        var steps = 0
        while core.hasWork {
            core.step(now: now ?? .now)
            steps += 1
            precondition(steps < 100_000, "the scheduler makes no progress")
        }
        return steps
    }

    func completion(_ handle: SequenceHandle) -> [Int32] { log.summary(handle.id)?.completionIds ?? [] }

    /// (first block of the chunk's table, start position, token count) of each chunk of each batch:
    /// with distinct prompts and no preemption, the first block names the sequence.
    var chunkShapes: [[[Int]]] {
        model.batches.map { batch in
            batch.chunks.map { [Int($0.blockTable[0]), $0.startPosition, $0.tokens.count] }
        }
    }
}

func greedy(_ maxTokens: Int) -> SamplingParameters {
    SamplingParameters(temperature: 0, maxTokens: maxTokens)
}

/// `count` token ids below `vocabularySize`, from a seeded stream.
func randomTokens(_ count: Int, seed: UInt64, vocabularySize: Int = 64) -> [Int32] {
    var random = SeededRandom(seed: seed)
    return (0..<count).map { _ in Int32(random.next() % UInt64(vocabularySize)) }
}

/// What `prompt` generates alone, in a scheduler with room to spare and no prefix cache.
func alone(_ prompt: [Int32], sampling: SamplingParameters) -> [Int32] {
    let harness = CoreHarness(SchedulerConfiguration(kvCacheBlocks: 1024, blockSize: 16, prefixCaching: false))
    let handle = harness.submit(prompt, sampling: sampling)
    harness.run()
    return harness.completion(handle)
}
