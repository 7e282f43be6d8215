// POST /v1/chat/completions: the OpenAI chat body (string or text-part contents), rendered with the
// checkpoint's chat template and tokenized as transformers' apply_chat_template(tokenize=True) does.

import JSON
import Model

enum ChatCompletionRequest {
    static func parse(_ body: [UInt8], model: ServedModel) throws(APIError) -> (
        spec: GenerationSpec, modelName: String?
    ) {
        let reader = try RequestReader(body: body)
        let modelName = try reader.string("model")
        try model.check(modelName: modelName)
        guard let template = model.chatTemplate else {
            throw .unprocessable(
                "chat completions are unavailable for this model: \(model.chatTemplateProblem ?? "no chat template"); use /v1/completions"
            )
        }
        try reader.rejectUnsupported([
            ("tools", .array([])), ("tool_choice", .string("none")), ("functions", .array([])),
        ])
        let messages = try ChatMessages.read(reader)
        let text = template.render(messages, addGenerationPrompt: try reader.bool("add_generation_prompt") ?? true)
        let prompt = model.tokenizer.encode(text, addSpecialTokens: false)
        var sampling = try SamplingFields.read(
            reader, model: model, maxTokensDefault: nil, maxTokensKeys: ["max_completion_tokens", "max_tokens"])
        try SamplingFields.resolveMaxTokens(&sampling, promptLength: prompt.count, model: model)
        let wantsLogprobs = try reader.bool("logprobs") ?? false
        let top = try reader.int("top_logprobs", in: 0...SamplingFields.maximumLogprobs)
        if top != nil && !wantsLogprobs {
            throw .badRequest("'top_logprobs' needs 'logprobs': true", parameter: "top_logprobs")
        }
        sampling.topLogprobs = top ?? 0
        let spec = GenerationSpec(
            prompts: [prompt], samplesPerPrompt: try reader.int("n", in: 1...CompletionRequest.maximumSamples) ?? 1,
            sampling: sampling, logprobs: wantsLogprobs ? (top ?? 0) : nil, echo: false,
            stream: try reader.bool("stream") ?? false, includeUsageInStream: try SamplingFields.streamOptions(reader),
            includeStopString: try reader.bool("include_stop_str_in_output") ?? false,
            timeoutSeconds: try SamplingFields.timeout(reader))
        return (spec, modelName)
    }
}
