import Dispatch
import Engine
import Foundation
import Model
import Scheduler
import TestSupport
import Testing

/// The scheduler with the real engine on the tiny Qwen2 fixture: whatever the crowd, the cache size or
/// the prefix sharing, every sequence gets the tokens and log-probabilities it gets alone, and greedy
/// ones those of transformers.
@Suite struct SchedulerFixtureTests {
    let weights: ModelWeights
    let tokenizer: Tokenizer
    let golden: Golden

    init() throws {
        let checkpoint = try Checkpoint(directory: Fixtures.model("qwen2-gqa-tied"))
        weights = try ModelWeights(checkpoint: checkpoint)
        tokenizer = try Tokenizer(contentsOfFile: try #require(checkpoint.tokenizerPath))
        golden = try Fixtures.golden("qwen2-gqa-tied")
    }

    /// Runs `requests`, submitted from many threads at once, to completion.
    func run(_ requests: [SequenceRequest], _ configuration: SchedulerConfiguration) -> (EventLog, SchedulerStatistics)
    {
        let scheduler = Scheduler(
            model: Transformer(weights: weights), tokenizer: tokenizer, configuration: configuration)
        let log = EventLog()
        DispatchQueue.concurrentPerform(iterations: requests.count) { index in
            _ = try! scheduler.submit(requests[index], onEvent: log.callback(UInt64(index)))
        }
        scheduler.shutdown(drain: true)
        return (log, scheduler.statistics)
    }

    func alone(_ request: SequenceRequest) -> EventLog {
        run([request], SchedulerConfiguration(kvCacheBlocks: 256, prefixCaching: false)).0
    }

    static let configurations = [
        SchedulerConfiguration(kvCacheBlocks: 2048, maxBatchTokens: 512, maxRunning: 64, blockSize: 16),
        // 640 tokens for 64 sequences of up to 424: constant preemption.
        SchedulerConfiguration(kvCacheBlocks: 40, maxBatchTokens: 64, maxRunning: 64, blockSize: 16),
    ]

    @Test(arguments: configurations)
    func sixtyFourConcurrentSequencesGetWhatTheyGetAlone(configuration: SchedulerConfiguration) throws {
        let requests = (0..<64).map { index in
            let goldenCase = golden.cases[index % golden.cases.count]
            switch index % 4 {
            case 0: return SequenceRequest(promptIds: goldenCase.promptIds, sampling: greedy(24))
            case 1: return SequenceRequest(promptIds: goldenCase.promptIds, sampling: greedy(1 + index % 24))
            case 2:
                return SequenceRequest(
                    promptIds: goldenCase.promptIds,
                    sampling: SamplingParameters(temperature: 0.8, topP: 0.95, seed: UInt64(index), maxTokens: 16))
            default:
                return SequenceRequest(
                    promptIds: goldenCase.promptIds,
                    sampling: SamplingParameters(
                        temperature: 1.2, topK: 20, seed: UInt64(index), maxTokens: 12, topLogprobs: 2),
                    promptLogprobs: 2)
            }
        }
        let (log, statistics) = run(requests, configuration)
        if configuration.kvCacheBlocks < 100 { #expect(statistics.preemptions > 0) }
        #expect(statistics.kvBlocksInUse == 0)
        for (index, request) in requests.enumerated() {
            let key = UInt64(index)
            let summary = try #require(log.summary(key))
            let reference = alone(request)
            #expect(summary.completionIds == reference.summary(0)?.completionIds, "sequence \(index)")
            #expect(log.tokens(key) == reference.tokens(0), "sequence \(index)")
            #expect(summary.completion == tokenizer.decode(summary.completionIds, skipSpecialTokens: true))
            if request.sampling.isGreedy {
                let goldenCase = golden.cases[index % golden.cases.count]
                #expect(summary.completionIds == Array(goldenCase.greedyIds.prefix(request.sampling.maxTokens)))
            }
            if request.promptLogprobs != nil {
                let logprobs = log.events(key).compactMap {
                    if case .promptLogprobs(let list) = $0 { list } else { nil }
                }
                let expected = reference.events(0).compactMap {
                    if case .promptLogprobs(let list) = $0 { list } else { nil }
                }
                #expect(logprobs.count == 1 && logprobs == expected, "sequence \(index)")
            }
        }
    }

    /// A GRPO group: 16 prompts sharing a 300-token problem statement. The statement's whole blocks
    /// are computed once, and outputs equal those computed without any sharing.
    @Test func aGroupSharingAPromptComputesItOnce() throws {
        let problem = Array(try #require(golden.cases.first { $0.name == "long-400" }).promptIds.prefix(300))
        let requests = (0..<16).map {
            SequenceRequest(
                promptIds: problem + randomTokens(20, seed: UInt64($0), vocabularySize: 600), sampling: greedy(8))
        }
        let (shared, statistics) = run(requests, SchedulerConfiguration(kvCacheBlocks: 512, maxBatchTokens: 512))
        let (unshared, _) = run(requests, SchedulerConfiguration(kvCacheBlocks: 512, prefixCaching: false))
        #expect(statistics.promptTokensComputed == 320 + 15 * 32)
        #expect(statistics.prefixCacheHitTokens == 15 * 288)
        for index in 0..<16 {
            #expect(shared.tokens(UInt64(index)) == unshared.tokens(UInt64(index)), "sequence \(index)")
        }
    }

    @Test func promptLogprobsAreTransformersLogSoftmax() throws {
        let goldenCase = try #require(golden.cases.first { $0.name == "ids-31" })
        let expected = try NumpyArray.load(contentsOfFile: goldenCase.logitsPath)
        let vocabulary = expected.shape[1]
        let scored = alone(SequenceRequest(promptIds: goldenCase.promptIds, sampling: greedy(0), promptLogprobs: 0))
        let logprobs = try #require(
            scored.events(0).compactMap { if case .promptLogprobs(let list) = $0 { list } else { nil } }.first)
        #expect(logprobs.count == goldenCase.promptIds.count && logprobs[0] == nil)
        for position in 1..<goldenCase.promptIds.count {
            let row = expected.values[((position - 1) * vocabulary)..<(position * vocabulary)]
            let maximum = Double(row.max()!)
            let normalizer = maximum + log(row.reduce(0) { $0 + exp(Double($1) - maximum) })
            let token = Int(goldenCase.promptIds[position])
            let reference = Double(row[row.startIndex + token]) - normalizer
            let entry = try #require(logprobs[position])
            #expect(abs(Double(entry.logprob) - reference) <= 2 * Double(goldenCase.tolerance), "position \(position)")
        }
    }

    @Test func streamedPiecesNeverShowAStopString() throws {
        let goldenCase = try #require(golden.cases.first { $0.name == "text-0" })
        let full = tokenizer.decode(goldenCase.greedyIds, skipSpecialTokens: true)
        let bytes = Array(full.utf8)
        var start = bytes.count / 2
        while start < bytes.count, bytes[start] & 0xC0 == 0x80 { start += 1 }
        let stop = String(decoding: bytes[start..<min(bytes.count, start + 3)], as: UTF8.self)
        let log = alone(
            SequenceRequest(
                promptIds: goldenCase.promptIds,
                sampling: SamplingParameters(temperature: 0, maxTokens: 24, stopStrings: [stop])))
        let summary = try #require(log.summary(0))
        #expect(summary.reason == .stop)
        #expect(summary.completion == String(full[..<full.firstRange(of: stop)!.lowerBound]))
        var streamed = ""
        for piece in log.tokens(0).map(\.text) {
            streamed += piece
            #expect(summary.completion.hasPrefix(streamed))
        }
        #expect(streamed == summary.completion)
    }
}
