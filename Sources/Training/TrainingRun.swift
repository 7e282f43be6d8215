// A whole training job: the steps over shuffled, packed data (EpochPlan), evaluation on the held-out
// sequences, and checkpoints with their optimiser state, metrics.csv and loss.svg, written every
// `saveEvery` steps and at the end. A resumed run rebuilds the same epochs from the seed, skips the
// micro-batches already trained on and continues the same schedule.

import Model

public struct RunSettings: Sendable, Equatable {
    /// Optimiser steps; nil: as many as `epochs` passes over the data take.
    public var steps: Int?
    public var epochs = 1
    public var learningRate = 1e-4
    /// Warm-up steps; nil: 5 % of the steps.
    public var warmupSteps: Int?
    public var floorFraction = 0.1
    public var optimizer = AdamWSettings(weightDecay: 0.1)
    public var maximumGradientNorm = 1.0
    /// Input tokens per micro-batch (whole sequences are packed up to it).
    public var batchTokens = 4096
    /// Micro-batches per optimiser step.
    public var accumulation = 1
    public var seed: UInt64 = 0
    /// Evaluate every this many steps (and at the end); nil: a tenth of the steps.
    public var evalEvery: Int?
    /// Checkpoint every this many steps (and at the end); nil: only at the end.
    public var saveEvery: Int?

    public init() {}
}

/// What the run reports as it goes.
public enum RunEvent {
    /// After each step: the progress line's text.
    case progress(String)
    /// A line to keep (evaluation, checkpoint).
    case note(String)
}

public final class TrainingRun {
    public let trainer: Trainer
    public let settings: RunSettings
    public let totalSteps: Int
    public private(set) var metrics = MetricsLog()
    private let evaluation: [TokenBatch]
    private let writer: CheckpointWriter
    private let outputDirectory: String
    private var plan: EpochPlan

    public init(
        parameters: ModelParameters, training: [TrainingSequence], evaluation: [TrainingSequence],
        settings: RunSettings, writer: CheckpointWriter, outputDirectory: String
    ) {
        precondition(!training.isEmpty, "no training sequences")
        self.evaluation = TrainingSequence.pack(evaluation, tokenBudget: settings.batchTokens)
        self.settings = settings
        self.writer = writer
        self.outputDirectory = outputDirectory
        var plan = EpochPlan(training, tokenBudget: settings.batchTokens, seed: settings.seed)
        if let steps = settings.steps {
            totalSteps = steps
        } else {
            let microBatches = (0..<settings.epochs).reduce(0) { $0 + plan.size(ofEpoch: $1) }
            totalSteps = max(1, (microBatches + settings.accumulation - 1) / settings.accumulation)
        }
        self.plan = plan
        let schedule = LearningRateSchedule(
            peak: settings.learningRate, warmupSteps: settings.warmupSteps ?? max(1, totalSteps / 20),
            totalSteps: totalSteps, floorFraction: settings.floorFraction)
        trainer = Trainer(
            parameters: parameters, optimizer: settings.optimizer, schedule: schedule,
            maximumGradientNorm: settings.maximumGradientNorm)
    }

    /// Continues a run saved in `outputDirectory` (its weights must be the parameters given to init).
    public func resume() throws -> TrainerState {
        let state = try TrainerState.load(directory: outputDirectory)
        guard state.totalSteps == totalSteps, state.seed == settings.seed else {
            throw TrainingDataError.unreadable(
                file: outputDirectory + "/" + TrainerState.fileName,
                problem:
                    "the saved run has \(state.totalSteps) steps and seed \(state.seed); this one \(totalSteps) and \(settings.seed): resume with the same data and options"
            )
        }
        try TrainerState.restore(trainer.optimizer, directory: outputDirectory, stepCount: state.step)
        if let bytes = try? FileSystem.read(outputDirectory + "/metrics.csv"),
            let log = MetricsLog(csv: String(decoding: bytes, as: UTF8.self))
        {
            metrics = log
        }
        return state
    }

    /// Trains to the last step, or for `stepLimit` steps of this session (then saves, to resume
    /// later: a long run on a shared machine in time-boxed pieces).
    public func run(stepLimit: Int? = nil, report: (RunEvent) -> Void) throws {
        let evalEvery = settings.evalEvery ?? max(1, totalSteps / 10)
        let start = MonotonicClock.seconds()
        let firstStep = trainer.stepCount
        let lastStep = min(totalSteps, stepLimit.map { firstStep + $0 } ?? totalSteps)
        let elapsedBefore = metrics.rows.last?.elapsedSeconds ?? 0
        while trainer.stepCount < lastStep {
            let step = trainer.stepCount
            let stepStart = MonotonicClock.seconds()
            let microBatches = (0..<settings.accumulation).map { plan.microBatch(step * settings.accumulation + $0) }
            let result = trainer.step(microBatches)
            let now = MonotonicClock.seconds()
            let done = trainer.stepCount
            let secondsPerStep = (now - start) / Double(done - firstStep)
            let tokensPerSecond = Double(result.tokens) / max(now - stepStart, 1e-9)
            metrics.append(
                MetricsRow(
                    step: done, epoch: plan.locate(step * settings.accumulation).epoch + 1, loss: result.loss,
                    evalLoss: nil, learningRate: result.learningRate, gradientNorm: result.gradientNorm,
                    tokensPerSecond: tokensPerSecond, elapsedSeconds: elapsedBefore + now - start))
            report(
                .progress(
                    "step \(done)/\(totalSteps)  loss \(ProgressFormat.fixed(result.loss, 4))  lr \(ProgressFormat.scientific(result.learningRate))  \(Int(tokensPerSecond)) tok/s  ETA \(ProgressFormat.duration(secondsPerStep * Double(totalSteps - done)))"
                ))
            if !evaluation.isEmpty && (done % evalEvery == 0 || done == totalSteps) {
                let loss = trainer.evaluate(evaluation)
                metrics.setEvalLoss(loss)
                report(
                    .note(
                        "step \(done): eval loss \(ProgressFormat.fixed(loss, 4)) (train \(ProgressFormat.fixed(result.loss, 4)))"
                    ))
            }
            if done == lastStep || (settings.saveEvery.map { done % $0 == 0 } ?? false) {
                try save(step: done)
                report(.note("step \(done): checkpoint written to \(outputDirectory)"))
            }
        }
    }

    private func save(step: Int) throws {
        let state = TrainerState(step: step, totalSteps: totalSteps, seed: settings.seed)
        try writer.write(
            trainer.parameters, to: outputDirectory,
            extraFiles: [
                TrainerState.fileName: Array(state.json.utf8), "metrics.csv": Array(metrics.csv.utf8),
                "loss.svg": Array(LossPlot.svg(metrics, title: "training loss").utf8),
            ],
            extraTensorFiles: [TrainerState.optimizerFileName: TrainerState.optimizerTensors(trainer.optimizer)])
    }
}
