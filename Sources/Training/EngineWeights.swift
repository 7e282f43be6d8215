// The engine's view of a trainer's parameters, without a copy: every WeightMatrix and vector points at
// the ParameterTensor's own memory, so a Transformer built once on it samples from the weights as
// they are after each optimiser update (an RL loop's rollouts come from the policy being trained).
// The parameters must not change while the engine runs a forward pass.

import Kernels
import Model

extension ModelParameters {
    public func engineWeights() -> ModelWeights {
        func matrix(_ tensor: ParameterTensor) -> WeightMatrix {
            WeightMatrix(
                base: UnsafeRawPointer(tensor.pointer), type: .float32, rows: tensor.shape[0], columns: tensor.shape[1],
                owner: tensor.values)
        }
        let layers = self.layers.map { layer in
            LayerWeights(
                inputNorm: layer.inputNorm.values, query: matrix(layer.query.weight), key: matrix(layer.key.weight),
                value: matrix(layer.value.weight), queryBias: layer.query.bias?.values,
                keyBias: layer.key.bias?.values, valueBias: layer.value.bias?.values,
                output: matrix(layer.output.weight), outputBias: layer.output.bias?.values,
                postAttentionNorm: layer.postAttentionNorm.values, gate: matrix(layer.gate.weight),
                up: matrix(layer.up.weight), down: matrix(layer.down.weight), gateBias: layer.gate.bias?.values,
                upBias: layer.up.bias?.values, downBias: layer.down.bias?.values)
        }
        return ModelWeights(
            config: config, embedding: matrix(embedding), layers: layers, finalNorm: finalNorm.values,
            outputHead: matrix(outputHead))
    }
}
