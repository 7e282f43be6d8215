// One optimiser step over one or more micro-batches (gradient accumulation): the gradients of the
// mean loss over all trainable tokens of all micro-batches, clipped to a global norm, then an AdamW
// update at the schedule's rate. Accumulating micro-batches gives the gradient that one batch
// holding them all would give (AdamWTests), with only one micro-batch's activations in memory.

public struct StepReport: Sendable, Equatable {
    /// Mean loss per trainable token, in nats.
    public var loss: Double
    /// Global gradient norm before clipping.
    public var gradientNorm: Double
    public var learningRate: Double
    /// Tokens run through the model, and those whose prediction was trained.
    public var tokens: Int
    public var trainableTokens: Int
}

public final class Trainer {
    public let model: TrainableTransformer
    public let gradients: ModelParameters
    public let optimizer: AdamW
    public let schedule: LearningRateSchedule
    /// Gradients are clipped to this global norm; nil for no clipping.
    public let maximumGradientNorm: Double?

    public var parameters: ModelParameters { model.parameters }
    public var stepCount: Int { optimizer.stepCount }

    public init(
        parameters: ModelParameters, optimizer settings: AdamWSettings, schedule: LearningRateSchedule,
        maximumGradientNorm: Double? = 1
    ) {
        model = TrainableTransformer(parameters: parameters)
        gradients = .zeros(like: parameters)
        optimizer = AdamW(for: parameters, settings: settings)
        self.schedule = schedule
        self.maximumGradientNorm = maximumGradientNorm
    }

    /// Accumulates the gradients of the mean loss over `microBatches` into `gradients` (zeroed first)
    /// and returns that mean loss. The batches must hold at least one trainable token.
    @discardableResult
    public func accumulateGradients(_ microBatches: [TokenBatch]) -> Double {
        let trainable = microBatches.reduce(0) { $0 + $1.trainableCount }
        precondition(trainable > 0, "a training step without trainable tokens")
        gradients.zero()
        var lossSum = 0.0
        for batch in microBatches where batch.trainableCount > 0 {
            lossSum += model.forward(batch)
            model.backward(scale: 1 / Float(trainable), into: gradients)
        }
        return lossSum / Double(trainable)
    }

    @discardableResult
    public func step(_ microBatches: [TokenBatch]) -> StepReport {
        let loss = accumulateGradients(microBatches)
        let norm =
            maximumGradientNorm.map { GradientClipping.clip(gradients, maximumNorm: $0) }
            ?? GradientClipping.globalNorm(gradients)
        let rate = schedule.rate(atStep: optimizer.stepCount)
        optimizer.update(parameters, gradients: gradients, learningRate: rate)
        return StepReport(
            loss: loss, gradientNorm: norm, learningRate: rate, tokens: microBatches.reduce(0) { $0 + $1.tokenCount },
            trainableTokens: microBatches.reduce(0) { $0 + $1.trainableCount })
    }

    /// Mean loss per trainable token over `batches`, without touching the gradients.
    public func evaluate(_ batches: [TokenBatch]) -> Double {
        var lossSum = 0.0
        var trainable = 0
        for batch in batches where batch.trainableCount > 0 {
            lossSum += model.forward(batch)
            trainable += batch.trainableCount
        }
        return trainable == 0 ? .nan : lossSum / Double(trainable)
    }
}
