import Foundation
import JSON
import RL
import Testing

/// The GRPO loss and its gradient against verl's formulas in torch with autograd
/// (make_grpo_fixtures.py), over tokens that reach every branch of the clip, the dual clip and the
/// KL clamp; and the gradient against central differences of the loss itself.
@Suite struct GRPOObjectiveTests {
    static let fixture: JSONObject = {
        let path = #filePath.replacingOccurrences(of: "GRPOObjectiveTests.swift", with: "grpo_objective.json")
        return try! JSONValue.parse(Array(FileManager.default.contents(atPath: path)!)).objectValue!
    }()

    static func column(_ key: String) -> [Double] { fixture[key]!.arrayValue!.map { $0.doubleValue! } }

    static let tokens: [GRPOObjective.Token] = {
        let (logProbability, old, reference, advantage) = (
            column("log_prob"), column("old_log_prob"), column("ref_log_prob"), column("advantages")
        )
        return logProbability.indices.map {
            GRPOObjective.Token(
                logProbability: logProbability[$0], oldLogProbability: old[$0],
                referenceLogProbability: reference[$0], advantage: advantage[$0])
        }
    }()

    @Test func lossAndGradientMatchTorch() {
        let evaluation = GRPOObjective().evaluate(Self.tokens)
        let close = { (a: Double, b: Double) in abs(a - b) <= 1e-12 * max(1, abs(b)) }
        #expect(close(evaluation.loss, Self.fixture["loss"]!.doubleValue!))
        #expect(close(evaluation.policyLoss, Self.fixture["policy_loss"]!.doubleValue!))
        #expect(close(evaluation.meanKL, Self.fixture["mean_kl"]!.doubleValue!))
        let expected = Self.column("gradients")
        for (index, gradient) in evaluation.gradients.enumerated() {
            #expect(close(gradient, expected[index]), "token \(index): \(gradient) vs torch \(expected[index])")
        }
        #expect(evaluation.clippedShare > 0 && evaluation.clippedShare < 1)
    }

    @Test func theGradientIsTheSlopeOfTheLoss() {
        let objective = GRPOObjective()
        let gradients = objective.evaluate(Self.tokens).gradients
        let step = 1e-6
        for index in Self.tokens.indices {
            var up = Self.tokens
            var down = Self.tokens
            up[index].logProbability += step
            down[index].logProbability -= step
            let slope = (objective.evaluate(up).loss - objective.evaluate(down).loss) / (2 * step)
            #expect(abs(slope - gradients[index]) <= 1e-6 * max(1, abs(slope)), "token \(index)")
        }
    }

    /// One step along the gradient raises the log-probability of positively advantaged tokens.
    @Test func descentFavoursPositiveAdvantages() {
        let tokens = [0.5, -0.5, 1.0].map {
            GRPOObjective.Token(
                logProbability: -1, oldLogProbability: -1, referenceLogProbability: -1, advantage: $0)
        }
        let gradients = GRPOObjective().evaluate(tokens).gradients
        #expect(gradients[0] < 0 && gradients[2] < gradients[0] && gradients[1] > 0)
    }
}
