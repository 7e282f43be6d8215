// One GRPO update of the policy (spark-paper.md §4.2: one optimiser step per RL step, so the policy
// that sampled the rollouts is the one being trained and π_old = π at the update, ratio 1, as verl
// computes it with its mini-batch equal to the batch). Each response's tokens with their advantages
// are packed with their prompt into micro-batches; the frozen reference policy gives log π_ref for the
// KL term; GRPOObjective gives d loss / d log π per token, token-mean over the whole batch, which the
// policy's backward pass takes through the model; then global-norm clipping and AdamW.

import Training

/// One rollout as the update sees it.
public struct PolicySample: Sendable, Equatable {
    public var promptIds: [Int32]
    /// The sampled tokens, an EOS token included.
    public var completionIds: [Int32]
    /// One advantage per completion token.
    public var advantages: [Double]

    public init(promptIds: [Int32], completionIds: [Int32], advantages: [Double]) {
        precondition(!promptIds.isEmpty, "a rollout needs a prompt")
        precondition(advantages.count == completionIds.count, "one advantage per completion token")
        self.promptIds = promptIds
        self.completionIds = completionIds
        self.advantages = advantages
    }
}

public struct UpdateReport: Sendable, Equatable {
    public var loss: Double
    public var policyLoss: Double
    public var meanKL: Double
    public var clippedShare: Double
    /// Before clipping.
    public var gradientNorm: Double
    /// Response tokens trained on.
    public var tokens: Int
}

public final class PolicyOptimizer {
    public let parameters: ModelParameters
    public let optimizer: AdamW
    public let objective: GRPOObjective
    /// Input tokens per micro-batch (whole rollouts are packed up to it).
    public let batchTokens: Int
    public let maximumGradientNorm: Double
    private let policy: TrainableTransformer
    private let reference: TrainableTransformer
    private let gradients: ModelParameters

    public init(
        parameters: ModelParameters, reference: ModelParameters, optimizer settings: AdamWSettings,
        objective: GRPOObjective, batchTokens: Int = 4096, maximumGradientNorm: Double = 1
    ) {
        self.parameters = parameters
        optimizer = AdamW(for: parameters, settings: settings)
        self.objective = objective
        self.batchTokens = batchTokens
        self.maximumGradientNorm = maximumGradientNorm
        policy = TrainableTransformer(parameters: parameters)
        self.reference = TrainableTransformer(parameters: reference)
        gradients = .zeros(like: parameters)
    }

    /// The policy's log-probabilities of each sample's completion tokens.
    public func logProbabilities(_ samples: [PolicySample]) -> [[Double]] {
        samples.map { sample in
            sample.completionIds.isEmpty ? [] : policy.logProbabilities(Self.batch([sample]))
        }
    }

    /// One update on `samples` at `learningRate`; samples without completion tokens are skipped.
    public func update(_ samples: [PolicySample], learningRate: Double) -> UpdateReport {
        let trained = samples.filter { !$0.completionIds.isEmpty }
        let total = trained.reduce(0) { $0 + $1.completionIds.count }
        precondition(total > 0, "an update without response tokens")
        gradients.zero()
        var report = UpdateReport(loss: 0, policyLoss: 0, meanKL: 0, clippedShare: 0, gradientNorm: 0, tokens: total)
        for group in microBatches(trained) {
            let batch = Self.batch(group)
            let referenceLogProbabilities = reference.logProbabilities(batch)
            let logProbabilities = policy.logProbabilities(batch)
            let advantages = group.flatMap(\.advantages)
            let tokens = zip(zip(logProbabilities, referenceLogProbabilities), advantages).map {
                GRPOObjective.Token(
                    logProbability: $0.0, oldLogProbability: $0.0, referenceLogProbability: $0.1, advantage: $1)
            }
            let evaluation = objective.evaluate(tokens)
            // The objective averages over this micro-batch; the loss is the mean over the batch.
            let share = Double(tokens.count) / Double(total)
            policy.backward(logProbabilityGradients: evaluation.gradients.map { $0 * share }, into: gradients)
            report.loss += share * evaluation.loss
            report.policyLoss += share * evaluation.policyLoss
            report.meanKL += share * evaluation.meanKL
            report.clippedShare += share * evaluation.clippedShare
        }
        report.gradientNorm = GradientClipping.clip(gradients, maximumNorm: maximumGradientNorm)
        optimizer.update(parameters, gradients: gradients, learningRate: learningRate)
        return report
    }

    /// Whole samples packed under the token budget (at least one per micro-batch).
    private func microBatches(_ samples: [PolicySample]) -> [[PolicySample]] {
        var batches: [[PolicySample]] = []
        var current: [PolicySample] = []
        var tokens = 0
        for sample in samples {
            let length = sample.promptIds.count + sample.completionIds.count - 1
            if !current.isEmpty && tokens + length > batchTokens {
                batches.append(current)
                current = []
                tokens = 0
            }
            current.append(sample)
            tokens += length
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }

    /// Each sample as one document whose completion tokens are the trainable predictions.
    static func batch(_ samples: [PolicySample]) -> TokenBatch {
        var batch = TokenBatch()
        for sample in samples {
            batch.append(
                sequence: sample.promptIds + sample.completionIds,
                trainable: Array(repeating: false, count: sample.promptIds.count - 1)
                    + Array(repeating: true, count: sample.completionIds.count))
        }
        return batch
    }
}
