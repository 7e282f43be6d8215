// The trainable weights of a Qwen2 / Llama decoder, by role, with the names and shapes of transformers'
// state dict: the same layout the engine's ModelWeights reads, so a checkpoint opens in either. A tied
// model has no lm_head tensor; its output head is the embedding, and its gradient flows into it from
// both ends.
//
// Gradients and optimiser moments are ModelParameters of the same config (`zeros(like:)`), so that
// every update walks `all` of two or three instances side by side.

import Engine
import Kernels
import Model

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// y = x · weightᵀ + bias.
public struct LinearParameters: Sendable {
    public let weight: ParameterTensor
    public let bias: ParameterTensor?

    public var outputs: Int { weight.shape[0] }
    public var inputs: Int { weight.shape[1] }
}

public struct LayerParameters: Sendable {
    public let inputNorm: ParameterTensor
    public let query: LinearParameters
    public let key: LinearParameters
    public let value: LinearParameters
    public let output: LinearParameters
    public let postAttentionNorm: ParameterTensor
    public let gate: LinearParameters
    public let up: LinearParameters
    public let down: LinearParameters
}

public final class ModelParameters: @unchecked Sendable {
    public let config: ModelConfig
    public let embedding: ParameterTensor
    public let layers: [LayerParameters]
    public let finalNorm: ParameterTensor
    /// lm_head.weight; nil when the config ties it to the embedding.
    public let lmHead: ParameterTensor?
    /// Every tensor once, in state-dict order.
    public let all: [ParameterTensor]

    /// The output projection: lm_head, or the embedding when tied.
    public var outputHead: ParameterTensor { lmHead ?? embedding }

    /// Zero-filled parameters of `config`'s shapes.
    public init(config: ModelConfig) {
        self.config = config
        var all: [ParameterTensor] = []
        func tensor(_ name: String, _ shape: [Int]) -> ParameterTensor {
            let tensor = ParameterTensor(name: name, shape: shape)
            all.append(tensor)
            return tensor
        }
        func linear(_ name: String, outputs: Int, inputs: Int, bias: Bool) -> LinearParameters {
            LinearParameters(
                weight: tensor(name + ".weight", [outputs, inputs]),
                bias: bias ? tensor(name + ".bias", [outputs]) : nil)
        }
        let hidden = config.hiddenSize
        embedding = tensor("model.embed_tokens.weight", [config.vocabSize, hidden])
        layers = (0..<config.layerCount).map { index in
            let prefix = "model.layers.\(index)."
            let attention = prefix + "self_attn."
            let mlp = prefix + "mlp."
            return LayerParameters(
                inputNorm: tensor(prefix + "input_layernorm.weight", [hidden]),
                query: linear(
                    attention + "q_proj", outputs: config.queryWidth, inputs: hidden, bias: config.hasQKVBias),
                key: linear(attention + "k_proj", outputs: config.kvWidth, inputs: hidden, bias: config.hasQKVBias),
                value: linear(attention + "v_proj", outputs: config.kvWidth, inputs: hidden, bias: config.hasQKVBias),
                output: linear(
                    attention + "o_proj", outputs: hidden, inputs: config.queryWidth, bias: config.hasOutputBias),
                postAttentionNorm: tensor(prefix + "post_attention_layernorm.weight", [hidden]),
                gate: linear(
                    mlp + "gate_proj", outputs: config.intermediateSize, inputs: hidden, bias: config.hasMLPBias),
                up: linear(mlp + "up_proj", outputs: config.intermediateSize, inputs: hidden, bias: config.hasMLPBias),
                down: linear(
                    mlp + "down_proj", outputs: hidden, inputs: config.intermediateSize, bias: config.hasMLPBias))
        }
        finalNorm = tensor("model.norm.weight", [hidden])
        lmHead = config.tieWordEmbeddings ? nil : tensor("lm_head.weight", [config.vocabSize, hidden])
        self.all = all
    }

    /// Zero-filled parameters shaped like `other` (gradients, optimiser moments).
    public static func zeros(like other: ModelParameters) -> ModelParameters { ModelParameters(config: other.config) }

    /// A checkpoint's weights, loaded for training: float32, row after row.
    public convenience init(checkpoint: Checkpoint) throws(CheckpointError) {
        self.init(weights: try ModelWeights(checkpoint: checkpoint, precision: .float32, layout: .rowMajor))
    }

    /// The weights of a loaded checkpoint, widened to float32 (load it with `precision: .float32`).
    public convenience init(weights: ModelWeights) {
        self.init(config: weights.config)
        func copy(_ matrix: WeightMatrix, into tensor: ParameterTensor) {
            precondition(matrix.type == .float32, "load the checkpoint with float32 precision to train it")
            for row in 0..<matrix.rows { matrix.copyRow(row, to: tensor.pointer + row * matrix.columns) }
        }
        func copy(_ matrix: WeightMatrix, _ bias: AlignedBuffer<Float>?, into linear: LinearParameters) {
            copy(matrix, into: linear.weight)
            if let bias, let tensor = linear.bias { tensor.copy(from: bias.pointer) }
        }
        copy(weights.embedding, into: embedding)
        for (source, layer) in zip(weights.layers, layers) {
            layer.inputNorm.copy(from: source.inputNorm.pointer)
            copy(source.query, source.queryBias, into: layer.query)
            copy(source.key, source.keyBias, into: layer.key)
            copy(source.value, source.valueBias, into: layer.value)
            copy(source.output, source.outputBias, into: layer.output)
            layer.postAttentionNorm.copy(from: source.postAttentionNorm.pointer)
            copy(source.gate, source.gateBias, into: layer.gate)
            copy(source.up, source.upBias, into: layer.up)
            copy(source.down, source.downBias, into: layer.down)
        }
        finalNorm.copy(from: weights.finalNorm.pointer)
        if let lmHead { copy(weights.outputHead, into: lmHead) }
    }

    /// A new model as transformers initialises one: matrices from N(0, initializerRange²), biases zero,
    /// norm weights one; the same seed gives the same weights.
    public static func initialized(config: ModelConfig, seed: UInt64, initializerRange: Double = 0.02)
        -> ModelParameters
    {
        let parameters = ModelParameters(config: config)
        var random = SeededRandom(seed: seed)
        for tensor in parameters.all {
            if tensor.name.hasSuffix("norm.weight") {
                tensor.fill(1)
            } else if tensor.shape.count == 2 {
                for index in 0..<tensor.count {
                    tensor.pointer[index] = Float(random.nextGaussian() * initializerRange)
                }
            }
        }
        return parameters
    }

    public func zero() {
        for tensor in all { tensor.fill(0) }
    }

    public func copy(from other: ModelParameters) {
        for (mine, theirs) in zip(all, other.all) { mine.copy(from: theirs) }
    }

    public var parameterCount: Int { all.reduce(0) { $0 + $1.count } }
}

extension SeededRandom {
    /// A standard normal draw (Box-Muller on two uniform draws).
    mutating func nextGaussian() -> Double {
        let uniform = 1 - nextUnit()  // in (0, 1], so the logarithm is finite
        let angle = 2 * Double.pi * nextUnit()
        return (-2 * log(uniform)).squareRoot() * cos(angle)
    }
}
