// The decoder of Transformer.swift (Engine) with its activations kept, and the backward pass through
// them. The forward uses the engine's definitions: its config and weight layout, its RMSNorm, rotary
// and SwiGLU kernels (CKernels) and its rotary tables (RotaryEmbedding); only the matrix products
// (cblas_sgemm over whole batches) and attention (whole documents at once, with sgemm) are
// computed differently, and TrainingForwardTests holds the logits to the engine's.
//
//     h = embed_tokens(ids)
//     for layer in layers:
//         h = h + o_proj(attention(rope(q_proj(norm(h))), rope(k_proj(norm(h))), v_proj(norm(h))))
//         h = h + down_proj(silu(gate_proj(norm(h))) * up_proj(norm(h)))
//     loss = Σ_trainable cross_entropy(lm_head(norm(h)), target)
//
// Logits are computed only for the tokens whose prediction is trained, a chunk of rows at a time.
// Not thread-safe: one training
// loop owns a TrainableTransformer; parallelism lives inside OpenBLAS.

import CKernels
import Engine
import Kernels
import Model

public final class TrainableTransformer {
    public let parameters: ModelParameters
    private let rotary: RotaryEmbedding
    private var activations: Activations?

    public var config: ModelConfig { parameters.config }

    private let logitsChunkRows: Int

    /// `logitsChunkRows`: trainable rows whose logits are computed at once (default: as many as fit
    /// `logitsBudget` floats).
    public init(parameters: ModelParameters, logitsChunkRows: Int? = nil) {
        self.parameters = parameters
        rotary = RotaryEmbedding(config: parameters.config)
        self.logitsChunkRows = logitsChunkRows ?? max(1, Self.logitsBudget / parameters.config.vocabSize)
    }

    /// Runs the forward pass over `batch` and returns the sum of the trainable tokens' losses (in
    /// nats); the activations stay for `backward`.
    @discardableResult
    public func forward(_ batch: TokenBatch) -> Double {
        tokenLosses(batch).reduce(0, +)
    }

    /// Runs the forward pass over `batch` and returns log π(target) of each trainable token, in batch
    /// order (a policy's log-probabilities of its response tokens); the activations stay for
    /// `backward(logProbabilityGradients:into:)`.
    public func logProbabilities(_ batch: TokenBatch) -> [Double] {
        tokenLosses(batch).map { -$0 }
    }

    /// The cross-entropy of each trainable token; the activations stay for a backward pass.
    private func tokenLosses(_ batch: TokenBatch) -> [Double] {
        let state = run(batch)
        let chunks = state.logitsChunks
        var losses: [Double] = []
        losses.reserveCapacity(state.trainableRows.count)
        for chunk in chunks { losses += headLossAndGradient(state, chunk) }
        state.logitsHoldGradient = chunks.count == 1
        return losses
    }

    /// The logits of the trainable tokens of `batch`, row after row (the tests' view of the forward).
    public func logits(_ batch: TokenBatch) -> [Float] {
        let state = run(batch)
        var result: [Float] = []
        for chunk in state.logitsChunks {
            headLogits(state, chunk)
            result += UnsafeBufferPointer(start: state.logits.pointer, count: chunk.count * config.vocabSize)
        }
        return result
    }

    /// Logits are computed this many floats at a time: a 151,936-token vocabulary over 4096 trainable
    /// tokens would otherwise take a 2.5 GB buffer. With more than one chunk, the backward pass
    /// computes each chunk's logits again (the head's forward product once more) rather than keep them.
    static let logitsBudget = 1 << 25

    /// Adds the gradient of `scale` × (the last forward's loss sum) into `gradients`. A mean loss over
    /// T trainable tokens, across any number of accumulated batches, is `scale` = 1 / T.
    public func backward(scale: Float, into gradients: ModelParameters) {
        backward(into: gradients) { _ in scale }
    }

    /// Adds the gradient of a loss whose derivative with respect to the log-probability of trainable
    /// token t (of the last forward pass) is `logProbabilityGradients[t]`. Since log π = −cross-entropy,
    /// d loss / d logits_t = g_t · (onehot − softmax): the cross-entropy backward with weight −g_t.
    public func backward(logProbabilityGradients: [Double], into gradients: ModelParameters) {
        guard let state = activations else { preconditionFailure("backward without a forward pass") }
        precondition(
            logProbabilityGradients.count == state.trainableRows.count, "one gradient per trainable token")
        backward(into: gradients) { row in Float(-logProbabilityGradients[row]) }
    }

    /// The backward pass with the cross-entropy gradient of trainable row r scaled by `rowScale(r)`.
    private func backward(into gradients: ModelParameters, rowScale: (Int) -> Float) {
        guard let state = activations else { preconditionFailure("backward without a forward pass") }
        let c = config
        let n = state.tokenCount
        let hidden = c.hiddenSize
        let head = LinearParameters(weight: parameters.outputHead, bias: nil)
        let headGradient = LinearParameters(weight: gradients.outputHead, bias: nil)
        let dLogits = state.logits.pointer
        let g = state.gradients
        for chunk in state.logitsChunks {
            if !state.logitsHoldGradient { headLossAndGradient(state, chunk) }
            for row in chunk {
                let scale = rowScale(row)
                let logits = dLogits + (row - chunk.lowerBound) * c.vocabSize
                for index in 0..<c.vocabSize { logits[index] *= scale }
            }
            LinearLayer.backward(
                state.gathered.pointer + chunk.lowerBound * hidden, rows: chunk.count, outputGradient: dLogits,
                parameters: head, gradient: headGradient,
                inputGradient: g.gathered.pointer + chunk.lowerBound * hidden, accumulate: false)
        }
        g.normed.pointer.update(repeating: 0, count: n * hidden)
        for (row, token) in state.trainableRows.enumerated() {
            (g.normed.pointer + token * hidden).update(from: g.gathered.pointer + row * hidden, count: hidden)
        }
        let dh = g.hidden.pointer
        RMSNormLayer.backward(
            state.residual[c.layerCount].pointer, rows: n, width: hidden, weight: parameters.finalNorm,
            epsilon: c.rmsNormEpsilon, outputGradient: g.normed.pointer, weightGradient: gradients.finalNorm,
            inputGradient: dh, accumulate: false)

        for index in stride(from: c.layerCount - 1, through: 0, by: -1) {
            let layer = parameters.layers[index]
            let gradient = gradients.layers[index]
            let saved = state.layers[index]
            // MLP block: h_out = middle + down(silu(gate) * up).
            LinearLayer.backward(
                saved.activated.pointer, rows: n, outputGradient: dh, parameters: layer.down, gradient: gradient.down,
                inputGradient: g.activated.pointer, accumulate: false)
            SwiGLULayer.backward(
                gate: saved.gate.pointer, up: saved.up.pointer, count: n * c.intermediateSize,
                outputGradient: g.activated.pointer, gateGradient: g.gate.pointer, upGradient: g.up.pointer)
            LinearLayer.backward(
                saved.postAttentionNormed.pointer, rows: n, outputGradient: g.gate.pointer, parameters: layer.gate,
                gradient: gradient.gate, inputGradient: g.normed.pointer, accumulate: false)
            LinearLayer.backward(
                saved.postAttentionNormed.pointer, rows: n, outputGradient: g.up.pointer, parameters: layer.up,
                gradient: gradient.up, inputGradient: g.normed.pointer, accumulate: true)
            RMSNormLayer.backward(
                saved.middle.pointer, rows: n, width: hidden, weight: layer.postAttentionNorm,
                epsilon: c.rmsNormEpsilon, outputGradient: g.normed.pointer, weightGradient: gradient.postAttentionNorm,
                inputGradient: dh, accumulate: true)

            // Attention block: middle = h_in + o_proj(attention(q, k, v)).
            LinearLayer.backward(
                saved.attention.pointer, rows: n, outputGradient: dh, parameters: layer.output,
                gradient: gradient.output, inputGradient: g.attention.pointer, accumulate: false)
            state.attention.backward(
                query: saved.query.pointer, key: saved.key.pointer, value: saved.value.pointer,
                outputGradient: g.attention.pointer,
                queryGradient: g.query.pointer, keyGradient: g.key.pointer, valueGradient: g.value.pointer,
                scratch: g.scores.pointer)
            state.rotateBack(g.query.pointer, heads: c.headCount)
            state.rotateBack(g.key.pointer, heads: c.kvHeadCount)
            let normed = saved.inputNormed.pointer
            LinearLayer.backward(
                normed, rows: n, outputGradient: g.query.pointer, parameters: layer.query, gradient: gradient.query,
                inputGradient: g.normed.pointer, accumulate: false)
            LinearLayer.backward(
                normed, rows: n, outputGradient: g.key.pointer, parameters: layer.key, gradient: gradient.key,
                inputGradient: g.normed.pointer, accumulate: true)
            LinearLayer.backward(
                normed, rows: n, outputGradient: g.value.pointer, parameters: layer.value, gradient: gradient.value,
                inputGradient: g.normed.pointer, accumulate: true)
            RMSNormLayer.backward(
                state.residual[index].pointer, rows: n, width: hidden, weight: layer.inputNorm,
                epsilon: c.rmsNormEpsilon, outputGradient: g.normed.pointer, weightGradient: gradient.inputNorm,
                inputGradient: dh, accumulate: true)
        }

        let embeddingGradient = gradients.embedding.pointer
        for (token, id) in state.inputs.enumerated() {
            let row = embeddingGradient + Int(id) * hidden
            let d = dh + token * hidden
            for i in 0..<hidden { row[i] += d[i] }
        }
    }

    /// The forward pass up to the final-normed hidden states of the trainable tokens.
    private func run(_ batch: TokenBatch) -> Activations {
        let c = config
        for id in batch.inputs {
            precondition(id >= 0 && Int(id) < c.vocabSize, "token id \(id) outside the vocabulary")
        }
        let needed = Activations.capacity(config: c, batch: batch)
        let state: Activations
        if let existing = activations, existing.capacity.covers(needed) {
            state = existing
        } else {
            state = Activations(
                config: c, capacity: activations.map { .largest($0.capacity, needed) } ?? needed,
                logitsChunkRows: logitsChunkRows)
            activations = state
        }
        state.bind(batch, rotary: rotary)
        let n = state.tokenCount
        let hidden = c.hiddenSize
        for (token, id) in batch.inputs.enumerated() {
            (state.residual[0].pointer + token * hidden).update(
                from: parameters.embedding.pointer + Int(id) * hidden, count: hidden)
        }
        for (index, layer) in parameters.layers.enumerated() {
            let saved = state.layers[index]
            let input = state.residual[index].pointer
            RMSNormLayer.forward(
                input, rows: n, width: hidden, weight: layer.inputNorm, epsilon: c.rmsNormEpsilon,
                output: saved.inputNormed.pointer)
            LinearLayer.forward(
                saved.inputNormed.pointer, rows: n, parameters: layer.query, output: saved.query.pointer)
            LinearLayer.forward(saved.inputNormed.pointer, rows: n, parameters: layer.key, output: saved.key.pointer)
            LinearLayer.forward(
                saved.inputNormed.pointer, rows: n, parameters: layer.value, output: saved.value.pointer)
            state.rotate(saved.query.pointer, heads: c.headCount)
            state.rotate(saved.key.pointer, heads: c.kvHeadCount)
            state.attention.forward(
                query: saved.query.pointer, key: saved.key.pointer, value: saved.value.pointer,
                scratch: state.gradients.scores.pointer, output: saved.attention.pointer)
            LinearLayer.forward(
                saved.attention.pointer, rows: n, parameters: layer.output, output: saved.middle.pointer)
            sk_add(saved.middle.pointer, input, n * hidden)

            RMSNormLayer.forward(
                saved.middle.pointer, rows: n, width: hidden, weight: layer.postAttentionNorm,
                epsilon: c.rmsNormEpsilon, output: saved.postAttentionNormed.pointer)
            LinearLayer.forward(
                saved.postAttentionNormed.pointer, rows: n, parameters: layer.gate, output: saved.gate.pointer)
            LinearLayer.forward(
                saved.postAttentionNormed.pointer, rows: n, parameters: layer.up, output: saved.up.pointer)
            SwiGLULayer.forward(
                gate: saved.gate.pointer, up: saved.up.pointer, count: n * c.intermediateSize,
                output: saved.activated.pointer)
            let next = state.residual[index + 1].pointer
            LinearLayer.forward(saved.activated.pointer, rows: n, parameters: layer.down, output: next)
            sk_add(next, saved.middle.pointer, n * hidden)
        }
        let final = state.residual[c.layerCount].pointer
        for (row, token) in state.trainableRows.enumerated() {
            sk_rms_norm(
                final + token * hidden, parameters.finalNorm.pointer, c.rmsNormEpsilon, hidden,
                state.gathered.pointer + row * hidden)
        }
        return state
    }

    /// The logits of one chunk of trainable rows, into the logits buffer.
    private func headLogits(_ state: Activations, _ chunk: Range<Int>) {
        LinearLayer.forward(
            state.gathered.pointer + chunk.lowerBound * config.hiddenSize, rows: chunk.count,
            parameters: LinearParameters(weight: parameters.outputHead, bias: nil), output: state.logits.pointer)
    }

    /// A chunk's losses, row by row; leaves its cross-entropy gradient in the logits buffer.
    @discardableResult
    private func headLossAndGradient(_ state: Activations, _ chunk: Range<Int>) -> [Double] {
        headLogits(state, chunk)
        return CrossEntropy.rowLossesAndGradient(
            logits: state.logits.pointer, rows: chunk.count, vocabulary: config.vocabSize,
            targets: Array(state.trainableTargets[chunk]))
    }
}
