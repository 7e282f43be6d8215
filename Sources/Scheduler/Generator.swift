// Offline generation for the command line and tests: runs a set of requests to completion on a
// scheduler of its own (submit all, wait for all), so that there is one generation loop in the
// project. The KV cache is sized to hold every request at once, so nothing is ever preempted.

import Engine
import Model
import Synchronization

public struct GenerationRequest: Sendable {
    public var promptIds: [Int32]
    public var sampling: SamplingParameters
    /// Keep the logits of every prompt position (`--dump-logits`).
    public var keepPromptLogits: Bool

    public init(promptIds: [Int32], sampling: SamplingParameters, keepPromptLogits: Bool = false) {
        self.promptIds = promptIds
        self.sampling = sampling
        self.keepPromptLogits = keepPromptLogits
    }
}

public struct GenerationResult: Sendable {
    public var promptIds: [Int32]
    /// Every generated token, including a final EOS token and the tokens of a matched stop string
    /// (as vLLM reports them); `completion` leaves both out.
    public var completionIds: [Int32]
    public var completion: String
    public var finishReason: FinishReason
    /// log P(token) of each generated token under the model's raw distribution.
    public var tokenLogprobs: [Float]
    public var topLogprobs: [[TokenLogprob]]
    /// [prompt length, vocabulary] logits when the request kept them.
    public var promptLogits: NumpyArray?
}

public struct GenerationError: Error, Equatable, CustomStringConvertible {
    /// Index of the request at fault.
    public let request: Int
    public let message: String
    public var description: String { "request \(request): \(message)" }
}

public final class Generator {
    public let transformer: Transformer
    public let tokenizer: Tokenizer?
    /// Tokens per forward pass: decode tokens first, then prompt chunks in the space left.
    public var maxBatchTokens: Int
    public let blockSize: Int

    public init(transformer: Transformer, tokenizer: Tokenizer?, maxBatchTokens: Int = 512, blockSize: Int = 16) {
        precondition(maxBatchTokens > 0 && blockSize > 0)
        self.transformer = transformer
        self.tokenizer = tokenizer
        self.maxBatchTokens = maxBatchTokens
        self.blockSize = blockSize
    }

    /// The longest prompt plus completion a request may ask for.
    public var contextLength: Int { transformer.config.maxPositionEmbeddings }

    public func generate(_ requests: [GenerationRequest]) throws(GenerationError) -> [GenerationResult] {
        for (index, request) in requests.enumerated() { try validate(request, index: index) }
        guard !requests.isEmpty else { return [] }
        let blockCount = requests.reduce(0) {
            $0 + ($1.promptIds.count + $1.sampling.maxTokens + blockSize - 1) / blockSize
        }
        let scheduler = Scheduler(
            model: transformer, tokenizer: tokenizer,
            configuration: SchedulerConfiguration(
                kvCacheBlocks: blockCount, maxBatchTokens: maxBatchTokens, maxRunning: requests.count,
                blockSize: blockSize))
        let collector = ResultCollector(requests, vocabularySize: transformer.config.vocabSize)
        for (index, request) in requests.enumerated() {
            do {
                _ = try scheduler.submit(
                    SequenceRequest(
                        promptIds: request.promptIds, sampling: request.sampling,
                        promptLogits: request.keepPromptLogits)
                ) { event in collector.record(event, request: index) }
            } catch {
                scheduler.shutdown(drain: false)
                throw GenerationError(request: index, message: error.description)
            }
        }
        scheduler.shutdown(drain: true)
        return collector.results
    }

    /// Checks one request against the model and the tokenizer; `index` names it in the error.
    public func validate(_ request: GenerationRequest, index: Int) throws(GenerationError) {
        let limits = SubmissionLimits(
            vocabularySize: transformer.config.vocabSize, contextLength: contextLength, cacheTokens: nil,
            hasTokenizer: tokenizer != nil)
        do {
            try limits.check(SequenceRequest(promptIds: request.promptIds, sampling: request.sampling))
        } catch {
            throw GenerationError(request: index, message: error.description)
        }
    }
}

/// Gathers each request's events from the engine thread.
private final class ResultCollector: Sendable {
    private let vocabularySize: Int
    private let state: Mutex<[GenerationResult]>

    init(_ requests: [GenerationRequest], vocabularySize: Int) {
        self.vocabularySize = vocabularySize
        state = Mutex(
            requests.map {
                GenerationResult(
                    promptIds: $0.promptIds, completionIds: [], completion: "", finishReason: .length,
                    tokenLogprobs: [], topLogprobs: [], promptLogits: nil)
            })
    }

    func record(_ event: SequenceEvent, request index: Int) {
        state.withLock { results in
            switch event {
            case .admitted, .promptLogprobs: break
            case .promptLogits(let values):
                results[index].promptLogits = NumpyArray(
                    shape: [results[index].promptIds.count, vocabularySize], values: values)
            case .token(let output):
                results[index].tokenLogprobs.append(output.logprob)
                results[index].topLogprobs.append(output.topLogprobs)
            case .finished(let summary):
                results[index].completionIds = summary.completionIds
                results[index].completion = summary.completion
                results[index].finishReason = summary.reason
            }
        }
    }

    var results: [GenerationResult] { state.withLock { $0 } }
}
