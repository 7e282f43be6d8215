import Dispatch
import Engine
import Foundation
import Synchronization
import Testing

@testable import Scheduler

/// The threaded scheduler: submissions, cancellations and shutdowns from other threads, with the fake
/// model.
@Suite struct SchedulerTests {
    func waitUntil(seconds: Double = 30, _ condition: () -> Bool) -> Bool {
        let limit = Date().addingTimeInterval(seconds)
        while !condition() {
            if Date() > limit { return false }
            Thread.sleep(forTimeInterval: 0.001)
        }
        return true
    }

    @Test func submissionsFromManyThreadsEachGetTheirOwnOutput() {
        let scheduler = Scheduler(
            model: FakeModel(), tokenizer: nil,
            configuration: SchedulerConfiguration(kvCacheBlocks: 96, maxBatchTokens: 64, maxRunning: 16, blockSize: 8))
        let log = EventLog()
        let shared = randomTokens(24, seed: 1)
        @Sendable func request(_ index: Int) -> SequenceRequest {
            let prompt = (index % 3 == 0 ? shared : []) + randomTokens(1 + index % 17, seed: UInt64(index))
            let sampling =
                index % 2 == 0
                ? greedy(4 + index % 9)
                : SamplingParameters(temperature: 0.9, topP: 0.9, seed: UInt64(index), maxTokens: 12)
            return SequenceRequest(promptIds: prompt, sampling: sampling)
        }
        DispatchQueue.concurrentPerform(iterations: 64) { index in
            _ = try! scheduler.submit(request(index), onEvent: log.callback(UInt64(index)))
        }
        scheduler.shutdown(drain: true)
        for index in 0..<64 {
            let expected = alone(request(index).promptIds, sampling: request(index).sampling)
            #expect(log.summary(UInt64(index))?.completionIds == expected, "sequence \(index)")
        }
        let statistics = scheduler.statistics
        #expect(statistics.running == 0 && statistics.waiting == 0 && statistics.kvBlocksInUse == 0)
        #expect(statistics.kvBlocksTotal == 96)
        #expect(
            statistics.generatedTokens
                == (0..<64).reduce(0) { $0 + (log.summary(UInt64($1))?.completionIds.count ?? 0) })
    }

    @Test func eventsArriveOnOneThreadOfTheSchedulers() {
        let scheduler = Scheduler(
            model: FakeModel(), tokenizer: nil, configuration: SchedulerConfiguration(kvCacheBlocks: 8))
        let threads = Mutex<[pthread_t]>([])
        for index in 0..<3 {
            _ = try? scheduler.submit(SequenceRequest(promptIds: [1, 2, Int32(index)], sampling: greedy(3))) { _ in
                threads.withLock { $0.append(pthread_self()) }
            }
        }
        scheduler.shutdown(drain: true)
        let seen = threads.withLock { $0 }
        #expect(seen.count == 3 * 5)
        #expect(seen.allSatisfy { pthread_equal($0, seen[0]) != 0 && pthread_equal($0, pthread_self()) == 0 })
    }

    @Test func cancellingFromAnotherThreadFreesTheBlocks() {
        let scheduler = Scheduler(
            model: FakeModel(delaySeconds: 0.001), tokenizer: nil,
            configuration: SchedulerConfiguration(kvCacheBlocks: 1024, blockSize: 4))
        let log = EventLog()
        let handles = (0..<4).map { index in
            try! scheduler.submit(
                SequenceRequest(promptIds: randomTokens(10, seed: UInt64(index)), sampling: greedy(1000)),
                onEvent: log.callback(UInt64(index)))
        }
        #expect(waitUntil { (0..<4).allSatisfy { log.tokens(UInt64($0)).count >= 3 } })
        let inUse = scheduler.statistics.kvBlocksInUse
        #expect(inUse >= 4 * 3)
        DispatchQueue.global().async { scheduler.cancel(handles[1]) }
        scheduler.cancel(handles[2])
        #expect(log.waitForFinished(2))
        #expect(log.summary(1)?.reason == .cancelled && log.summary(2)?.reason == .cancelled)
        #expect(waitUntil { scheduler.statistics.running == 2 })
        for handle in handles { scheduler.cancel(handle) }
        #expect(log.waitForFinished(4))
        #expect(waitUntil { scheduler.statistics.kvBlocksInUse == 0 && scheduler.statistics.running == 0 })
        scheduler.shutdown(drain: true)
    }

    @Test func aPassedDeadlineEndsTheSequenceWithTimeout() {
        let scheduler = Scheduler(
            model: FakeModel(delaySeconds: 0.001), tokenizer: nil,
            configuration: SchedulerConfiguration(kvCacheBlocks: 256, blockSize: 4))
        let log = EventLog()
        let start = ContinuousClock.now
        _ = try! scheduler.submit(
            SequenceRequest(promptIds: [1, 2, 3], sampling: greedy(1000), deadline: start + .milliseconds(50)),
            onEvent: log.callback(0))
        _ = try! scheduler.submit(
            SequenceRequest(promptIds: [4, 5], sampling: greedy(5), deadline: start - .seconds(1)),
            onEvent: log.callback(1))
        #expect(log.waitForFinished(2))
        let summary = log.summary(0)
        #expect(summary?.reason == .timeout)
        #expect(summary.map { $0.timestamps.finished - start < .seconds(5) } == true)
        #expect(log.summary(1)?.reason == .timeout)
        #expect(log.summary(1)?.completionIds == [])
        #expect(waitUntil { scheduler.statistics.kvBlocksInUse == 0 })
        scheduler.shutdown(drain: false)
    }

    @Test func drainingFinishesEverythingAcceptedAndRefusesTheRest() {
        let scheduler = Scheduler(
            model: FakeModel(delaySeconds: 0.001), tokenizer: nil,
            configuration: SchedulerConfiguration(kvCacheBlocks: 256, blockSize: 4))
        let log = EventLog()
        for index in 0..<5 {
            _ = try! scheduler.submit(
                SequenceRequest(promptIds: randomTokens(6, seed: UInt64(index)), sampling: greedy(20)),
                onEvent: log.callback(UInt64(index)))
        }
        let stopped = DispatchSemaphore(value: 0)
        // A thread of its own: a global queue's block may wait seconds for a thread while the other
        // tests run, and the loop below would end before the shutdown began.
        Thread.detachNewThread {
            scheduler.shutdown(drain: true)
            stopped.signal()
        }
        // Submissions made before the shutdown is requested are accepted and run; then they are refused.
        var accepted = 5
        var refusal: SubmissionError?
        let giveUp = ContinuousClock.now + .seconds(60)
        while refusal == nil && ContinuousClock.now < giveUp {
            do {
                _ = try scheduler.submit(
                    SequenceRequest(promptIds: [1, 2], sampling: greedy(3)), onEvent: log.callback(UInt64(accepted)))
                accepted += 1
                Thread.sleep(forTimeInterval: 0.001)
            } catch {
                refusal = error
            }
        }
        #expect(refusal == .shuttingDown)
        stopped.wait()
        #expect(log.finished == accepted)
        #expect((0..<accepted).allSatisfy { log.summary(UInt64($0))?.reason == .length })
    }

    @Test func shutdownWithoutDrainCancelsEverything() {
        let scheduler = Scheduler(
            model: FakeModel(delaySeconds: 0.001), tokenizer: nil,
            configuration: SchedulerConfiguration(kvCacheBlocks: 64, maxRunning: 2, blockSize: 4))
        let log = EventLog()
        for index in 0..<6 {
            _ = try! scheduler.submit(
                SequenceRequest(promptIds: randomTokens(6, seed: UInt64(index)), sampling: greedy(200)),
                onEvent: log.callback(UInt64(index)))
        }
        scheduler.shutdown(drain: false)
        #expect(log.finished == 6)
        #expect((0..<6).allSatisfy { log.summary(UInt64($0))?.reason == .cancelled })
        #expect(scheduler.statistics.kvBlocksInUse == 0)
        scheduler.shutdown(drain: true)
        #expect(throws: SubmissionError.shuttingDown) {
            try scheduler.submit(SequenceRequest(promptIds: [1], sampling: greedy(1))) { _ in }
        }
    }

    @Test(arguments: [
        (SequenceRequest(promptIds: [], sampling: greedy(1)), SubmissionError.emptyPrompt, "the prompt is empty"),
        (
            SequenceRequest(promptIds: [1, 64], sampling: greedy(1)),
            .tokenOutsideVocabulary(token: 64, vocabularySize: 64), "token id 64 is outside the vocabulary (0..<64)"
        ),
        (
            SequenceRequest(promptIds: [1, 2], sampling: greedy(99)),
            .exceedsContextLength(promptTokens: 2, maxTokens: 99, contextLength: 100),
            "exceeds the model's context length of 100 tokens"
        ),
        (
            SequenceRequest(promptIds: [1, 2], sampling: greedy(63)),
            .exceedsCache(promptTokens: 2, maxTokens: 63, cacheTokens: 64),
            "the prompt (2 tokens) plus max_tokens (63) exceeds the KV cache of 64 tokens"
        ),
        (
            SequenceRequest(promptIds: [1], sampling: greedy(-1)), .negativeMaxTokens(-1),
            "max_tokens must be at least 0"
        ),
        (
            SequenceRequest(promptIds: [1], sampling: SamplingParameters(temperature: -1)),
            .invalidTemperature(-1), "temperature must be a number >= 0, got -1.0"
        ),
        (
            SequenceRequest(promptIds: [1], sampling: SamplingParameters(topP: 1.5)), .invalidTopP(1.5),
            "top_p must be in (0, 1], got 1.5"
        ),
        (
            SequenceRequest(promptIds: [1], sampling: greedy(1), promptLogprobs: -2), .invalidPromptLogprobs(-2),
            "prompt_logprobs must be >= 0, got -2"
        ),
        (
            SequenceRequest(promptIds: [1], sampling: SamplingParameters(stopStrings: ["x"])),
            .stopStringsWithoutTokenizer, "stop strings need the checkpoint's tokenizer.json"
        ),
    ])
    func refusesBadSubmissionsSayingWhy(request: SequenceRequest, error: SubmissionError, message: String) {
        let scheduler = Scheduler(
            model: FakeModel(contextLength: 100), tokenizer: nil,
            configuration: SchedulerConfiguration(kvCacheBlocks: 4, blockSize: 16))
        defer { scheduler.shutdown(drain: false) }
        do {
            _ = try scheduler.submit(request) { _ in }
            Issue.record("expected \(error)")
        } catch let thrown {
            #expect(thrown == error)
            #expect(thrown.description.contains(message), "\(thrown)")
        }
    }
}
