import Engine
import Model
import RL
import TestSupport
import Testing
import Training

/// The GRPO loss through the model: its gradient against central differences on a tiny policy, and
/// one update on a fixed batch moving log-probabilities the way the advantages say.
@Suite struct PolicyOptimizerTests {
    static func tinyPolicy() throws -> ModelParameters {
        let checkpoint = try Checkpoint(directory: Fixtures.model("qwen2-gqa-tied"))
        return try ModelParameters(checkpoint: checkpoint)
    }

    static let prompt: [Int32] = [17, 250, 33, 98, 410]
    static let good: [Int32] = [5, 77, 301, 12, 44, 9]
    static let bad: [Int32] = [81, 6, 222, 150, 3]

    @Test func oneUpdateRaisesThePositivelyAdvantagedResponses() throws {
        let parameters = try Self.tinyPolicy()
        let optimizer = PolicyOptimizer(
            parameters: parameters, reference: try Self.tinyPolicy(), optimizer: AdamWSettings(),
            objective: GRPOObjective())
        let samples = [
            PolicySample(promptIds: Self.prompt, completionIds: Self.good, advantages: Array(repeating: 1, count: 6)),
            PolicySample(promptIds: Self.prompt, completionIds: Self.bad, advantages: Array(repeating: -1, count: 5)),
        ]
        let before = optimizer.logProbabilities(samples).map { $0.reduce(0, +) }
        let report = optimizer.update(samples, learningRate: 1e-3)
        let after = optimizer.logProbabilities(samples).map { $0.reduce(0, +) }
        #expect(report.tokens == 11)
        #expect(report.meanKL == 0)
        #expect(after[0] > before[0] + 0.01, "positive advantage: \(before[0]) → \(after[0])")
        #expect(after[1] < before[1] - 0.01, "negative advantage: \(before[1]) → \(after[1])")
    }

    /// The GRPO loss as a function of the weights (π_old the policy at the start, as in the update;
    /// π_ref fixed away from it so that the KL term counts; the clip's branches are GRPOObjectiveTests'
    /// business), its gradient from the objective's per-token gradients through the model's backward
    /// pass, checked along the gradient of each tensor.
    @Test func grpoGradientThroughTheModelMatchesFiniteDifferences() throws {
        let parameters = try Self.tinyPolicy()
        let model = TrainableTransformer(parameters: parameters)
        var batch = TokenBatch()
        for completion in [Self.good, Self.bad] {
            batch.append(
                sequence: Self.prompt + completion,
                trainable: Array(repeating: false, count: Self.prompt.count - 1)
                    + Array(repeating: true, count: completion.count))
        }
        let current = model.logProbabilities(batch)
        var random = SeededRandom(seed: 4)
        let old = current
        let reference = current.map { $0 + (random.nextUnit() - 0.5) * 0.4 }
        let advantages = (0..<current.count).map { $0 < Self.good.count ? 0.8 : -1.1 }
        var objective = GRPOObjective()
        objective.klCoefficient = 0.1
        // Clip bounds out of reach: the stencil's steps must not cross a kink of the clip.
        objective.clipLow = 0.9
        objective.clipHigh = 10
        objective.dualClip = 100
        func evaluate() -> GRPOObjective.Evaluation {
            let logProbabilities = model.logProbabilities(batch)
            return objective.evaluate(
                (0..<logProbabilities.count).map {
                    GRPOObjective.Token(
                        logProbability: logProbabilities[$0], oldLogProbability: old[$0],
                        referenceLogProbability: reference[$0], advantage: advantages[$0])
                })
        }
        let gradients = ModelParameters.zeros(like: parameters)
        let evaluation = evaluate()
        model.backward(logProbabilityGradients: evaluation.gradients, into: gradients)
        // Large enough for float32 rounding of the log-probabilities to stay far below the difference;
        // the five-point stencil keeps the truncation error small.
        let step: Float = 1e-2
        for (tensor, gradient) in zip(parameters.all, gradients.all) {
            let norm = gradient.array.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            guard norm > 1e-6 else { continue }
            let original = tensor.array
            func loss(_ multiple: Float) -> Double {
                for index in 0..<tensor.count {
                    tensor.pointer[index] =
                        original[index] + multiple * step * Float(Double(gradient.array[index]) / norm)
                }
                return evaluate().loss
            }
            let numeric = (8 * (loss(1) - loss(-1)) - (loss(2) - loss(-2))) / (12 * Double(step))
            tensor.copy(from: original)
            let error = abs(norm - numeric) / max(norm, abs(numeric))
            #expect(error <= 2e-2, "\(tensor.name): \(norm) vs \(numeric)")
        }
    }
}
