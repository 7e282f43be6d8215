import Engine
import Foundation
import Model
import TestSupport
import Testing
import Training

/// The training forward pass against the engine's: same checkpoint, same tokens, logits within
/// 1e-4 relative, alone and with documents packed into one batch. This is what makes the engine's
/// Transformer the one definition of the model's maths.
@Suite struct TrainingForwardTests {
    @Test(arguments: ["qwen2-gqa-tied", "qwen2-mqa-untied", "llama-gqa", "llama-headdim"])
    func packedDocumentsGiveTheEngineLogits(model: String) throws {
        let checkpoint = try Checkpoint(directory: Fixtures.model(model))
        let weights = try ModelWeights(checkpoint: checkpoint, precision: .float32)
        let trainable = TrainableTransformer(parameters: ModelParameters(weights: weights))
        let engine = Transformer(weights: weights)
        let vocabulary = checkpoint.config.vocabSize
        var random = SeededRandom(seed: 5)
        let documents = [23, 1, 40, 1500].map { length in
            (0..<length).map { _ in Int32(random.next() % 600) }
        }
        var batch = TokenBatch()
        for document in documents {
            batch.append(
                inputs: document, targets: document, trainable: Array(repeating: true, count: document.count))
        }
        let packed = trainable.logits(batch)
        var row = 0
        for document in documents {
            let expected = engineLogits(engine, document)
            let actual = Array(packed[(row * vocabulary)..<((row + document.count) * vocabulary)])
            let error = worstRelativeError(actual, expected)
            #expect(error <= 1e-4, "\(model), document of \(document.count): relative error \(error)")
            row += document.count
        }
    }

    @Test func aWrittenCheckpointLoadsIntoTheEngineWithTheSameLogits() throws {
        for tied in [true, false] {
            let config = TinyModels.qwen2(tied: tied)
            let parameters = TinyModels.randomParameters(config, seed: 21)
            let directory = NSTemporaryDirectory() + "spark-training-checkpoint-\(getpid())-\(tied)"
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try CheckpointWriter(config: config).write(parameters, to: directory)
            let checkpoint = try Checkpoint(directory: directory)
            #expect(checkpoint.config == config)
            #expect(checkpoint.tensorNames.contains("lm_head.weight") == !tied)
            let engine = Transformer(weights: try ModelWeights(checkpoint: checkpoint))
            let tokens: [Int32] = [3, 14, 15, 9, 26, 53, 5, 8]
            var batch = TokenBatch()
            batch.append(inputs: tokens, targets: tokens, trainable: Array(repeating: true, count: tokens.count))
            let error = worstRelativeError(
                TrainableTransformer(parameters: parameters).logits(batch), engineLogits(engine, tokens))
            #expect(error <= 1e-4, "tied \(tied): relative error \(error)")
        }
    }

    private func engineLogits(_ engine: Transformer, _ tokens: [Int32]) -> [Float] {
        let cache = KVCache(config: engine.config, blockSize: 16, blockCount: tokens.count / 16 + 1)
        let logits = engine.forward(
            ForwardBatch(chunks: [
                SequenceChunk(
                    tokens: tokens, startPosition: 0, blockTable: (0..<Int32(cache.blockCount)).map { $0 },
                    logits: .all)
            ]), cache: cache)
        return (0..<tokens.count).flatMap { Array(logits.row($0)) }
    }

    /// max |a − b| / max(1, |b|) over all logits.
    private func worstRelativeError(_ actual: [Float], _ expected: [Float]) -> Float {
        precondition(actual.count == expected.count, "logit counts differ")
        return zip(actual, expected).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
    }
}
