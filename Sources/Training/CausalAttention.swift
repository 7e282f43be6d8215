// Causal self-attention with grouped key/value heads over packed documents: every token attends to
// the tokens of its own document up to itself. Per document and query head h (key/value head
// h / groupSize), with Q, K after rotary embedding:
//
//     S = scale · Q Kᵀ              [L, L]     (sgemm)
//     P = softmax over j ≤ i of S   (zero above the diagonal)
//     O = P V                       [L, headDim] (sgemm)
//
// and backward, given dO:
//
//     dP = dO Vᵀ,  dS = P ⊙ (dP − rowsum(dP ⊙ P)),  dQ = scale · dS K,
//     dK += scale · dSᵀ Q,  dV += Pᵀ dO      (summed over the heads of a group)
//
// The backward pass computes P again rather than keep it from the forward: kept, it would take
// documents × heads × L² floats per layer (5.6 GB for a Qwen2.5-0.5B shape at L = 2048), and computing
// it again costs one more Q Kᵀ product, a small share of a step. The engine attends with a paged-KV
// decode kernel instead; TrainingForwardTests holds the two to the same logits.
//
// Why this shape (`spark-bench train --config` on the recipe's model, documents of 300 tokens): the
// products are many and small (head dimension 32), and OpenBLAS spreading each over both cores spent
// more time handing work over than computing, while the scalar softmax left one core idle. So the
// (document, KV head) pairs are shared among the worker pool's threads, each running its products on
// one core, and the rows go in blocks of `rowBlock`, each attending only up to its last row, which
// skips most of the masked upper triangle that a whole L × L product computes.

import CKernels
import COpenBLAS
import Kernels
import Model

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

struct CausalAttention {
    let config: ModelConfig
    let documents: [Range<Int>]
    let scale: Float

    /// Query rows per block of scores.
    static let rowBlock = 128

    init(config: ModelConfig, documents: [Range<Int>]) {
        self.config = config
        self.documents = documents
        // transformers multiplies float32 scores by the Python float head_dim ** -0.5, as the engine does.
        scale = Float(1 / Double(config.headDim).squareRoot())
    }

    /// Floats of scratch that `forward` and `backward` need for documents of up to `longestDocument`
    /// tokens: a block of probabilities and one of their gradients per thread of the pool.
    static func scratchCount(longestDocument: Int) -> Int {
        WorkerPool.shared.threadCount * 2 * rowBlock * longestDocument
    }

    func forward(
        query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
        scratch: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>
    ) {
        let c = config
        forEachDocumentAndKVHead(scratch: scratch) { range, kvHead, scratch in
            for head in (kvHead * c.groupSize)..<((kvHead + 1) * c.groupSize) {
                let v = value + range.lowerBound * c.kvWidth + kvHead * c.headDim
                for rows in rowBlocks(of: range) {
                    let p = scratch
                    probabilities(query: query, key: key, document: range, head: head, rows: rows, into: p)
                    // O[rows] = P V[0 ..< rows.upperBound]
                    cblas_sgemm(
                        CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(rows.count), blasint(c.headDim),
                        blasint(rows.upperBound), 1, p, blasint(rows.upperBound), v, blasint(c.kvWidth), 0,
                        output + (range.lowerBound + rows.lowerBound) * c.queryWidth + head * c.headDim,
                        blasint(c.queryWidth))
                }
            }
        }
    }

    /// Writes dQ; writes dK and dV (each the sum over its group's query heads).
    func backward(
        query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
        outputGradient: UnsafePointer<Float>,
        queryGradient: UnsafeMutablePointer<Float>, keyGradient: UnsafeMutablePointer<Float>,
        valueGradient: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        let c = config
        let (queryWidth, kvWidth, headDim) = (c.queryWidth, c.kvWidth, c.headDim)
        let tokenCount = documents.last?.upperBound ?? 0
        keyGradient.update(repeating: 0, count: tokenCount * kvWidth)
        valueGradient.update(repeating: 0, count: tokenCount * kvWidth)
        forEachDocumentAndKVHead(scratch: scratch) { range, kvHead, scratch in
            let kvOffset = range.lowerBound * kvWidth + kvHead * headDim
            for head in (kvHead * c.groupSize)..<((kvHead + 1) * c.groupSize) {
                for rows in rowBlocks(of: range) {
                    let width = rows.upperBound
                    let queryOffset = (range.lowerBound + rows.lowerBound) * queryWidth + head * headDim
                    let p = scratch
                    let dS = scratch + Self.rowBlock * range.count
                    probabilities(query: query, key: key, document: range, head: head, rows: rows, into: p)
                    let dO = outputGradient + queryOffset
                    // dP = dO V[0 ..< width]ᵀ, then dS = P ⊙ (dP − rowsum(dP ⊙ P)) in place.
                    cblas_sgemm(
                        CblasRowMajor, CblasNoTrans, CblasTrans, blasint(rows.count), blasint(width),
                        blasint(headDim), 1, dO, blasint(queryWidth), value + kvOffset, blasint(kvWidth), 0, dS,
                        blasint(width))
                    for (index, row) in rows.enumerated() {
                        let pRow = p + index * width
                        let dRow = dS + index * width
                        let weighted = cblas_sdot(blasint(row + 1), pRow, 1, dRow, 1)
                        for column in 0...row { dRow[column] = pRow[column] * (dRow[column] - weighted) }
                        (dRow + row + 1).update(repeating: 0, count: width - row - 1)
                    }
                    cblas_sgemm(
                        CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(rows.count), blasint(headDim),
                        blasint(width), scale, dS, blasint(width), key + kvOffset, blasint(kvWidth), 0,
                        queryGradient + queryOffset, blasint(queryWidth))
                    cblas_sgemm(
                        CblasRowMajor, CblasTrans, CblasNoTrans, blasint(width), blasint(headDim),
                        blasint(rows.count), scale, dS, blasint(width), query + queryOffset, blasint(queryWidth), 1,
                        keyGradient + kvOffset, blasint(kvWidth))
                    cblas_sgemm(
                        CblasRowMajor, CblasTrans, CblasNoTrans, blasint(width), blasint(headDim),
                        blasint(rows.count), 1, p, blasint(width), dO, blasint(queryWidth), 1,
                        valueGradient + kvOffset, blasint(kvWidth))
                }
            }
        }
    }

    /// Runs `body` for every (document, KV head) pair on the worker pool, each thread with its own
    /// part of `scratch`. The pairs write disjoint parts of every output: their own tokens' rows, their
    /// own heads' columns. OpenBLAS runs single-threaded meanwhile, each product on its caller's core.
    private func forEachDocumentAndKVHead(
        scratch: UnsafeMutablePointer<Float>,
        _ body: (_ document: Range<Int>, _ kvHead: Int, _ scratch: UnsafeMutablePointer<Float>) -> Void
    ) {
        let kvHeads = config.kvHeadCount
        let perThread = 2 * Self.rowBlock * (documents.map(\.count).max() ?? 0)
        let blasThreads = Self.blasThreads
        openblas_set_num_threads(1)
        WorkerPool.shared.run(taskCount: documents.count * kvHeads) { task, thread in
            body(documents[task / kvHeads], task % kvHeads, scratch + thread * perThread)
        }
        openblas_set_num_threads(blasThreads)
    }

    /// OpenBLAS's own thread count, read once (before the first call sets it to 1): read at each call,
    /// a trainer on another thread (tests run in parallel) could find it at 1 and keep it there.
    private static let blasThreads = openblas_get_num_threads()

    /// The document's rows (positions 0 ..< L) in blocks of `rowBlock`.
    private func rowBlocks(of document: Range<Int>) -> [Range<Int>] {
        stride(from: 0, to: document.count, by: Self.rowBlock).map { $0..<min($0 + Self.rowBlock, document.count) }
    }

    /// P of one document, query head and block of rows: [rows, rows.upperBound] (each row attends to
    /// the positions up to its own), zero above the diagonal.
    private func probabilities(
        query: UnsafePointer<Float>, key: UnsafePointer<Float>, document range: Range<Int>, head: Int,
        rows: Range<Int>, into p: UnsafeMutablePointer<Float>
    ) {
        let c = config
        let width = rows.upperBound
        let q = query + (range.lowerBound + rows.lowerBound) * c.queryWidth + head * c.headDim
        let k = key + range.lowerBound * c.kvWidth + head / c.groupSize * c.headDim
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, blasint(rows.count), blasint(width), blasint(c.headDim), scale, q,
            blasint(c.queryWidth), k, blasint(c.kvWidth), 0, p, blasint(width))
        for (index, row) in rows.enumerated() {
            sk_softmax(p + index * width, row + 1)
            (p + index * width + row + 1).update(repeating: 0, count: width - row - 1)
        }
    }
}
