// A byte-level BPE tokenizer made by `BPETrainer`, and the files it is saved as:
// - tokenizer.json as HF tokenizers saves one (`save(path, pretty=False)`: compact, HF's key order),
//   with Qwen2's pipeline (NFC; Split on the Qwen2 pattern, or Llama 3's or GPT-2's, Isolated;
//   ByteLevel without prefix space or regex; ByteLevel post-processor and decoder) and the special
//   tokens as added tokens. For the same training the file equals HF's byte for byte; the tests
//   compare (with digits apart, which HF cannot train, against HF trained on one-digit pieces).
// - tokenizer_config.json shaped like Qwen2-Instruct's (with the fast tokenizer class for Llama 3's and
//   GPT-2's split): the special tokens, `eos_token` `<|im_end|>`, `pad_token` `<|endoftext|>` (each when
//   present) and, when `<|im_start|>` and `<|im_end|>` are among the special tokens, a plain ChatML
//   chat template (no default system message).
// Each file is written to a temporary name and renamed into place.

import JSON

public struct TrainedTokenizer: Sendable {
    /// Every token by id: the special tokens as given, the others in the byte-level alphabet (each
    /// character stands for one byte).
    public let tokens: [String]
    public let specialTokens: [String]
    /// The merges in rank order.
    public let merges: [(String, String)]
    public let splitPattern: SplitPattern

    /// `{% for message %}<|im_start|>{role}\n{content}<|im_end|>\n{% endfor %}` and the generation prompt.
    static let chatMLTemplate =
        #"{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"#
        + #"{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"#

    public var eosToken: String? {
        ["<|im_end|>", "<|endoftext|>"].first(where: specialTokens.contains) ?? specialTokens.first
    }

    public var padToken: String? { specialTokens.contains("<|endoftext|>") ? "<|endoftext|>" : nil }

    public var hasChatTemplate: Bool { specialTokens.contains("<|im_start|>") && specialTokens.contains("<|im_end|>") }

    public var tokenizerJSON: JSONValue {
        let byteLevel: JSONValue = .object([
            "type": .string("ByteLevel"), "add_prefix_space": .bool(false), "trim_offsets": .bool(false),
            "use_regex": .bool(false),
        ])
        let split: JSONValue = .object([
            "type": .string("Split"), "pattern": .object(["Regex": .string(splitPattern.text)]),
            "behavior": .string("Isolated"), "invert": .bool(false),
        ])
        var vocabulary = JSONObject()
        for (id, token) in tokens.enumerated() { vocabulary[token] = .int(id) }
        let model: JSONObject = [
            "type": .string("BPE"), "dropout": .null, "unk_token": .null, "continuing_subword_prefix": .null,
            "end_of_word_suffix": .null, "fuse_unk": .bool(false), "byte_fallback": .bool(false),
            "ignore_merges": .bool(false), "vocab": .object(vocabulary),
            "merges": .array(merges.map { .array([.string($0.0), .string($0.1)]) }),
        ]
        let addedTokens: [JSONValue] = specialTokens.map { token in
            .object([
                "id": .int(id(of: token)), "content": .string(token), "single_word": .bool(false),
                "lstrip": .bool(false), "rstrip": .bool(false), "normalized": .bool(false), "special": .bool(true),
            ])
        }
        return .object([
            "version": .string("1.0"), "truncation": .null, "padding": .null, "added_tokens": .array(addedTokens),
            "normalizer": .object(["type": .string("NFC")]),
            "pre_tokenizer": .object(["type": .string("Sequence"), "pretokenizers": .array([split, byteLevel])]),
            "post_processor": byteLevel, "decoder": byteLevel, "model": .object(model),
        ])
    }

    /// transformers' form, keys sorted as it writes them.
    public var configJSON: JSONValue {
        var addedTokensDecoder = JSONObject()
        for token in specialTokens {
            addedTokensDecoder[String(id(of: token))] = .object([
                "content": .string(token), "lstrip": .bool(false), "normalized": .bool(false), "rstrip": .bool(false),
                "single_word": .bool(false), "special": .bool(true),
            ])
        }
        let optional = { (token: String?) -> JSONValue in token.map { .string($0) } ?? .null }
        var config: JSONObject = [
            "add_prefix_space": .bool(false), "added_tokens_decoder": .object(addedTokensDecoder),
            "additional_special_tokens": .array(specialTokens.filter { $0 != padToken }.map { .string($0) }),
            "bos_token": .null,
        ]
        if hasChatTemplate { config["chat_template"] = .string(Self.chatMLTemplate) }
        config["clean_up_tokenization_spaces"] = .bool(false)
        config["eos_token"] = optional(eosToken)
        config["errors"] = .string("replace")
        config["pad_token"] = optional(padToken)
        config["split_special_tokens"] = .bool(false)
        // transformers builds a Qwen2Tokenizer with Qwen2's split whatever tokenizer.json says (it cut
        // `26` into digits); the fast tokenizer class reads the file's own pipeline, as Llama 3's does.
        config["tokenizer_class"] = .string(splitPattern == .qwen2 ? "Qwen2Tokenizer" : "PreTrainedTokenizerFast")
        config["unk_token"] = .null
        return .object(config)
    }

    /// Writes tokenizer.json and tokenizer_config.json into `directory`, creating it if needed.
    public func write(to directory: String) throws(CheckpointError) {
        try FileSystem.createDirectory(directory)
        for (name, json) in [("tokenizer.json", tokenizerJSON), ("tokenizer_config.json", configJSON)] {
            let file = try AtomicFile(path: FileSystem.join(directory, name))
            try file.write(json.serialized)
            try file.commit()
        }
    }

    private func id(of token: String) -> Int { tokens.firstIndex(of: token)! }
}
