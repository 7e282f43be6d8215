import Engine
import Foundation
import JSON
import Model
import TestSupport
import Testing
import Training

/// The optimiser against torch (adamw_reference.json, from make_adamw_reference.py), the schedule
/// against its formula, and the training step's promises: accumulation equals one big batch, a tiny
/// model overfits a fixed batch, one seed gives one result.
@Suite struct AdamWTests {
    @Test func clippingAndAdamWMatchTorch() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "adamw_reference.json"
        ).path
        let reference = try #require(try JSONValue.parse(FileReader.bytes(path)).objectValue)
        let settingsObject = try #require(reference["settings"]?.objectValue)
        func setting(_ key: String) throws -> Double { try #require(settingsObject[key]?.doubleValue) }
        let config = ModelConfig(
            architecture: .qwen2, hiddenSize: 8, layerCount: 1, headCount: 2, kvHeadCount: 1, intermediateSize: 12,
            vocabSize: 16, tieWordEmbeddings: false)
        let parameters = ModelParameters(config: config)
        let gradients = ModelParameters.zeros(like: parameters)
        func load(_ object: JSONObject?, into target: ModelParameters) throws {
            let object = try #require(object)
            for tensor in target.all {
                let values = try #require(object[tensor.name]?.arrayValue).map { Float($0.doubleValue!) }
                #expect(values.count == tensor.count, "\(tensor.name)")
                tensor.copy(from: values)
            }
        }
        try load(reference["initial"]?.objectValue, into: parameters)
        let optimizer = AdamW(
            for: parameters,
            settings: AdamWSettings(
                beta1: try setting("beta1"), beta2: try setting("beta2"), epsilon: try setting("epsilon"),
                weightDecay: try setting("weight_decay")))
        for (index, stepValue) in try #require(reference["steps"]?.arrayValue).enumerated() {
            let step = try #require(stepValue.objectValue)
            try load(step["gradients"]?.objectValue, into: gradients)
            let norm = GradientClipping.clip(gradients, maximumNorm: try setting("maximum_norm"))
            let expectedNorm = try #require(step["norm"]?.doubleValue)
            #expect(abs(norm - expectedNorm) <= 1e-5 * expectedNorm, "step \(index): norm \(norm) vs \(expectedNorm)")
            optimizer.update(
                parameters, gradients: gradients, learningRate: try #require(step["learning_rate"]?.doubleValue))
            let expected = ModelParameters.zeros(like: parameters)
            try load(step["parameters"]?.objectValue, into: expected)
            for (actual, wanted) in zip(parameters.all, expected.all) {
                let worst = maxDifference(actual.array, wanted.array)
                #expect(worst <= 1e-6, "step \(index) \(actual.name): max difference \(worst)")
            }
        }
    }

    @Test func weightDecayReachesMatricesAndTheEmbeddingOnlyWhenAsked() {
        let parameters = ModelParameters(config: TinyModels.qwen2(tied: false))
        var settings = AdamWSettings(weightDecay: 0.1)
        let decayed = AdamW(for: parameters, settings: settings).decays
        #expect(
            parameters.all.filter(decayed).map(\.name).allSatisfy {
                $0.hasSuffix("proj.weight") || $0 == "lm_head.weight"
            })
        #expect(parameters.all.filter(decayed).count == 2 * 7 + 1)
        settings.decayEmbedding = true
        #expect(AdamW(for: parameters, settings: settings).decays(parameters.embedding))
    }

    @Test func warmUpThenCosineDecay() {
        let schedule = LearningRateSchedule(peak: 1e-3, warmupSteps: 4, totalSteps: 14, floorFraction: 0.1)
        #expect(abs(schedule.rate(atStep: 0) - 0.25e-3) < 1e-12)
        #expect(abs(schedule.rate(atStep: 3) - 1e-3) < 1e-12)
        #expect(abs(schedule.rate(atStep: 4) - 1e-3) < 1e-12)
        // Halfway through the decay: floor + (peak − floor) / 2.
        #expect(abs(schedule.rate(atStep: 9) - 0.55e-3) < 1e-12)
        #expect(abs(schedule.rate(atStep: 14) - 0.1e-3) < 1e-12)
        for step in 4..<14 { #expect(schedule.rate(atStep: step + 1) < schedule.rate(atStep: step)) }
    }

    @Test func accumulatedMicroBatchesGiveTheGradientOfOneBatch() {
        let config = TinyModels.qwen2(tied: true)
        let parameters = TinyModels.randomParameters(config, seed: 4)
        let trainer = Trainer(
            parameters: parameters, optimizer: AdamWSettings(),
            schedule: LearningRateSchedule(peak: 1e-3, warmupSteps: 1, totalSteps: 1))
        let whole = TinyModels.packedBatch(vocabulary: config.vocabSize, seed: 9)
        var first = TokenBatch()
        var second = TokenBatch()
        for (index, document) in whole.documents.enumerated() {
            let inputs = Array(whole.inputs[document])
            let targets = Array(whole.targets[document])
            let trainable = Array(whole.trainable[document])
            if index == 0 {
                first.append(inputs: inputs, targets: targets, trainable: trainable)
            } else {
                second.append(inputs: inputs, targets: targets, trainable: trainable)
            }
        }
        let wholeLoss = trainer.accumulateGradients([whole])
        let expected = trainer.gradients.all.map(\.array)
        let splitLoss = trainer.accumulateGradients([first, second])
        #expect(abs(wholeLoss - splitLoss) <= 1e-6 * wholeLoss)
        for (tensor, wanted) in zip(trainer.gradients.all, expected) {
            #expect(maxDifference(tensor.array, wanted) <= 1e-6, "\(tensor.name)")
        }
    }

    @Test func aTinyModelOverfitsOneBatch() {
        let config = ModelConfig(
            architecture: .qwen2, hiddenSize: 32, layerCount: 2, headCount: 4, kvHeadCount: 2, intermediateSize: 64,
            vocabSize: 64, tieWordEmbeddings: true)
        let trainer = Trainer(
            parameters: .initialized(config: config, seed: 1), optimizer: AdamWSettings(weightDecay: 0.01),
            schedule: LearningRateSchedule(peak: 1e-2, warmupSteps: 10, totalSteps: 150))
        let batch = TinyModels.packedBatch(vocabulary: config.vocabSize, seed: 2)
        let initial = trainer.evaluate([batch])
        for _ in 0..<150 { trainer.step([batch]) }
        let final = trainer.evaluate([batch])
        #expect(initial > 4)
        #expect(final < 0.02, "loss \(initial) -> \(final)")
    }

    @Test func oneSeedGivesIdenticalWeights() {
        func train(seed: UInt64) -> [[Float]] {
            let config = TinyModels.qwen2(tied: false)
            let trainer = Trainer(
                parameters: .initialized(config: config, seed: seed), optimizer: AdamWSettings(weightDecay: 0.1),
                schedule: LearningRateSchedule(peak: 3e-3, warmupSteps: 2, totalSteps: 6))
            for step in 0..<6 {
                trainer.step([TinyModels.packedBatch(vocabulary: config.vocabSize, seed: UInt64(step))])
            }
            return trainer.parameters.all.map(\.array)
        }
        #expect(train(seed: 8) == train(seed: 8))
        #expect(train(seed: 8) != train(seed: 9))
    }
}
