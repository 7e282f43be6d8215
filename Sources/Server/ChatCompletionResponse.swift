// The OpenAI `chat.completion` object and its `chat.completion.chunk` stream, from finished samples.

import Engine
import JSON
import Scheduler

struct ChatCompletionResponse {
    let id: String
    let created: Int
    let modelName: String
    let tokenText: TokenText

    func body(results: [SampleResult], spec: GenerationSpec) -> JSONValue {
        let choices: [JSONValue] = results.sorted { $0.sampleIndex < $1.sampleIndex }.map { result in
            .object([
                "index": .int(result.sampleIndex),
                "message": .object(["role": .string("assistant"), "content": .string(result.text)]),
                "logprobs": spec.logprobs == nil ? .null : logprobsObject(result.tokens),
                "finish_reason": .string(result.finishReason.rawValue),
                "stop_reason": result.stopString.map { .string($0) } ?? .null,
            ])
        }
        return .object([
            "id": .string(id), "object": .string("chat.completion"), "created": .int(created),
            "model": .string(modelName), "choices": .array(choices), "usage": Usage(results).json,
        ])
    }

    /// The first chunk of a choice carries the role; later ones content pieces; the last the finish reason.
    func chunk(index: Int, role: Bool, text: String?, token: SampledToken?, finish: SampleResult?, wantsLogprobs: Bool)
        -> JSONValue
    {
        var delta = JSONObject()
        if role { delta["role"] = .string("assistant") }
        if let text { delta["content"] = .string(text) }
        var choice: JSONObject = [
            "index": .int(index), "delta": .object(delta),
            "logprobs": wantsLogprobs && token != nil ? logprobsObject([token!]) : .null,
            "finish_reason": finish.map { .string($0.finishReason.rawValue) } ?? .null,
        ]
        if let finish { choice["stop_reason"] = finish.stopString.map { .string($0) } ?? .null }
        return envelope(choices: [.object(choice)])
    }

    func usageChunk(_ usage: Usage) -> JSONValue {
        var object = envelope(choices: []).objectValue!
        object["usage"] = usage.json
        return .object(object)
    }

    private func envelope(choices: [JSONValue]) -> JSONValue {
        .object([
            "id": .string(id), "object": .string("chat.completion.chunk"), "created": .int(created),
            "model": .string(modelName), "choices": .array(choices),
        ])
    }

    /// `{"content": [{"token", "logprob", "bytes", "top_logprobs": [{"token", "logprob", "bytes"}]}]}`
    private func logprobsObject(_ tokens: [SampledToken]) -> JSONValue {
        .object([
            "content": .array(
                tokens.map { token in
                    .object([
                        "token": .string(tokenText.text(token.token)), "logprob": .double(Double(token.logprob)),
                        "bytes": tokenText.bytes(token.token),
                        "top_logprobs": .array(
                            token.topLogprobs.map { alternative in
                                .object([
                                    "token": .string(tokenText.text(alternative.token)),
                                    "logprob": .double(Double(alternative.logprob)),
                                    "bytes": tokenText.bytes(alternative.token),
                                ])
                            }),
                    ])
                })
        ])
    }
}
