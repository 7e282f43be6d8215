// The OpenAI `text_completion` object and its streamed chunks, from finished samples.

import Engine
import JSON
import Scheduler

struct CompletionResponse {
    let id: String
    let created: Int
    let modelName: String
    let tokenText: TokenText

    /// The complete response; `prompts[i]` is prompt i's token ids (for echo).
    func body(results: [SampleResult], spec: GenerationSpec, prompts: [[Int32]]) -> JSONValue {
        let choices: [JSONValue] = results.sorted(by: order).map { result in
            var text = result.text
            var logprobs: JSONValue = .null
            if spec.echo {
                text = tokenText.tokenizer.decode(prompts[result.promptIndex]) + text
            }
            if spec.logprobs != nil {
                var entries: [SampledToken?] = []
                var ids: [Int32] = []
                if spec.echo {
                    ids += prompts[result.promptIndex]
                    entries += result.promptLogprobs ?? Array(repeating: nil, count: prompts[result.promptIndex].count)
                }
                ids += result.tokens.map(\.token)
                entries += result.tokens.map { Optional($0) }
                logprobs = logprobsObject(ids: ids, entries: entries)
            }
            return choice(index: index(result, spec), text: text, logprobs: logprobs, result: result)
        }
        return .object([
            "id": .string(id), "object": .string("text_completion"), "created": .int(created),
            "model": .string(modelName), "choices": .array(choices), "usage": Usage(results).json,
        ])
    }

    /// One streamed chunk: a text piece of one choice, or its end.
    func chunk(index: Int, text: String, token: SampledToken?, finish: SampleResult?, wantsLogprobs: Bool) -> JSONValue
    {
        var logprobs: JSONValue = .null
        if wantsLogprobs, let token { logprobs = logprobsObject(ids: [token.token], entries: [token]) }
        var choice: JSONObject = [
            "index": .int(index), "text": .string(text), "logprobs": logprobs,
            "finish_reason": finish.map { .string(Self.finishReason($0)) } ?? .null,
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
            "id": .string(id), "object": .string("text_completion"), "created": .int(created),
            "model": .string(modelName), "choices": .array(choices),
        ])
    }

    private func choice(index: Int, text: String, logprobs: JSONValue, result: SampleResult) -> JSONValue {
        .object([
            "index": .int(index), "text": .string(text), "logprobs": logprobs,
            "finish_reason": .string(Self.finishReason(result)),
            "stop_reason": result.stopString.map { .string($0) } ?? .null,
        ])
    }

    /// The legacy logprobs object: parallel lists of tokens, their logprobs, the top alternatives as
    /// {token: logprob} maps, and each token's character offset in the text.
    private func logprobsObject(ids: [Int32], entries: [SampledToken?]) -> JSONValue {
        var tokens: [JSONValue] = []
        var values: [JSONValue] = []
        var tops: [JSONValue] = []
        var offsets: [JSONValue] = []
        var offset = 0
        for (id, entry) in zip(ids, entries) {
            let text = tokenText.text(id)
            tokens.append(.string(text))
            offsets.append(.int(offset))
            offset += text.count
            values.append(entry.map { .double(Double($0.logprob)) } ?? .null)
            if let entry {
                var top = JSONObject()
                for alternative in entry.topLogprobs where top[tokenText.text(alternative.token)] == nil {
                    top[tokenText.text(alternative.token)] = .double(Double(alternative.logprob))
                }
                tops.append(.object(top))
            } else {
                tops.append(.null)
            }
        }
        return .object([
            "tokens": .array(tokens), "token_logprobs": .array(values), "top_logprobs": .array(tops),
            "text_offset": .array(offsets),
        ])
    }

    static func finishReason(_ result: SampleResult) -> String { result.finishReason.rawValue }

    private func order(_ a: SampleResult, _ b: SampleResult) -> Bool {
        (a.promptIndex, a.sampleIndex) < (b.promptIndex, b.sampleIndex)
    }

    private func index(_ result: SampleResult, _ spec: GenerationSpec) -> Int {
        result.promptIndex * spec.samplesPerPrompt + result.sampleIndex
    }
}
