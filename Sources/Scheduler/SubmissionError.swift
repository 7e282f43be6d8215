// Why a sequence was refused at submission, with the facts a caller needs to act on it (the server maps
// `shuttingDown` to 503 and the rest to 400), and the checks that produce it.

import Engine

public enum SubmissionError: Error, Equatable, CustomStringConvertible {
    case emptyPrompt
    case tokenOutsideVocabulary(token: Int32, vocabularySize: Int)
    case negativeMaxTokens(Int)
    case exceedsContextLength(promptTokens: Int, maxTokens: Int, contextLength: Int)
    /// The sequence could never fit in the KV cache, even alone.
    case exceedsCache(promptTokens: Int, maxTokens: Int, cacheTokens: Int)
    case invalidTemperature(Float)
    case invalidTopP(Float)
    case invalidTopK(Int)
    case invalidTopLogprobs(Int)
    case invalidPromptLogprobs(Int)
    case stopStringsWithoutTokenizer
    case emptyStopString
    /// `shutdown` was called: no new sequences are taken.
    case shuttingDown

    public var description: String {
        switch self {
        case .emptyPrompt: "the prompt is empty"
        case .tokenOutsideVocabulary(let token, let size): "token id \(token) is outside the vocabulary (0..<\(size))"
        case .negativeMaxTokens(let value): "max_tokens must be at least 0, got \(value)"
        case .exceedsContextLength(let prompt, let maxTokens, let context):
            "the prompt (\(prompt) tokens) plus max_tokens (\(maxTokens)) exceeds the model's context length of \(context) tokens"
        case .exceedsCache(let prompt, let maxTokens, let cache):
            "the prompt (\(prompt) tokens) plus max_tokens (\(maxTokens)) exceeds the KV cache of \(cache) tokens"
        case .invalidTemperature(let value): "temperature must be a number >= 0, got \(value)"
        case .invalidTopP(let value): "top_p must be in (0, 1], got \(value)"
        case .invalidTopK(let value): "top_k must be >= 0 (0 disables it), got \(value)"
        case .invalidTopLogprobs(let value): "top_logprobs must be >= 0, got \(value)"
        case .invalidPromptLogprobs(let value): "prompt_logprobs must be >= 0, got \(value)"
        case .stopStringsWithoutTokenizer: "stop strings need the checkpoint's tokenizer.json"
        case .emptyStopString: "a stop string is empty"
        case .shuttingDown: "the scheduler is shutting down and takes no new sequences"
        }
    }
}

/// What a request is checked against.
struct SubmissionLimits: Sendable {
    let vocabularySize: Int
    let contextLength: Int
    /// Tokens the whole KV cache holds; nil when the cache is sized to the requests.
    let cacheTokens: Int?
    let hasTokenizer: Bool

    func check(_ request: SequenceRequest) throws(SubmissionError) {
        let prompt = request.promptIds
        let sampling = request.sampling
        guard !prompt.isEmpty else { throw .emptyPrompt }
        if let bad = prompt.first(where: { $0 < 0 || Int($0) >= vocabularySize }) {
            throw .tokenOutsideVocabulary(token: bad, vocabularySize: vocabularySize)
        }
        guard sampling.maxTokens >= 0 else { throw .negativeMaxTokens(sampling.maxTokens) }
        guard prompt.count + sampling.maxTokens <= contextLength else {
            throw .exceedsContextLength(
                promptTokens: prompt.count, maxTokens: sampling.maxTokens, contextLength: contextLength)
        }
        if let cacheTokens, prompt.count + sampling.maxTokens > cacheTokens {
            throw .exceedsCache(promptTokens: prompt.count, maxTokens: sampling.maxTokens, cacheTokens: cacheTokens)
        }
        guard sampling.temperature >= 0, sampling.temperature.isFinite else {
            throw .invalidTemperature(sampling.temperature)
        }
        guard sampling.topP > 0, sampling.topP <= 1 else { throw .invalidTopP(sampling.topP) }
        guard sampling.topK >= 0 else { throw .invalidTopK(sampling.topK) }
        guard sampling.topLogprobs >= 0 else { throw .invalidTopLogprobs(sampling.topLogprobs) }
        if let count = request.promptLogprobs, count < 0 { throw .invalidPromptLogprobs(count) }
        if !sampling.stopStrings.isEmpty {
            guard hasTokenizer else { throw .stopStringsWithoutTokenizer }
            guard !sampling.stopStrings.contains("") else { throw .emptyStopString }
        }
    }
}
