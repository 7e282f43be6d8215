import Engine
import Model
import TestSupport
import Testing
import Training

/// The policy-gradient API RL training uses: per-token log-probabilities from the training forward
/// and a backward pass with a weight per token, against five-point central differences of
/// Σ_t g_t · log π_t on a tiny policy; and the engine reading the parameters in place.
@Suite struct LogProbabilityGradientTests {
    @Test func logProbabilitiesAreTheNegatedTokenLosses() {
        let parameters = TinyModels.randomParameters(TinyModels.qwen2(tied: true), seed: 5)
        let model = TrainableTransformer(parameters: parameters)
        let batch = TinyModels.packedBatch(vocabulary: 64, seed: 6)
        let logProbabilities = model.logProbabilities(batch)
        #expect(logProbabilities.count == batch.trainableCount)
        #expect(logProbabilities.allSatisfy { $0 < 0 })
        let loss = model.forward(batch)
        #expect(abs(logProbabilities.reduce(0, +) + loss) <= 1e-9 * loss)
    }

    @Test(arguments: [("qwen2 tied", TinyModels.qwen2(tied: true)), ("qwen2 untied", TinyModels.qwen2(tied: false))])
    func weightedBackwardMatchesFiniteDifferences(name: String, config: ModelConfig) {
        let parameters = TinyModels.randomParameters(config, seed: 9)
        // Logits in chunks of four rows: the backward pass recomputes them and must weight each row.
        let model = TrainableTransformer(parameters: parameters, logitsChunkRows: 4)
        let batch = TinyModels.packedBatch(vocabulary: config.vocabSize, seed: 10)
        var random = SeededRandom(seed: 12)
        // Signed weights of both signs, as advantages are.
        let weights = (0..<batch.trainableCount).map { _ in random.nextUnit() * 2 - 1 }
        func objective() -> Double { zip(weights, model.logProbabilities(batch)).reduce(0) { $0 + $1.0 * $1.1 } }

        let gradients = ModelParameters.zeros(like: parameters)
        _ = model.logProbabilities(batch)
        model.backward(logProbabilityGradients: weights, into: gradients)
        let step: Float = 2e-2
        for (tensor, gradient) in zip(parameters.all, gradients.all) {
            // Along the gradient itself: the directional derivative there is the gradient's norm.
            let norm = gradient.array.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            let direction = gradient.array.map { Float(Double($0) / norm) }
            let analytic = norm
            let original = tensor.array
            func shifted(_ multiple: Float) -> Double {
                for index in 0..<tensor.count {
                    tensor.pointer[index] = original[index] + multiple * step * direction[index]
                }
                return objective()
            }
            let numeric = (8 * (shifted(1) - shifted(-1)) - (shifted(2) - shifted(-2))) / (12 * Double(step))
            tensor.copy(from: original)
            let error = abs(analytic - numeric) / max(abs(analytic), abs(numeric), 1e-6)
            #expect(error <= 1e-3, "\(name) \(tensor.name): \(analytic) vs \(numeric)")
        }
    }

    @Test func theEngineReadsTheParametersInPlace() {
        let config = TinyModels.qwen2(tied: false)
        let parameters = TinyModels.randomParameters(config, seed: 31)
        let engine = Transformer(weights: parameters.engineWeights())
        let tokens: [Int32] = [3, 14, 15, 9, 26, 53, 5, 8]
        var batch = TokenBatch()
        batch.append(inputs: tokens, targets: tokens, trainable: Array(repeating: true, count: tokens.count))
        let trainable = TrainableTransformer(parameters: parameters)
        func engineLastRow() -> [Float] {
            let cache = KVCache(config: config, blockSize: 16, blockCount: 1)
            let logits = engine.forward(
                ForwardBatch(chunks: [
                    SequenceChunk(tokens: tokens, startPosition: 0, blockTable: [0], logits: .last)
                ]), cache: cache)
            return Array(logits.row(0))
        }
        func trainingLastRow() -> [Float] { Array(trainable.logits(batch).suffix(config.vocabSize)) }
        let before = engineLastRow()
        #expect(maxDifference(before, trainingLastRow()) <= 1e-4)
        // An update of the parameters is what the engine computes with next.
        for tensor in parameters.all { tensor.pointer[0] += 0.25 }
        let after = engineLastRow()
        #expect(maxDifference(after, before) > 1e-3)
        #expect(maxDifference(after, trainingLastRow()) <= 1e-4)
    }
}
