// `spark-bench engine`: prefill and decode throughput of the engine on a Qwen2.5-0.5B-shaped
// checkpoint with random weights, in F32 and BF16, each figure next to the machine limit it is bound
// by, measured in the same run: GFLOP/s against the cblas_sgemm peak (prefill, batched decode), weight
// bytes per second against the memory bandwidth (decode at small batch).

import Engine
import JSON
import Kernels
import Model

struct EngineBenchmark {
    var config: ModelConfig
    var modelDirectory: String
    var types: [WeightType]
    var promptTokens: Int
    var decodeContext: Int
    var decodeSteps: Int
    var batchSizes: [Int]
    var repetitions: Int
    /// Measures the memory bandwidth now (GB/s); run next to every decode measurement, because this
    /// machine's bandwidth drifts with its neighbours' load.
    var bandwidthProbe: () -> Double

    struct Figures {
        var type: WeightType
        var weightBytesPerStep: Double
        var prefillTokensPerSecond = 0.0
        var prefillGFLOPS = 0.0
        var decode: [(batch: Int, tokensPerSecond: Double, gflops: Double, weightGBPerSecond: Double)] = []
        /// The best bandwidth the probe saw during this run.
        var bandwidth = 0.0
    }

    /// FLOPs of the linear layers and attention for `tokens` new tokens whose contexts are
    /// `contexts` long, plus the output head for `logitsRows` rows.
    func flops(contexts: [Int], logitsRows: Int) -> Double {
        let linear = 2 * Double(config.blockLinearParameterCount) * Double(contexts.count)
        // q·k and p·v for every head over every position of the context.
        let attention = contexts.reduce(0.0) {
            $0 + 4 * Double(config.layerCount * config.headCount * config.headDim) * Double($1)
        }
        return linear + attention + 2 * Double(config.vocabSize * config.hiddenSize * logitsRows)
    }

    func run(type: WeightType) throws -> Figures {
        let directory = try RandomCheckpoint.prepare(
            config, type: type, directory: modelDirectory + "/qwen2-\(config.hiddenSize)-\(type.rawValue.lowercased())")
        let weights = try ModelWeights(checkpoint: Checkpoint(directory: directory))
        let transformer = Transformer(weights: weights)
        let blockSize = 16
        let maximumBatch = batchSizes.max() ?? 1
        let blocksPerSequence = (max(promptTokens, decodeContext + decodeSteps + 1) + blockSize - 1) / blockSize
        let cache = KVCache(config: config, blockSize: blockSize, blockCount: blocksPerSequence * maximumBatch)
        func table(_ sequence: Int) -> [Int32] {
            (0..<blocksPerSequence).map { Int32(sequence * blocksPerSequence + $0) }
        }
        let headBytes = Double(weights.outputHead.byteCount)
        var figures = Figures(
            type: type, weightBytesPerStep: Double(config.blockLinearParameterCount * type.byteCount) + headBytes)

        let prompt = (0..<promptTokens).map { Int32(($0 * 7919) % config.vocabSize) }
        let prefill = ForwardBatch(chunks: [
            SequenceChunk(tokens: prompt, startPosition: 0, blockTable: table(0), logits: .last)
        ])
        _ = transformer.forward(prefill, cache: cache)
        var best = Double.infinity
        for _ in 0..<repetitions { best = min(best, Stopwatch.time { _ = transformer.forward(prefill, cache: cache) }) }
        figures.prefillTokensPerSecond = Double(promptTokens) / best
        figures.prefillGFLOPS = flops(contexts: Array(1...promptTokens), logitsRows: 1) / best / 1e9

        for batch in batchSizes {
            let context = (0..<decodeContext).map { Int32(($0 * 31 + 5) % config.vocabSize) }
            _ = transformer.forward(
                ForwardBatch(
                    chunks: (0..<batch).map {
                        SequenceChunk(tokens: context, startPosition: 0, blockTable: table($0), logits: .none)
                    }), cache: cache)
            var bestStep = Double.infinity
            for _ in 0..<repetitions {
                figures.bandwidth = max(figures.bandwidth, bandwidthProbe())
                let seconds = Stopwatch.time {
                    for step in 0..<decodeSteps {
                        let chunks = (0..<batch).map {
                            SequenceChunk(
                                tokens: [Int32(step + 1)], startPosition: decodeContext + step, blockTable: table($0),
                                logits: .last)
                        }
                        _ = transformer.forward(ForwardBatch(chunks: chunks), cache: cache)
                    }
                }
                bestStep = min(bestStep, seconds / Double(decodeSteps))
            }
            let contexts = [Int](repeating: decodeContext + decodeSteps / 2, count: batch)
            figures.decode.append(
                (
                    batch, Double(batch) / bestStep, flops(contexts: contexts, logitsRows: batch) / bestStep / 1e9,
                    figures.weightBytesPerStep / bestStep / 1e9
                ))
        }
        return figures
    }
}
