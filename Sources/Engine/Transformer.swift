// The decoder forward pass of Qwen2 / Llama over a flattened batch (see ForwardBatch): every
// projection is one matrix product over all tokens of all sequences, attention is per token against
// its own sequence's KV blocks. Reads top to bottom as transformers' Qwen2Model.forward does:
//
//     h = embed_tokens(ids)
//     for layer in layers:
//         h = h + o_proj(attention(rope(q_proj(norm(h))), rope(k_proj(norm(h))), v_proj(norm(h))))
//         h = h + down_proj(silu(gate_proj(norm(h))) * up_proj(norm(h)))
//     logits = lm_head(norm(h))            # only for the rows that asked for logits
//
// Not thread-safe: one engine thread owns a Transformer and its KV cache; the kernels inside use the
// worker pool and OpenBLAS.

import CKernels
import Kernels
import Model

public final class Transformer {
    public let weights: ModelWeights
    public let linear: Linear
    let rotary: RotaryEmbedding
    let pool: WorkerPool
    private var workspace: Workspace
    private let attentionScale: Float

    public var config: ModelConfig { weights.config }

    public init(weights: ModelWeights, pool: WorkerPool = .shared) {
        self.weights = weights
        self.pool = pool
        linear = Linear(pool: pool)
        rotary = RotaryEmbedding(config: weights.config)
        workspace = Workspace(
            config: weights.config, tokenCapacity: 0, logitsRowCapacity: 0, threadCount: pool.threadCount)
        // transformers multiplies float32 scores by the Python float head_dim ** -0.5.
        attentionScale = Float(1 / Double(weights.config.headDim).squareRoot())
    }

    /// Runs one forward pass over `batch`, writing the batch's keys and values into `cache`, and
    /// returns the logits of the rows the chunks asked for, in chunk order. The returned view is valid
    /// until the next call. Token ids must be below the vocabulary size and block tables must cover
    /// every position (preconditions: callers validate user input before it gets here).
    public func forward(_ batch: ForwardBatch, cache: KVCache) -> Logits {
        let tokenCount = batch.tokenCount
        let layout = BatchLayout(batch, blockSize: cache.blockSize, vocabularySize: config.vocabSize)
        let logitsRowCount = batch.logitsRowCount
        workspace.reserve(tokens: tokenCount, logitsRows: logitsRowCount, context: layout.maximumContext)
        let w = workspace
        let c = config
        let hidden = c.hiddenSize

        for (token, id) in layout.tokenIds.enumerated() {
            weights.embedding.copyRow(Int(id), to: w.hidden.pointer + token * hidden)
        }
        let halfDim = c.headDim / 2
        for (token, position) in layout.positions.enumerated() {
            rotary.fillTables(
                position: position, cosines: w.cosines.pointer + token * halfDim,
                sines: w.sines.pointer + token * halfDim)
        }

        for (index, layer) in weights.layers.enumerated() {
            // Attention block.
            normalize(w.hidden.pointer, weight: layer.inputNorm.pointer, rows: tokenCount, into: w.normed.pointer)
            linear.apply(
                w.normed.pointer, rows: tokenCount,
                projections: [
                    Projection(weight: layer.query, bias: layer.queryBias?.pointer, output: w.query.pointer),
                    Projection(weight: layer.key, bias: layer.keyBias?.pointer, output: w.key.pointer),
                    Projection(weight: layer.value, bias: layer.valueBias?.pointer, output: w.value.pointer),
                ])
            for token in 0..<tokenCount {
                let cosines = w.cosines.pointer + token * halfDim
                let sines = w.sines.pointer + token * halfDim
                sk_rope(w.query.pointer + token * c.queryWidth, c.headCount, c.headDim, cosines, sines)
                sk_rope(w.key.pointer + token * c.kvWidth, c.kvHeadCount, c.headDim, cosines, sines)
                let position = layout.positions[token]
                let table = layout.blockTables[layout.chunkOfToken[token]]
                cache.store(
                    layer: index, block: table[position / cache.blockSize], slot: position % cache.blockSize,
                    keyRow: w.key.pointer + token * c.kvWidth, valueRow: w.value.pointer + token * c.kvWidth)
            }
            attend(layer: index, layout: layout, cache: cache)
            linear.apply(
                w.attention.pointer, rows: tokenCount, weight: layer.output, bias: layer.outputBias?.pointer,
                output: w.projected.pointer)
            sk_add(w.hidden.pointer, w.projected.pointer, tokenCount * hidden)

            // MLP block.
            normalize(
                w.hidden.pointer, weight: layer.postAttentionNorm.pointer, rows: tokenCount, into: w.normed.pointer)
            linear.apply(
                w.normed.pointer, rows: tokenCount,
                projections: [
                    Projection(weight: layer.gate, bias: layer.gateBias?.pointer, output: w.gate.pointer),
                    Projection(weight: layer.up, bias: layer.upBias?.pointer, output: w.up.pointer),
                ])
            sk_silu_mul(w.gate.pointer, w.up.pointer, tokenCount * c.intermediateSize, w.gate.pointer)
            linear.apply(
                w.gate.pointer, rows: tokenCount, weight: layer.down, bias: layer.downBias?.pointer,
                output: w.projected.pointer)
            sk_add(w.hidden.pointer, w.projected.pointer, tokenCount * hidden)
        }

        for (row, token) in layout.logitsTokens.enumerated() {
            sk_rms_norm(
                w.hidden.pointer + token * hidden, weights.finalNorm.pointer, c.rmsNormEpsilon, hidden,
                w.logitsInput.pointer + row * hidden)
        }
        linear.apply(
            w.logitsInput.pointer, rows: logitsRowCount, weight: weights.outputHead, bias: nil, output: w.logits.pointer
        )
        return Logits(
            storage: w.logits, rowCount: logitsRowCount, vocabularySize: c.vocabSize, rowRanges: layout.logitsRowRanges)
    }

    private func normalize(
        _ input: UnsafeMutablePointer<Float>, weight: UnsafePointer<Float>, rows: Int,
        into output: UnsafeMutablePointer<Float>
    ) {
        let width = config.hiddenSize
        let epsilon = config.rmsNormEpsilon
        pool.parallelFor(rows, granularity: 8) { range in
            for row in range { sk_rms_norm(input + row * width, weight, epsilon, width, output + row * width) }
        }
    }

    /// Every token's query heads against its sequence's cache, one task per (token, KV head).
    private func attend(layer: Int, layout: BatchLayout, cache: KVCache) {
        let c = config
        let w = workspace
        let scale = attentionScale
        let groupWidth = c.groupSize * c.headDim
        layout.blockTableStorage.withUnsafeBufferPointer { tables in
            pool.run(taskCount: layout.tokenIds.count * c.kvHeadCount) { task, thread in
                let token = task / c.kvHeadCount
                let kvHead = task % c.kvHeadCount
                let position = layout.positions[token]
                let offset = token * c.queryWidth + kvHead * groupWidth
                sk_attention(
                    w.query.pointer + offset, c.groupSize, c.headDim, cache.keyBase(layer: layer, kvHead: kvHead),
                    cache.valueBase(layer: layer, kvHead: kvHead),
                    tables.baseAddress! + layout.blockTableOffsets[layout.chunkOfToken[token]], cache.blockSize,
                    cache.blockStride, position + 1, scale, w.scores.pointer + thread * w.scoresPerThread,
                    w.attention.pointer + offset)
            }
        }
    }
}

/// Logits of the rows a forward pass was asked for: `rowRanges[chunk]` are that chunk's rows.
public struct Logits {
    let storage: AlignedBuffer<Float>
    public let rowCount: Int
    public let vocabularySize: Int
    public let rowRanges: [Range<Int>]

    init(storage: AlignedBuffer<Float>, rowCount: Int, vocabularySize: Int, rowRanges: [Range<Int>]) {
        self.storage = storage
        self.rowCount = rowCount
        self.vocabularySize = vocabularySize
        self.rowRanges = rowRanges
    }

    /// Logits from another source than `Transformer` (a test model): `values` holds the rows one after
    /// the other, `rowRanges` says which rows belong to which chunk.
    public init(values: [Float], vocabularySize: Int, rowRanges: [Range<Int>]) {
        precondition(vocabularySize > 0 && values.count % vocabularySize == 0, "logits are not whole rows")
        storage = AlignedBuffer<Float>(count: values.count)
        _ = storage.buffer.update(fromContentsOf: values)
        rowCount = values.count / vocabularySize
        self.vocabularySize = vocabularySize
        self.rowRanges = rowRanges
    }

    public func row(_ index: Int) -> UnsafeBufferPointer<Float> {
        precondition(index >= 0 && index < rowCount, "logits row \(index) out of 0..<\(rowCount)")
        return UnsafeBufferPointer(start: storage.pointer + index * vocabularySize, count: vocabularySize)
    }
}

/// Per-token facts of a batch, flattened once per forward pass.
private struct BatchLayout {
    var tokenIds: [Int32] = []
    var positions: [Int] = []
    var chunkOfToken: [Int] = []
    var blockTables: [[Int32]] = []
    var blockTableStorage: [Int32] = []
    var blockTableOffsets: [Int] = []
    var logitsTokens: [Int] = []
    var logitsRowRanges: [Range<Int>] = []
    var maximumContext = 0

    init(_ batch: ForwardBatch, blockSize: Int, vocabularySize: Int) {
        for (chunkIndex, chunk) in batch.chunks.enumerated() {
            precondition(!chunk.tokens.isEmpty, "empty chunk in a forward batch")
            let end = chunk.startPosition + chunk.tokens.count
            precondition(chunk.blockTable.count * blockSize >= end, "block table too short for position \(end - 1)")
            let firstToken = tokenIds.count
            for (offset, id) in chunk.tokens.enumerated() {
                precondition(id >= 0 && Int(id) < vocabularySize, "token id \(id) outside the vocabulary")
                tokenIds.append(id)
                positions.append(chunk.startPosition + offset)
                chunkOfToken.append(chunkIndex)
            }
            blockTables.append(chunk.blockTable)
            blockTableOffsets.append(blockTableStorage.count)
            blockTableStorage += chunk.blockTable
            let firstRow = logitsTokens.count
            switch chunk.logits {
            case .none: break
            case .last: logitsTokens.append(tokenIds.count - 1)
            case .all: logitsTokens += firstToken..<tokenIds.count
            }
            logitsRowRanges.append(firstRow..<logitsTokens.count)
            maximumContext = max(maximumContext, end)
        }
    }
}

/// Activation buffers, allocated for the largest batch seen so far and reused.
private final class Workspace {
    let config: ModelConfig
    let threadCount: Int
    var tokenCapacity = -1
    var logitsRowCapacity = -1
    var contextCapacity = -1
    var hidden, normed, query, key, value, attention, projected, gate, up, cosines, sines: AlignedBuffer<Float>
    var logitsInput, logits, scores: AlignedBuffer<Float>
    var scoresPerThread = 0

    init(config: ModelConfig, tokenCapacity: Int, logitsRowCapacity: Int, threadCount: Int) {
        self.config = config
        self.threadCount = threadCount
        let empty = AlignedBuffer<Float>(count: 0)
        (hidden, normed, query, key, value, attention, projected, gate, up, cosines, sines) =
            (empty, empty, empty, empty, empty, empty, empty, empty, empty, empty, empty)
        (logitsInput, logits, scores) = (empty, empty, empty)
    }

    func reserve(tokens: Int, logitsRows: Int, context: Int) {
        let c = config
        if tokens > tokenCapacity {
            tokenCapacity = max(tokens, 16)
            let t = tokenCapacity
            hidden = AlignedBuffer(count: t * c.hiddenSize)
            normed = AlignedBuffer(count: t * c.hiddenSize)
            projected = AlignedBuffer(count: t * c.hiddenSize)
            query = AlignedBuffer(count: t * c.queryWidth)
            attention = AlignedBuffer(count: t * c.queryWidth)
            key = AlignedBuffer(count: t * c.kvWidth)
            value = AlignedBuffer(count: t * c.kvWidth)
            gate = AlignedBuffer(count: t * c.intermediateSize)
            up = AlignedBuffer(count: t * c.intermediateSize)
            cosines = AlignedBuffer(count: t * c.headDim / 2)
            sines = AlignedBuffer(count: t * c.headDim / 2)
        }
        if logitsRows > logitsRowCapacity {
            logitsRowCapacity = max(logitsRows, 1)
            logitsInput = AlignedBuffer(count: logitsRowCapacity * c.hiddenSize)
            logits = AlignedBuffer(count: logitsRowCapacity * c.vocabSize)
        }
        if context > contextCapacity {
            contextCapacity = max(context, 256)
            scoresPerThread = c.groupSize * contextCapacity
            scores = AlignedBuffer(count: threadCount * scoresPerThread)
        }
    }
}
