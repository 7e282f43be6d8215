// What a training forward pass keeps for its backward pass, and the backward pass's scratch, for one
// batch: per layer the normed inputs, q/k/v after rotary, attention probabilities and output, the
// residual stream between the blocks, and the MLP's gate, up and activation.

import CKernels
import Engine
import Kernels
import Model

final class Activations {
    final class Layer {
        let inputNormed, query, key, value, probabilities, attention: AlignedBuffer<Float>
        let middle, postAttentionNormed, gate, up, activated: AlignedBuffer<Float>

        init(config c: ModelConfig, tokens n: Int, probabilityCount: Int) {
            inputNormed = AlignedBuffer(count: n * c.hiddenSize)
            query = AlignedBuffer(count: n * c.queryWidth)
            key = AlignedBuffer(count: n * c.kvWidth)
            value = AlignedBuffer(count: n * c.kvWidth)
            probabilities = AlignedBuffer(count: probabilityCount)
            attention = AlignedBuffer(count: n * c.queryWidth)
            middle = AlignedBuffer(count: n * c.hiddenSize)
            postAttentionNormed = AlignedBuffer(count: n * c.hiddenSize)
            gate = AlignedBuffer(count: n * c.intermediateSize)
            up = AlignedBuffer(count: n * c.intermediateSize)
            activated = AlignedBuffer(count: n * c.intermediateSize)
        }
    }

    /// Gradients with respect to activations, reused layer after layer.
    final class Gradients {
        let hidden, normed, query, key, value, attention, gate, up, activated, scores, gathered: AlignedBuffer<Float>

        init(config c: ModelConfig, tokens n: Int, trainableRows: Int, longestDocument: Int) {
            hidden = AlignedBuffer(count: n * c.hiddenSize)
            normed = AlignedBuffer(count: n * c.hiddenSize)
            query = AlignedBuffer(count: n * c.queryWidth)
            key = AlignedBuffer(count: n * c.kvWidth)
            value = AlignedBuffer(count: n * c.kvWidth)
            attention = AlignedBuffer(count: n * c.queryWidth)
            gate = AlignedBuffer(count: n * c.intermediateSize)
            up = AlignedBuffer(count: n * c.intermediateSize)
            activated = AlignedBuffer(count: n * c.intermediateSize)
            scores = AlignedBuffer(count: longestDocument * longestDocument)
            gathered = AlignedBuffer(count: trainableRows * c.hiddenSize)
        }
    }

    let config: ModelConfig
    let inputs: [Int32]
    let tokenCount: Int
    /// The tokens whose prediction is trained, in order: the rows of `gathered` and `logits`.
    let trainableRows: [Int]
    let attention: CausalAttention
    /// Residual stream entering layer i; the last entry leaves the last layer.
    let residual: [AlignedBuffer<Float>]
    let layers: [Layer]
    /// Final-normed hidden states and logits of the trainable tokens.
    let gathered, logits: AlignedBuffer<Float>
    let gradients: Gradients
    /// Per token: cos and sin of position · frequency, and −sin for the inverse rotation.
    private let cosines, sines, negatedSines: AlignedBuffer<Float>

    init(config c: ModelConfig, batch: TokenBatch, rotary: RotaryEmbedding) {
        config = c
        inputs = batch.inputs
        let n = batch.tokenCount
        tokenCount = n
        trainableRows = batch.trainable.indices.filter { batch.trainable[$0] }
        let attention = CausalAttention(config: c, documents: batch.documents)
        self.attention = attention
        residual = (0...c.layerCount).map { _ in AlignedBuffer(count: n * c.hiddenSize) }
        layers = (0..<c.layerCount).map { _ in
            Layer(config: c, tokens: n, probabilityCount: attention.probabilityCount)
        }
        gathered = AlignedBuffer(count: trainableRows.count * c.hiddenSize)
        logits = AlignedBuffer(count: trainableRows.count * c.vocabSize)
        gradients = Gradients(
            config: c, tokens: n, trainableRows: trainableRows.count, longestDocument: attention.longestDocument)
        let half = c.headDim / 2
        cosines = AlignedBuffer(count: n * half)
        sines = AlignedBuffer(count: n * half)
        negatedSines = AlignedBuffer(count: n * half)
        for document in batch.documents {
            for token in document {
                rotary.fillTables(
                    position: token - document.lowerBound, cosines: cosines.pointer + token * half,
                    sines: sines.pointer + token * half)
            }
        }
        for index in 0..<(n * half) { negatedSines.pointer[index] = -sines.pointer[index] }
    }

    /// Rotary embedding of every token's heads in place (the engine's sk_rope).
    func rotate(_ rows: UnsafeMutablePointer<Float>, heads: Int) {
        applyRope(rows, heads: heads, sines: sines.pointer)
    }

    /// The transpose of `rotate`, which carries gradients back: the rotation by the opposite angle.
    func rotateBack(_ rows: UnsafeMutablePointer<Float>, heads: Int) {
        applyRope(rows, heads: heads, sines: negatedSines.pointer)
    }

    private func applyRope(_ rows: UnsafeMutablePointer<Float>, heads: Int, sines: UnsafePointer<Float>) {
        let half = config.headDim / 2
        let width = heads * config.headDim
        for token in 0..<tokenCount {
            sk_rope(rows + token * width, heads, config.headDim, cosines.pointer + token * half, sines + token * half)
        }
    }
}
