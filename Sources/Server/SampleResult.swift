// One finished sample of a completion or chat request, as the routes assemble it from the engine's
// events, and the per-token text that logprobs report.

import Engine
import JSON
import Model
import Scheduler

struct SampleResult: Sendable {
    var promptIndex: Int
    var sampleIndex: Int
    var text: String
    var tokens: [SampledToken]
    var finishReason: FinishReason
    /// The stop string that ended the sample, if one did.
    var stopString: String?
    /// Log-probabilities of the prompt tokens (echo with logprobs); the first token has none.
    var promptLogprobs: [SampledToken?]?
    var promptTokenCount: Int
    var cachedPromptTokens: Int
}

struct Usage: Sendable {
    var promptTokens = 0
    var completionTokens = 0
    var cachedTokens = 0

    /// Prompt tokens count once per prompt, however many samples it has, as OpenAI counts them.
    init(_ results: [SampleResult]) {
        for result in results {
            if result.sampleIndex == 0 {
                promptTokens += result.promptTokenCount
                cachedTokens += result.cachedPromptTokens
            }
            completionTokens += result.tokens.count
        }
    }

    var json: JSONValue {
        .object([
            "prompt_tokens": .int(promptTokens), "completion_tokens": .int(completionTokens),
            "total_tokens": .int(promptTokens + completionTokens),
            "prompt_tokens_details": .object(["cached_tokens": .int(cachedTokens)]),
        ])
    }
}

/// A token as logprobs show it: its text when its bytes are whole UTF-8, else the lossy text, with the
/// exact bytes alongside (chat's `bytes` field), as OpenAI and vLLM do.
struct TokenText {
    let tokenizer: Tokenizer

    func text(_ id: Int32) -> String { String(decoding: tokenizer.decodeBytes([id]), as: UTF8.self) }

    func bytes(_ id: Int32) -> JSONValue { .array(tokenizer.decodeBytes([id]).map { .int(Int($0)) }) }
}

enum ResponseIdentifier {
    /// `prefix-` and 24 random hex digits, unique enough for logs and clients.
    static func make(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let more = generator.next() as UInt32
        return prefix + "-" + String(value, radix: 16).leftPadded(16) + String(more, radix: 16).leftPadded(8)
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
