// POST /v1/completions: the OpenAI legacy completions body, with the vLLM extras RL frameworks send,
// turned into a GenerationSpec. `prompt` may be a string, a list of strings, a list of token ids or a
// list of lists of ids; every prompt gets `n` samples.

import JSON
import Model

enum CompletionRequest {
    static let maximumSamples = 128
    static let maximumPrompts = 1024

    static func parse(_ body: [UInt8], model: ServedModel) throws(APIError) -> (
        spec: GenerationSpec, modelName: String?
    ) {
        let reader = try RequestReader(body: body)
        let modelName = try reader.string("model")
        try model.check(modelName: modelName)
        guard reader.has("prompt") else { throw .badRequest("'prompt' is required", parameter: "prompt") }
        let prompts = try readPrompts(reader.object["prompt"]!, reader: reader, model: model)
        var sampling = try SamplingFields.read(
            reader, model: model, maxTokensDefault: 16, maxTokensKeys: ["max_tokens"])
        sampling.topLogprobs = try reader.int("logprobs", in: 0...SamplingFields.maximumLogprobs) ?? 0
        for prompt in prompts {
            var checked = sampling
            try SamplingFields.resolveMaxTokens(&checked, promptLength: prompt.count, model: model)
        }
        let spec = GenerationSpec(
            prompts: prompts, samplesPerPrompt: try reader.int("n", in: 1...maximumSamples) ?? 1, sampling: sampling,
            logprobs: try reader.int("logprobs", in: 0...SamplingFields.maximumLogprobs),
            echo: try reader.bool("echo") ?? false, stream: try reader.bool("stream") ?? false,
            includeUsageInStream: try SamplingFields.streamOptions(reader),
            includeStopString: try reader.bool("include_stop_str_in_output") ?? false,
            timeoutSeconds: try SamplingFields.timeout(reader))
        return (spec, modelName)
    }

    private static func readPrompts(_ value: JSONValue, reader: RequestReader, model: ServedModel) throws(APIError)
        -> [[Int32]]
    {
        let addSpecialTokens = try reader.bool("add_special_tokens") ?? true
        var prompts: [[Int32]]
        switch value {
        case .string(let text):
            prompts = [model.tokenizer.encode(text, addSpecialTokens: addSpecialTokens)]
        case .array(let elements) where elements.isEmpty:
            throw .badRequest("'prompt' must not be an empty list", parameter: "prompt")
        case .array(let elements) where elements.allSatisfy({ $0.stringValue != nil }):
            prompts = elements.map { model.tokenizer.encode($0.stringValue!, addSpecialTokens: addSpecialTokens) }
        case .array(let elements) where elements.allSatisfy({ $0.intValue != nil }):
            prompts = [try reader.tokenIds(value, "prompt", limit: model.vocabularySize)]
        case .array(let elements) where elements.allSatisfy({ $0.arrayValue != nil }):
            prompts = []
            for element in elements {
                prompts.append(try reader.tokenIds(element, "prompt", limit: model.vocabularySize))
            }
        default:
            throw .badRequest(
                "'prompt' must be a string, a list of strings, a list of token ids or a list of such lists",
                parameter: "prompt")
        }
        guard prompts.count <= maximumPrompts else {
            throw .badRequest(
                "at most \(maximumPrompts) prompts per request, found \(prompts.count)", parameter: "prompt")
        }
        if prompts.contains(where: \.isEmpty) {
            throw .badRequest("a prompt is empty (no tokens); give at least one token", parameter: "prompt")
        }
        return prompts
    }
}
