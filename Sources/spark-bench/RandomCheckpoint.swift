// Writes a checkpoint folder of a given shape with random weights (uniform, scaled by 1/sqrt(fan-in)
// so activations stay in range), in F32 or BF16, for benchmarks that need real model sizes without
// downloading a model. Reused when already present with the same config.

import JSON
import Kernels
import Model

#if canImport(Glibc)
    import Glibc
#endif

enum RandomCheckpoint {
    static func qwen25HalfBillionShape(vocabSize: Int = 151_936) -> ModelConfig {
        ModelConfig(
            architecture: .qwen2, hiddenSize: 896, layerCount: 24, headCount: 14, kvHeadCount: 2,
            intermediateSize: 4864,
            vocabSize: vocabSize, ropeTheta: 1_000_000, tieWordEmbeddings: true)
    }

    static func configJSON(_ config: ModelConfig, dtype: String) -> String {
        let object: JSONObject = [
            "architectures": .array([.string(config.architecture.rawValue)]),
            "model_type": .string(config.architecture == .qwen2 ? "qwen2" : "llama"),
            "hidden_size": .int(config.hiddenSize), "num_hidden_layers": .int(config.layerCount),
            "num_attention_heads": .int(config.headCount), "num_key_value_heads": .int(config.kvHeadCount),
            "intermediate_size": .int(config.intermediateSize), "vocab_size": .int(config.vocabSize),
            "rope_theta": .double(config.ropeTheta), "rms_norm_eps": .double(Double(config.rmsNormEpsilon)),
            "tie_word_embeddings": .bool(config.tieWordEmbeddings),
            "max_position_embeddings": .int(config.maxPositionEmbeddings), "hidden_act": .string("silu"),
            "torch_dtype": .string(dtype),
        ]
        return JSONValue.object(object).serialized
    }

    /// The folder `directory` holding a random checkpoint of `config` in `type`, written unless an
    /// identical config.json is already there.
    static func prepare(_ config: ModelConfig, type: WeightType, directory: String) throws -> String {
        let configText = configJSON(config, dtype: type == .float32 ? "float32" : "bfloat16")
        if let existing = try? String(decoding: FileSystem.read(directory + "/config.json"), as: UTF8.self),
            existing == configText, access(directory + "/model.safetensors", F_OK) == 0
        {
            return directory
        }
        try FileSystem.createDirectory(directory)
        var random = UInt64(config.hiddenSize * 7919 + config.layerCount)
        func tensor(_ name: String, _ shape: [Int], scale: Float, offset: Float = 0) -> TensorRecord {
            let count = shape.reduce(1, *)
            var values = [Float](repeating: 0, count: count)
            for index in 0..<count {
                random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                values[index] = offset + scale * (Float(random >> 40) / Float(1 << 24) * 2 - 1)
            }
            if type == .float32 { return TensorRecord(name: name, shape: shape, data: .float32(values)) }
            var bits = [UInt16](repeating: 0, count: count)
            Conversion.floatToBfloat16(values, &bits, count: count)
            return TensorRecord(name: name, shape: shape, data: .bfloat16(bits))
        }
        let hidden = config.hiddenSize
        let fanIn = 1 / Float(hidden).squareRoot()
        var tensors = [tensor("model.embed_tokens.weight", [config.vocabSize, hidden], scale: 0.5)]
        for layer in 0..<config.layerCount {
            let prefix = "model.layers.\(layer)."
            tensors += [
                tensor(prefix + "input_layernorm.weight", [hidden], scale: 0.1, offset: 1),
                tensor(prefix + "self_attn.q_proj.weight", [config.queryWidth, hidden], scale: fanIn),
                tensor(prefix + "self_attn.q_proj.bias", [config.queryWidth], scale: 0.1),
                tensor(prefix + "self_attn.k_proj.weight", [config.kvWidth, hidden], scale: fanIn),
                tensor(prefix + "self_attn.k_proj.bias", [config.kvWidth], scale: 0.1),
                tensor(prefix + "self_attn.v_proj.weight", [config.kvWidth, hidden], scale: fanIn),
                tensor(prefix + "self_attn.v_proj.bias", [config.kvWidth], scale: 0.1),
                tensor(prefix + "self_attn.o_proj.weight", [hidden, config.queryWidth], scale: fanIn),
                tensor(prefix + "post_attention_layernorm.weight", [hidden], scale: 0.1, offset: 1),
                tensor(prefix + "mlp.gate_proj.weight", [config.intermediateSize, hidden], scale: fanIn),
                tensor(prefix + "mlp.up_proj.weight", [config.intermediateSize, hidden], scale: fanIn),
                tensor(
                    prefix + "mlp.down_proj.weight", [hidden, config.intermediateSize],
                    scale: 1 / Float(config.intermediateSize).squareRoot()),
            ]
        }
        tensors.append(tensor("model.norm.weight", [hidden], scale: 0.1, offset: 1))
        if !config.tieWordEmbeddings {
            tensors.append(tensor("lm_head.weight", [config.vocabSize, hidden], scale: fanIn))
        }
        try SafetensorsWriter.write(tensors, to: directory + "/model.safetensors")
        let configFile = try AtomicFile(path: directory + "/config.json")
        try configFile.write(configText)
        try configFile.commit()
        return directory
    }
}
