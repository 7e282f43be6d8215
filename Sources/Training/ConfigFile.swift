// config.json for a model this project creates: the keys transformers' Qwen2Config / LlamaConfig
// read, from a ModelConfig. A model fine-tuned from a checkpoint keeps that checkpoint's own
// config.json instead (with its dtype set to float32), so keys this project ignores survive.

import JSON
import Model

enum ConfigFile {
    static func object(_ config: ModelConfig) -> JSONObject {
        var object: JSONObject = [
            "architectures": .array([.string(config.architecture.rawValue)]),
            "model_type": .string(config.architecture == .qwen2 ? "qwen2" : "llama"),
            "hidden_size": .int(config.hiddenSize),
            "intermediate_size": .int(config.intermediateSize),
            "num_hidden_layers": .int(config.layerCount),
            "num_attention_heads": .int(config.headCount),
            "num_key_value_heads": .int(config.kvHeadCount),
            "head_dim": .int(config.headDim),
            "vocab_size": .int(config.vocabSize),
            "hidden_act": .string("silu"),
            // The float's shortest decimal form (1e-06, not 9.99999997e-07), which reads back to it.
            "rms_norm_eps": .double(Double("\(config.rmsNormEpsilon)")!),
            "rope_theta": .double(config.ropeTheta),
            "tie_word_embeddings": .bool(config.tieWordEmbeddings),
            "max_position_embeddings": .int(config.maxPositionEmbeddings),
            "torch_dtype": .string("float32"),
        ]
        switch config.ropeScaling {
        case .none: break
        case .linear(let factor):
            object["rope_scaling"] = .object(["rope_type": .string("linear"), "factor": .double(factor)])
        case .llama3(let factor, let low, let high, let original):
            object["rope_scaling"] = .object([
                "rope_type": .string("llama3"), "factor": .double(factor), "low_freq_factor": .double(low),
                "high_freq_factor": .double(high), "original_max_position_embeddings": .int(original),
            ])
        }
        switch config.architecture {
        case .qwen2: object["use_sliding_window"] = .bool(false)
        case .llama:
            object["attention_bias"] = .bool(config.hasQKVBias)
            object["mlp_bias"] = .bool(config.hasMLPBias)
        }
        if let bos = config.bosTokenId { object["bos_token_id"] = .int(Int(bos)) }
        switch config.eosTokenIds.count {
        case 0: break
        case 1: object["eos_token_id"] = .int(Int(config.eosTokenIds[0]))
        default: object["eos_token_id"] = .array(config.eosTokenIds.map { .int(Int($0)) })
        }
        return object
    }

    /// A checkpoint's own config.json, marked as holding float32 weights (what this project writes).
    static func asFloat32(_ source: JSONObject) -> JSONObject {
        var object = source
        for key in ["torch_dtype", "dtype"] where object[key] != nil { object[key] = .string("float32") }
        if object["torch_dtype"] == nil && object["dtype"] == nil { object["torch_dtype"] = .string("float32") }
        return object
    }
}
