// POST /tokenize and POST /detokenize, in vLLM's shapes, and GET /v1/models.

import JSON
import Model

struct TokenizerRoutes {
    let model: ServedModel

    func models() -> JSONValue {
        .object([
            "object": .string("list"),
            "data": .array([
                .object([
                    "id": .string(model.primaryName), "object": .string("model"), "created": .int(model.created),
                    "owned_by": .string("spark"), "root": .string(model.names[model.names.count > 1 ? 1 : 0]),
                    "max_model_len": .int(model.contextLength),
                ])
            ]),
        ])
    }

    /// `{"prompt"}` or `{"messages"}` to `{"count", "max_model_len", "tokens"[, "token_strs"]}`.
    func tokenize(_ body: [UInt8]) throws(APIError) -> JSONValue {
        let reader = try RequestReader(body: body)
        try model.check(modelName: try reader.string("model"))
        let ids: [Int32]
        switch (try reader.string("prompt"), reader.has("messages")) {
        case (let prompt?, false):
            ids = model.tokenizer.encode(prompt, addSpecialTokens: try reader.bool("add_special_tokens") ?? true)
        case (nil, true):
            guard let template = model.chatTemplate else {
                throw .unprocessable("this model has no ChatML chat template: \(model.chatTemplateProblem ?? "")")
            }
            let messages = try ChatMessages.read(reader)
            let text = template.render(messages, addGenerationPrompt: try reader.bool("add_generation_prompt") ?? true)
            ids = model.tokenizer.encode(text, addSpecialTokens: try reader.bool("add_special_tokens") ?? false)
        default:
            throw .badRequest("give exactly one of 'prompt' (a string) or 'messages' (a chat)", parameter: "prompt")
        }
        var response: JSONObject = [
            "count": .int(ids.count), "max_model_len": .int(model.contextLength),
            "tokens": .array(ids.map { .int(Int($0)) }),
        ]
        if try reader.bool("return_token_strs") ?? false {
            let text = TokenText(tokenizer: model.tokenizer)
            response["token_strs"] = .array(ids.map { .string(text.text($0)) })
        }
        return .object(response)
    }

    /// `{"tokens": [ids]}` to `{"prompt": text}`.
    func detokenize(_ body: [UInt8]) throws(APIError) -> JSONValue {
        let reader = try RequestReader(body: body)
        try model.check(modelName: try reader.string("model"))
        guard let tokens = reader.object["tokens"] else {
            throw .badRequest("'tokens' is required: a list of token ids", parameter: "tokens")
        }
        let ids = try reader.tokenIds(tokens, "tokens", limit: model.vocabularySize)
        let skip = try reader.bool("skip_special_tokens") ?? false
        return .object(["prompt": .string(model.tokenizer.decode(ids, skipSpecialTokens: skip))])
    }
}
