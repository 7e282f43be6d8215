// What a training forward pass keeps for its backward pass, and the backward pass's scratch, for one
// batch: per layer the normed inputs, q/k/v after rotary, the attention output, the
// residual stream between the blocks, and the MLP's gate, up and activation. The buffers are sized
// for the largest batch seen and reused from step to step (fresh mappings on every step cost the
// 5M-parameter benchmark a few per cent in page faults); every buffer is written before it is read.

import CKernels
import Engine
import Kernels
import Model

final class Activations {
    final class Layer {
        let inputNormed, query, key, value, attention: AlignedBuffer<Float>
        let middle, postAttentionNormed, gate, up, activated: AlignedBuffer<Float>

        init(config c: ModelConfig, tokens n: Int) {
            inputNormed = AlignedBuffer(count: n * c.hiddenSize)
            query = AlignedBuffer(count: n * c.queryWidth)
            key = AlignedBuffer(count: n * c.kvWidth)
            value = AlignedBuffer(count: n * c.kvWidth)
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
        let hidden, normed, query, key, value, attention, gate, up, activated, gathered: AlignedBuffer<Float>
        /// Attention's scratch: blocks of probabilities and of their gradients (CausalAttention).
        let scores: AlignedBuffer<Float>

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
            scores = AlignedBuffer(count: CausalAttention.scratchCount(longestDocument: longestDocument))
            gathered = AlignedBuffer(count: trainableRows * c.hiddenSize)
        }
    }

    /// The sizes the buffers hold.
    struct Capacity: Equatable {
        var tokens, trainableRows, longestDocument: Int

        func covers(_ other: Capacity) -> Bool {
            tokens >= other.tokens && trainableRows >= other.trainableRows
                && longestDocument >= other.longestDocument
        }

        static func largest(_ a: Capacity, _ b: Capacity) -> Capacity {
            Capacity(
                tokens: max(a.tokens, b.tokens), trainableRows: max(a.trainableRows, b.trainableRows),
                longestDocument: max(a.longestDocument, b.longestDocument))
        }
    }

    let config: ModelConfig
    let capacity: Capacity
    private(set) var inputs: [Int32] = []
    private(set) var tokenCount = 0
    /// The tokens whose prediction is trained, in order: the rows of `gathered`.
    private(set) var trainableRows: [Int] = []
    /// The target id of each trainable row.
    private(set) var trainableTargets: [Int32] = []
    /// Whether `logits` holds the cross-entropy gradient of all trainable rows (the forward pass
    /// needed one chunk), so the backward pass need not compute them again.
    var logitsHoldGradient = false
    private(set) var attention: CausalAttention
    /// Residual stream entering layer i; the last entry leaves the last layer.
    let residual: [AlignedBuffer<Float>]
    let layers: [Layer]
    /// Final-normed hidden states of the trainable tokens, and the logits of one chunk of them.
    let gathered, logits: AlignedBuffer<Float>
    /// Trainable rows per chunk of logits.
    let logitsChunkRows: Int
    let gradients: Gradients
    /// Per token: cos and sin of position · frequency, and −sin for the inverse rotation.
    private let cosines, sines, negatedSines: AlignedBuffer<Float>

    /// What `batch` needs.
    static func capacity(config: ModelConfig, batch: TokenBatch) -> Capacity {
        Capacity(
            tokens: batch.tokenCount, trainableRows: batch.trainableCount,
            longestDocument: batch.documents.map(\.count).max() ?? 0)
    }

    init(config c: ModelConfig, capacity: Capacity, logitsChunkRows: Int) {
        config = c
        self.capacity = capacity
        self.logitsChunkRows = logitsChunkRows
        let n = capacity.tokens
        attention = CausalAttention(config: c, documents: [])
        residual = (0...c.layerCount).map { _ in AlignedBuffer(count: n * c.hiddenSize) }
        layers = (0..<c.layerCount).map { _ in
            Layer(config: c, tokens: n)
        }
        gathered = AlignedBuffer(count: capacity.trainableRows * c.hiddenSize)
        logits = AlignedBuffer(count: min(capacity.trainableRows, logitsChunkRows) * c.vocabSize)
        gradients = Gradients(
            config: c, tokens: n, trainableRows: capacity.trainableRows, longestDocument: capacity.longestDocument)
        let half = c.headDim / 2
        cosines = AlignedBuffer(count: n * half)
        sines = AlignedBuffer(count: n * half)
        negatedSines = AlignedBuffer(count: n * half)
    }

    /// Takes `batch`'s tokens, documents and rotary tables (the buffers must cover it).
    func bind(_ batch: TokenBatch, rotary: RotaryEmbedding) {
        precondition(capacity.covers(Self.capacity(config: config, batch: batch)), "activations too small")
        inputs = batch.inputs
        let n = batch.tokenCount
        tokenCount = n
        trainableRows = batch.trainable.indices.filter { batch.trainable[$0] }
        trainableTargets = trainableRows.map { batch.targets[$0] }
        logitsHoldGradient = false
        attention = CausalAttention(config: config, documents: batch.documents)
        let half = config.headDim / 2
        for document in batch.documents {
            for token in document {
                rotary.fillTables(
                    position: token - document.lowerBound, cosines: cosines.pointer + token * half,
                    sines: sines.pointer + token * half)
            }
        }
        for index in 0..<(n * half) { negatedSines.pointer[index] = -sines.pointer[index] }
    }

    /// The trainable rows in chunks whose logits fit the logits buffer.
    var logitsChunks: [Range<Int>] {
        stride(from: 0, to: trainableRows.count, by: logitsChunkRows).map {
            $0..<min(trainableRows.count, $0 + logitsChunkRows)
        }
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
