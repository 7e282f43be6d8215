// `spark-bench train`: training throughput of a ~5M-parameter Qwen2-shaped model (hidden 256, 4
// layers, 4 heads over 2 KV heads, intermediate 688, vocab 8192, tied) on packed sequences of 256
// tokens: tokens per second and achieved GFLOP/s of whole optimiser steps (forward, backward, AdamW),
// next to the cblas_sgemm peak measured in the same run, and the peak RSS.
//
// FLOPs counted are the model's useful ones: 6 per token and matrix parameter (forward 2, backward
// 4) over the decoder's linear layers and the output head, plus attention's q·k and p·v over the
// causal context (i + 1 positions for the token at i), also three times forward. The softmax, norms
// and the optimiser are not counted, nor the masked upper half of the score matrices that the sgemm
// calls also compute.

import CommandLineKit
import Engine
import JSON
import Kernels
import Model
import Training

let trainCommand = Command(
    name: "spark-bench train",
    summary: "Training tokens/s and GFLOP/s of a ~5M-parameter model at sequence length 256, against the sgemm peak.",
    options: [
        .flag("--quick", help: "a tiny model and one step, to check that the benchmark runs (for CI)"),
        .flag("--json", help: "print one JSON object instead of the table"),
        .value("--sequence-length", "N", help: "tokens per sequence", default: "256"),
        .value("--sequences", "N", help: "sequences per optimiser step", default: "16"),
        .value("--steps", "N", help: "timed steps (after one untimed warm-up step)", default: "5"),
        .value("--config", "FILE", help: "a config.json to train instead of the default shape (the recipe's, say)"),
    ])

func runTrainBenchmark(_ arguments: [String]) throws {
    let options = trainCommand.parseOrExit(arguments)
    let quick = options.flag("--quick")
    let defaultConfig =
        quick
        ? ModelConfig(
            architecture: .qwen2, hiddenSize: 64, layerCount: 2, headCount: 4, kvHeadCount: 2, intermediateSize: 176,
            vocabSize: 512, tieWordEmbeddings: true)
        : ModelConfig(
            architecture: .qwen2, hiddenSize: 256, layerCount: 4, headCount: 4, kvHeadCount: 2, intermediateSize: 688,
            vocabSize: 8192, tieWordEmbeddings: true)
    let config = try options.string("--config").map { try ModelConfig.load(contentsOfFile: $0) } ?? defaultConfig
    let sequenceLength = quick ? 32 : try options.int("--sequence-length")!
    let sequenceCount = quick ? 2 : try options.int("--sequences")!
    let steps = quick ? 1 : try options.int("--steps")!
    let otherLoad = MachineProbe.otherProcessesLoad(seconds: quick ? 0.2 : 1)

    let parameters = ModelParameters.initialized(config: config, seed: 1)
    let trainer = Trainer(
        parameters: parameters, optimizer: AdamWSettings(weightDecay: 0.1),
        schedule: LearningRateSchedule(peak: 3e-4, warmupSteps: 1, totalSteps: steps + 1))
    var random = SeededRandom(seed: 2)
    var batch = TokenBatch()
    for _ in 0..<sequenceCount {
        batch.append(sequence: (0...sequenceLength).map { _ in Int32(random.next() % UInt64(config.vocabSize)) })
    }
    trainer.step([batch])
    var best = Double.infinity
    for _ in 0..<steps {
        best = min(best, Stopwatch.time { trainer.step([batch]) })
    }
    // Last: OpenBLAS's threads spin for a while after each call and would slow the training down.
    let peak = MachineProbe.sgemmPeak(repetitions: quick ? 1 : 5)
    let rss = MachineProbe.peakResidentMegabytes

    let tokens = Double(batch.tokenCount)
    let linearParameters = Double(config.blockLinearParameterCount + config.vocabSize * config.hiddenSize)
    let causalPositions = Double(sequenceCount * sequenceLength * (sequenceLength + 1) / 2)
    let attentionFlops = 4 * Double(config.layerCount * config.queryWidth) * causalPositions
    let flopsPerStep = 3 * (2 * linearParameters * tokens + attentionFlops)
    let tokensPerSecond = tokens / best
    let gflops = flopsPerStep / best / 1e9

    if options.flag("--json") {
        let object: JSONObject = [
            "machine": .object([
                "threads": .int(WorkerPool.shared.threadCount), "openblas_core": .string(MachineProbe.openBLASCore),
                "other_processes_load": .double(otherLoad), "sgemm_peak_gflops": .double(peak),
            ]),
            "model": .object([
                "parameters": .int(parameters.parameterCount), "hidden_size": .int(config.hiddenSize),
                "layers": .int(config.layerCount), "vocab_size": .int(config.vocabSize),
            ]),
            "sequence_length": .int(sequenceLength), "tokens_per_step": .int(batch.tokenCount),
            "seconds_per_step": .double(best), "tokens_per_second": .double(tokensPerSecond),
            "gflops": .double(gflops), "fraction_of_sgemm_peak": .double(gflops / peak), "peak_rss_mb": .double(rss),
        ]
        print(JSONValue.object(object).serialized)
        return
    }
    print(
        "spark-bench train: \(parameters.parameterCount) parameters (\(config.layerCount) layers, hidden \(config.hiddenSize), vocab \(config.vocabSize)), \(sequenceCount) sequences of \(sequenceLength) tokens per step"
    )
    print(
        "machine: OpenBLAS \(MachineProbe.openBLASCore), other processes \(percent(otherLoad)) of the CPUs; cblas_sgemm peak \(format(peak, 1)) GFLOP/s"
    )
    if otherLoad > 0.1 {
        print("warning: other processes use \(percent(otherLoad)) of the CPUs; figures may be far off")
    }
    print(
        "  step (forward, backward, AdamW)  \(format(best, 3)) s   \(format(tokensPerSecond, 0)) tok/s   \(format(gflops, 1)) GFLOP/s = \(percent(gflops / peak)) of sgemm peak (target >= 40 %)"
    )
    print("  peak RSS \(format(rss, 0)) MB")
}
