// Tiny models with every kind of parameter filled with spread-out random values, so that gradients
// of every tensor are well above float32 rounding.

import Engine
import Model
import Training

enum TinyModels {
    /// Qwen2 (q/k/v biases) with hidden 16, 2 layers, 4 heads over 2 KV heads, vocab 64.
    static func qwen2(tied: Bool) -> ModelConfig {
        ModelConfig(
            architecture: .qwen2, hiddenSize: 16, layerCount: 2, headCount: 4, kvHeadCount: 2, intermediateSize: 24,
            vocabSize: 64, ropeTheta: 10_000, tieWordEmbeddings: tied)
    }

    /// Llama with every optional bias (attention_bias, mlp_bias): the output and MLP biases too.
    static func llamaWithAllBiases() -> ModelConfig {
        var config = ModelConfig(
            architecture: .llama, hiddenSize: 16, layerCount: 2, headCount: 4, kvHeadCount: 2, intermediateSize: 24,
            vocabSize: 64, ropeTheta: 500_000, rmsNormEpsilon: 1e-5, tieWordEmbeddings: false)
        config.hasQKVBias = true
        config.hasOutputBias = true
        config.hasMLPBias = true
        return config
    }

    /// Llama with an explicit head_dim (q_proj 16 -> 24) and llama3 rotary scaling, no biases.
    static func llamaWideHeads() -> ModelConfig {
        ModelConfig(
            architecture: .llama, hiddenSize: 16, layerCount: 2, headCount: 4, kvHeadCount: 2, headDim: 6,
            intermediateSize: 24, vocabSize: 64, ropeTheta: 500_000,
            ropeScaling: .llama3(factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalMaxPositions: 4),
            rmsNormEpsilon: 1e-5, tieWordEmbeddings: true)
    }

    /// Parameters drawn uniformly: matrices in ±1 / sqrt(fan-in), biases in ±0.2, norm weights
    /// in 1 ± 0.3.
    static func randomParameters(_ config: ModelConfig, seed: UInt64) -> ModelParameters {
        let parameters = ModelParameters(config: config)
        var random = SeededRandom(seed: seed)
        for tensor in parameters.all {
            for index in 0..<tensor.count {
                let uniform = Float(random.nextUnit() * 2 - 1)
                if tensor.name.hasSuffix("norm.weight") {
                    tensor.pointer[index] = 1 + 0.3 * uniform
                } else if tensor.shape.count == 1 {
                    tensor.pointer[index] = 0.2 * uniform
                } else {
                    tensor.pointer[index] = uniform / Float(tensor.shape[1]).squareRoot()
                }
            }
        }
        return parameters
    }

    /// Two packed documents of 5 and 7 tokens; the first predictions of the second are not trained.
    static func packedBatch(vocabulary: Int, seed: UInt64) -> TokenBatch {
        var random = SeededRandom(seed: seed)
        func tokens(_ count: Int) -> [Int32] { (0..<count).map { _ in Int32(random.next() % UInt64(vocabulary)) } }
        var batch = TokenBatch()
        batch.append(sequence: tokens(6))
        batch.append(sequence: tokens(8), trainable: [false, false, false, true, true, true, true])
        return batch
    }
}
