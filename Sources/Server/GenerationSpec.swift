// What a completion or chat request asks the engine for, validated and in engine terms: prompts as
// token ids, n samples of each, sampling parameters, and how the answer is to be shaped.

import Engine

struct GenerationSpec: Sendable {
    var prompts: [[Int32]]
    /// Samples per prompt; sample i of a seeded request uses seed + i.
    var samplesPerPrompt: Int
    var sampling: SamplingParameters
    /// Top alternatives reported per token; nil when no logprobs were asked for.
    var logprobs: Int?
    /// Completions: return the prompt before the completion (with its logprobs when asked).
    var echo: Bool
    var stream: Bool
    var includeUsageInStream: Bool
    /// Leave the matched stop string in the text (vLLM's include_stop_str_in_output).
    var includeStopString: Bool
    /// Seconds the request may take; the server's default when nil.
    var timeoutSeconds: Double?

    /// The sampling of sample `index` of a prompt.
    func sampling(forSample index: Int) -> SamplingParameters {
        var parameters = sampling
        if let seed = sampling.seed { parameters.seed = seed &+ UInt64(index) }
        return parameters
    }
}

/// The sampling fields completions and chat share, with vLLM's defaults: the checkpoint's
/// generation_config.json values where the request is silent, else OpenAI's.
struct SamplingFields {
    static let maximumLogprobs = 1000

    static func read(_ reader: RequestReader, model: ServedModel, maxTokensDefault: Int?, maxTokensKeys: [String])
        throws(APIError) -> SamplingParameters
    {
        var sampling = SamplingParameters()
        sampling.temperature = Float(try reader.double("temperature", in: 0...100) ?? model.defaults.temperature ?? 1)
        sampling.topP = Float(try reader.double("top_p", in: 0...1) ?? model.defaults.topP ?? 1)
        guard sampling.topP > 0 else { throw .badRequest("'top_p' must be greater than 0", parameter: "top_p") }
        // vLLM spells "no top-k" as -1 or 0.
        let topK = try reader.int("top_k", in: -1...Int(Int32.max)) ?? model.defaults.topK ?? 0
        sampling.topK = max(0, topK)
        if let seed = try reader.int("seed", in: Int(Int64.min)...Int(Int64.max)) {
            sampling.seed = UInt64(bitPattern: Int64(seed))
        }
        var maxTokens: Int?
        for key in maxTokensKeys where maxTokens == nil {
            maxTokens = try reader.int(key, in: 0...model.contextLength)
        }
        sampling.maxTokens = maxTokens ?? maxTokensDefault ?? -1
        sampling.stopStrings = try reader.strings("stop") ?? []
        if sampling.stopStrings.contains("") {
            throw .badRequest("'stop' strings must not be empty", parameter: "stop")
        }
        if !(try reader.bool("ignore_eos") ?? false) { sampling.stopTokenIds = model.endOfSequenceIds }
        if reader.has("stop_token_ids") {
            sampling.stopTokenIds.formUnion(
                try reader.tokenIds(reader.object["stop_token_ids"]!, "stop_token_ids", limit: model.vocabularySize))
        }
        try reader.rejectUnsupported([
            ("presence_penalty", .int(0)), ("frequency_penalty", .int(0)), ("repetition_penalty", .int(1)),
            ("min_p", .int(0)), ("logit_bias", .object([:])), ("best_of", .int(1)), ("suffix", .string("")),
            ("guided_json", .null), ("response_format", .object(["type": .string("text")])),
        ])
        return sampling
    }

    /// `max_tokens` when the request leaves it out: the room left in the context, as vLLM does.
    static func resolveMaxTokens(_ sampling: inout SamplingParameters, promptLength: Int, model: ServedModel)
        throws(APIError)
    {
        if sampling.maxTokens < 0 { sampling.maxTokens = max(0, model.contextLength - promptLength) }
        guard promptLength + sampling.maxTokens <= model.contextLength else {
            throw .badRequest(
                "this model's context length is \(model.contextLength) tokens, but the prompt has \(promptLength) and max_tokens asks for \(sampling.maxTokens) more; shorten the prompt or lower max_tokens",
                parameter: "max_tokens")
        }
    }

    /// The request's own deadline, in seconds: `timeout_ms` or `timeout` (seconds), at most one of them.
    static func timeout(_ reader: RequestReader) throws(APIError) -> Double? {
        let milliseconds = try reader.double("timeout_ms", in: 0...604_800_000)
        let seconds = try reader.double("timeout", in: 0...604_800)
        switch (milliseconds, seconds) {
        case (nil, nil): return nil
        case (let milliseconds?, nil):
            guard milliseconds > 0 else {
                throw .badRequest("'timeout_ms' must be a number of milliseconds above 0", parameter: "timeout_ms")
            }
            return milliseconds / 1000
        case (nil, let seconds?):
            guard seconds > 0 else {
                throw .badRequest("'timeout' must be a number of seconds above 0", parameter: "timeout")
            }
            return seconds
        default:
            throw .badRequest("give 'timeout_ms' or 'timeout' (seconds), not both", parameter: "timeout_ms")
        }
    }

    static func streamOptions(_ reader: RequestReader) throws(APIError) -> Bool {
        guard reader.has("stream_options") else { return false }
        return try RequestReader(reader.object["stream_options"]!, path: "stream_options.").bool("include_usage")
            ?? false
    }
}
