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

    init(config: ModelConfig, documents: [Range<Int>]) {
        self.config = config
        self.documents = documents
        // transformers multiplies float32 scores by the Python float head_dim ** -0.5, as the engine does.
        scale = Float(1 / Double(config.headDim).squareRoot())
    }

    /// `scratch` holds L² floats for the longest document.
    func forward(
        query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
        scratch: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>
    ) {
        let c = config
        let (queryWidth, kvWidth, headDim) = (c.queryWidth, c.kvWidth, c.headDim)
        for range in documents {
            let length = range.count
            for head in 0..<c.headCount {
                let v = value + range.lowerBound * kvWidth + head / c.groupSize * headDim
                let p = scratch
                probabilities(query: query, key: key, document: range, head: head, into: p)
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(length), blasint(headDim), blasint(length), 1,
                    p, blasint(length), v, blasint(kvWidth), 0,
                    output + range.lowerBound * queryWidth + head * headDim, blasint(queryWidth))
            }
        }
    }

    /// Writes dQ; writes dK and dV (each the sum over its group's query heads). `scratch` holds
    /// 2 L² floats for the longest document.
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
        for range in documents {
            let length = range.count
            for head in 0..<c.headCount {
                let kvHead = head / c.groupSize
                let queryOffset = range.lowerBound * queryWidth + head * headDim
                let kvOffset = range.lowerBound * kvWidth + kvHead * headDim
                let p = scratch
                probabilities(query: query, key: key, document: range, head: head, into: p)
                let dO = outputGradient + queryOffset
                let dS = scratch + length * length
                // dP = dO Vᵀ, then dS = P ⊙ (dP − rowsum(dP ⊙ P)) in place.
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasTrans, blasint(length), blasint(length), blasint(headDim), 1,
                    dO, blasint(queryWidth), value + kvOffset, blasint(kvWidth), 0, dS, blasint(length))
                for row in 0..<length {
                    let pRow = p + row * length
                    let dRow = dS + row * length
                    var weighted: Float = 0
                    for column in 0...row { weighted += pRow[column] * dRow[column] }
                    for column in 0...row { dRow[column] = pRow[column] * (dRow[column] - weighted) }
                    for column in (row + 1)..<length { dRow[column] = 0 }
                }
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(length), blasint(headDim), blasint(length),
                    scale, dS, blasint(length), key + kvOffset, blasint(kvWidth), 0, queryGradient + queryOffset,
                    blasint(queryWidth))
                cblas_sgemm(
                    CblasRowMajor, CblasTrans, CblasNoTrans, blasint(length), blasint(headDim), blasint(length), scale,
                    dS, blasint(length), query + queryOffset, blasint(queryWidth), 1, keyGradient + kvOffset,
                    blasint(kvWidth))
                cblas_sgemm(
                    CblasRowMajor, CblasTrans, CblasNoTrans, blasint(length), blasint(headDim), blasint(length), 1, p,
                    blasint(length), dO, blasint(queryWidth), 1, valueGradient + kvOffset, blasint(kvWidth))
            }
        }
    }

    /// P of one document and query head: [L, L], zero above the diagonal.
    private func probabilities(
        query: UnsafePointer<Float>, key: UnsafePointer<Float>, document range: Range<Int>, head: Int,
        into p: UnsafeMutablePointer<Float>
    ) {
        let c = config
        let length = range.count
        let q = query + range.lowerBound * c.queryWidth + head * c.headDim
        let k = key + range.lowerBound * c.kvWidth + head / c.groupSize * c.headDim
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, blasint(length), blasint(length), blasint(c.headDim), scale, q,
            blasint(c.queryWidth), k, blasint(c.kvWidth), 0, p, blasint(length))
        for row in 0..<length { Self.causalSoftmax(p + row * length, row: row, length: length) }
    }

    /// Softmax of scores[0...row] in place (max subtracted first), zeros after.
    private static func causalSoftmax(_ scores: UnsafeMutablePointer<Float>, row: Int, length: Int) {
        var maximum = -Float.infinity
        for column in 0...row { maximum = max(maximum, scores[column]) }
        var sum: Float = 0
        for column in 0...row {
            let weight = expf(scores[column] - maximum)
            scores[column] = weight
            sum += weight
        }
        let inverse = 1 / sum
        for column in 0...row { scores[column] *= inverse }
        for column in (row + 1)..<length { scores[column] = 0 }
    }
}
