// Runs a set of generation requests to completion as one flattened batch: every step carries one
// decode token per running sequence plus prompt chunks of the others, within a token budget (chunked
// prefill). Stops on EOS ids, stop strings and max tokens. This is the engine's own driver, for the
// command line and tests; the server's scheduler does the same continuously, with admission and a
// shared block pool.

import Model

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

public enum FinishReason: String, Sendable {
    /// An EOS token or a stop string ended the sequence.
    case stop
    /// max_tokens, or the model's context length, was reached.
    case length
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
        var sequences: [SequenceState] = []
        var nextBlock: Int32 = 0
        for request in requests {
            let length = request.promptIds.count + request.sampling.maxTokens
            let blocks = Int32((length + blockSize - 1) / blockSize)
            sequences.append(
                SequenceState(
                    request: request, blockTable: Array(nextBlock..<(nextBlock + blocks)), tokenizer: tokenizer,
                    vocabularySize: transformer.config.vocabSize))
            nextBlock += blocks
        }
        let cache = KVCache(config: transformer.config, blockSize: blockSize, blockCount: max(Int(nextBlock), 1))
        for index in sequences.indices
        where sequences[index].request.sampling.maxTokens == 0 && !sequences[index].request.keepPromptLogits {
            sequences[index].finish(.length)
        }

        while sequences.contains(where: { !$0.isFinished }) {
            var chunks: [SequenceChunk] = []
            var members: [Int] = []
            var budget = maxBatchTokens
            for index in sequences.indices where !sequences[index].isFinished && sequences[index].isDecoding {
                chunks.append(sequences[index].decodeChunk())
                members.append(index)
                budget -= 1
            }
            for index in sequences.indices
            where !sequences[index].isFinished && !sequences[index].isDecoding && budget > 0 {
                let chunk = sequences[index].prefillChunk(maximumTokens: budget)
                budget -= chunk.tokens.count
                chunks.append(chunk)
                members.append(index)
            }
            let logits = transformer.forward(ForwardBatch(chunks: chunks), cache: cache)
            for (chunkIndex, index) in members.enumerated() {
                sequences[index].accept(logits: logits, rows: logits.rowRanges[chunkIndex], chunk: chunks[chunkIndex])
            }
        }
        return sequences.map { $0.result() }
    }

    /// Checks one request against the model and the tokenizer; `index` names it in the error.
    public func validate(_ request: GenerationRequest, index: Int) throws(GenerationError) {
        func fail(_ message: String) -> GenerationError { GenerationError(request: index, message: message) }
        let vocabulary = transformer.config.vocabSize
        let sampling = request.sampling
        guard !request.promptIds.isEmpty else { throw fail("the prompt is empty") }
        if let bad = request.promptIds.first(where: { $0 < 0 || Int($0) >= vocabulary }) {
            throw fail("token id \(bad) is outside the vocabulary (0..<\(vocabulary))")
        }
        guard sampling.maxTokens >= 0 else { throw fail("max_tokens must be at least 0, got \(sampling.maxTokens)") }
        guard request.promptIds.count + sampling.maxTokens <= contextLength else {
            throw fail(
                "the prompt (\(request.promptIds.count) tokens) plus max_tokens (\(sampling.maxTokens)) exceeds the model's context length of \(contextLength) tokens"
            )
        }
        guard sampling.temperature >= 0, sampling.temperature.isFinite else {
            throw fail("temperature must be a number >= 0, got \(sampling.temperature)")
        }
        guard sampling.topP > 0, sampling.topP <= 1 else { throw fail("top_p must be in (0, 1], got \(sampling.topP)") }
        guard sampling.topK >= 0 else { throw fail("top_k must be >= 0 (0 disables it), got \(sampling.topK)") }
        guard sampling.topLogprobs >= 0 else { throw fail("top_logprobs must be >= 0, got \(sampling.topLogprobs)") }
        if !sampling.stopStrings.isEmpty {
            guard tokenizer != nil else { throw fail("stop strings need the checkpoint's tokenizer.json") }
            guard !sampling.stopStrings.contains("") else { throw fail("a stop string is empty") }
        }
    }
}

/// One request's progress through generation.
private struct SequenceState {
    let request: GenerationRequest
    let blockTable: [Int32]
    let vocabularySize: Int
    var sampler: Sampler
    var decoder: StreamingDecoder?
    var computed = 0
    var generated: [Int32] = []
    var logprobs: [Float] = []
    var topLogprobs: [[TokenLogprob]] = []
    /// The completion's UTF-8 bytes, always whole characters.
    var text: [UInt8] = []
    var finishReason: FinishReason?
    var promptLogits: [Float] = []

    init(request: GenerationRequest, blockTable: [Int32], tokenizer: Tokenizer?, vocabularySize: Int) {
        self.request = request
        self.blockTable = blockTable
        self.vocabularySize = vocabularySize
        sampler = Sampler(parameters: request.sampling)
        decoder = tokenizer.map { StreamingDecoder(tokenizer: $0, skipSpecialTokens: true) }
        if request.keepPromptLogits { promptLogits.reserveCapacity(request.promptIds.count * vocabularySize) }
    }

    var isFinished: Bool { finishReason != nil }
    var isDecoding: Bool { computed >= request.promptIds.count }

    func decodeChunk() -> SequenceChunk {
        SequenceChunk(tokens: [generated.last!], startPosition: computed, blockTable: blockTable, logits: .last)
    }

    func prefillChunk(maximumTokens: Int) -> SequenceChunk {
        let end = min(request.promptIds.count, computed + maximumTokens)
        let completesPrompt = end == request.promptIds.count
        let logits: LogitsSelection = request.keepPromptLogits ? .all : (completesPrompt ? .last : .none)
        return SequenceChunk(
            tokens: Array(request.promptIds[computed..<end]), startPosition: computed, blockTable: blockTable,
            logits: logits)
    }

    mutating func accept(logits: Logits, rows: Range<Int>, chunk: SequenceChunk) {
        computed += chunk.tokens.count
        if request.keepPromptLogits && computed <= request.promptIds.count {
            for row in rows { promptLogits += logits.row(row) }
        }
        guard isDecoding, let last = rows.last else { return }
        if request.sampling.maxTokens == 0 {
            finish(.length)
            return
        }
        let choice = sampler.sample(logits.row(last))
        generated.append(choice.token)
        logprobs.append(choice.logprob)
        topLogprobs.append(choice.topLogprobs)
        if request.sampling.stopTokenIds.contains(choice.token) {
            finish(.stop)
            return
        }
        if var decoder {
            let piece = decoder.append(choice.token)
            self.decoder = decoder
            if appendAndCheckStopStrings(piece) {
                finish(.stop)
                return
            }
        }
        if generated.count >= request.sampling.maxTokens { finish(.length) }
    }

    /// Appends newly decoded text; on a stop string, cuts the text before it and returns true.
    /// Matching is on UTF-8 bytes, not on Characters: a stop string "\n" must match inside "\r\n".
    private mutating func appendAndCheckStopStrings(_ piece: String) -> Bool {
        guard !piece.isEmpty else { return false }
        let longest = request.sampling.stopStrings.map(\.utf8.count).max() ?? 0
        let searchFrom = max(0, text.count - longest + 1)
        text += piece.utf8
        var earliest: Int?
        for stop in request.sampling.stopStrings {
            if let found = firstOccurrence(of: Array(stop.utf8), from: searchFrom), found < (earliest ?? .max) {
                earliest = found
            }
        }
        guard let earliest else { return false }
        text.removeSubrange(earliest...)
        return true
    }

    private func firstOccurrence(of needle: [UInt8], from start: Int) -> Int? {
        guard text.count >= needle.count else { return nil }
        var position = start
        while position + needle.count <= text.count {
            if text[position] == needle[0], text[position..<(position + needle.count)].elementsEqual(needle) {
                return position
            }
            position += 1
        }
        return nil
    }

    mutating func finish(_ reason: FinishReason) {
        if reason == .length, var decoder {
            // A generation that ran out of tokens may end inside a character: emit what is left.
            text += decoder.finish().utf8
            self.decoder = decoder
        }
        finishReason = reason
    }

    func result() -> GenerationResult {
        GenerationResult(
            promptIds: request.promptIds, completionIds: generated, completion: String(decoding: text, as: UTF8.self),
            finishReason: finishReason ?? .length,
            tokenLogprobs: logprobs, topLogprobs: topLogprobs,
            promptLogits: request.keepPromptLogits
                ? NumpyArray(shape: [request.promptIds.count, vocabularySize], values: promptLogits) : nil)
    }
}
