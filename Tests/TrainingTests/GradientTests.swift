import Engine
import Model
import TestSupport
import Testing
import Training

/// Analytic gradients of every parameter tensor against five-point central differences of the loss (a
/// Double sum over the trainable tokens), on tiny models with packed documents and a partial loss
/// mask. Each tensor is checked along a random direction (all its elements at once) and at its three
/// elements of largest gradient; relative error at most 1e-3.
@Suite struct GradientTests {
    @Test(arguments: [
        ("qwen2 tied", TinyModels.qwen2(tied: true)), ("qwen2 untied", TinyModels.qwen2(tied: false)),
        ("llama all biases", TinyModels.llamaWithAllBiases()), ("llama head_dim 6", TinyModels.llamaWideHeads()),
    ])
    func analyticGradientsMatchFiniteDifferences(name: String, config: ModelConfig) {
        let parameters = TinyModels.randomParameters(config, seed: 7)
        let model = TrainableTransformer(parameters: parameters)
        let batch = TinyModels.packedBatch(vocabulary: config.vocabSize, seed: 11)
        let gradients = ModelParameters.zeros(like: parameters)
        model.forward(batch)
        model.backward(scale: 1, into: gradients)

        var random = SeededRandom(seed: 3)
        let step: Float = 2e-2
        for (tensor, gradient) in zip(parameters.all, gradients.all) {
            // A random direction within the gradient's orthant (weights 0.5 to 1 on the elements'
            // signs): every element counts, and the derivative stays well above the rounding noise.
            var direction = gradient.array.map { Float($0 < 0 ? -1 : 1) * Float(0.5 + 0.5 * random.nextUnit()) }
            let length = direction.reduce(0) { $0 + $1 * $1 }.squareRoot()
            direction = direction.map { $0 / length }
            let analytic = zip(direction, gradient.array).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let numeric = centralDifference(model, batch, tensor, direction: direction, step: step)
            let error = relativeError(analytic, numeric)
            #expect(error <= 1e-3, "\(name) \(tensor.name) along a random direction: \(analytic) vs \(numeric)")

            let largest = gradient.array.indices.sorted { abs(gradient.array[$0]) > abs(gradient.array[$1]) }.prefix(3)
            for element in largest {
                var unit = [Float](repeating: 0, count: tensor.count)
                unit[element] = 1
                let numeric = centralDifference(model, batch, tensor, direction: unit, step: step)
                let error = relativeError(Double(gradient.array[element]), numeric)
                #expect(
                    error <= 1e-3, "\(name) \(tensor.name)[\(element)]: \(gradient.array[element]) vs \(numeric)")
            }
        }
    }

    /// A long document whose loss is on its last tokens only: their gradient reaches the keys and
    /// values of tokens hundreds of positions back, which short documents never exercise.
    @Test func gradientsThroughAttentionHundredsOfTokensBackMatchFiniteDifferences() {
        let config = TinyModels.qwen2(tied: true)
        let parameters = TinyModels.randomParameters(config, seed: 23)
        let model = TrainableTransformer(parameters: parameters)
        var random = SeededRandom(seed: 29)
        let tokens = (0..<700).map { _ in Int32(random.next() % UInt64(config.vocabSize)) }
        var batch = TokenBatch()
        batch.append(sequence: tokens, trainable: (0..<699).map { $0 >= 695 })
        let gradients = ModelParameters.zeros(like: parameters)
        model.forward(batch)
        model.backward(scale: 1, into: gradients)
        for (tensor, gradient) in zip(parameters.all, gradients.all) {
            var direction = gradient.array.map { Float($0 < 0 ? -1 : 1) * Float(0.5 + 0.5 * random.nextUnit()) }
            let length = direction.reduce(0) { $0 + $1 * $1 }.squareRoot()
            direction = direction.map { $0 / length }
            let analytic = zip(direction, gradient.array).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let numeric = centralDifference(model, batch, tensor, direction: direction, step: 2e-2)
            #expect(relativeError(analytic, numeric) <= 1e-3, "\(tensor.name): \(analytic) vs \(numeric)")
        }
    }

    private func centralDifference(
        _ model: TrainableTransformer, _ batch: TokenBatch, _ tensor: ParameterTensor, direction: [Float], step: Float
    ) -> Double {
        let original = tensor.array
        func loss(_ multiple: Float) -> Double {
            for index in 0..<tensor.count {
                tensor.pointer[index] = original[index] + multiple * step * direction[index]
            }
            return model.forward(batch)
        }
        // The five-point stencil: truncation error O(step⁴), so the step can be large enough for
        // float32 rounding in the forward pass to stay far below the difference.
        let difference = (8 * (loss(1) - loss(-1)) - (loss(2) - loss(-2))) / (12 * Double(step))
        tensor.copy(from: original)
        return difference
    }

    private func relativeError(_ a: Double, _ b: Double) -> Double {
        abs(a - b) / max(abs(a), abs(b), 1e-6)
    }

    /// Logits in chunks of three rows (recomputed in the backward pass) give the loss and gradients
    /// of one chunk holding every row.
    @Test func chunkedLogitsGiveTheSameGradients() {
        let parameters = TinyModels.randomParameters(TinyModels.qwen2(tied: true), seed: 17)
        let batch = TinyModels.packedBatch(vocabulary: 64, seed: 19)
        var losses: [Double] = []
        var results: [[[Float]]] = []
        for chunkRows in [1000, 3] {
            let model = TrainableTransformer(parameters: parameters, logitsChunkRows: chunkRows)
            let gradients = ModelParameters.zeros(like: parameters)
            losses.append(model.forward(batch))
            model.backward(scale: 0.5, into: gradients)
            results.append(gradients.all.map(\.array))
        }
        #expect(abs(losses[0] - losses[1]) <= 1e-6 * losses[0])
        for (whole, chunked) in zip(results[0], results[1]) { #expect(maxDifference(whole, chunked) <= 1e-6) }
    }
}
