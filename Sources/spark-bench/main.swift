// spark-bench: the project's performance figures, each printed next to the machine limit it is held
// against, measured in the same run.

import CommandLineKit
import JSON
import Kernels
import Model

#if canImport(Glibc)
    import Glibc
#endif

let engineCommand = Command(
    name: "spark-bench engine",
    summary: "Prefill and decode throughput on a Qwen2.5-0.5B-shaped checkpoint with random weights.",
    options: [
        .flag("--quick", help: "a small model and few steps, to check that the benchmark runs (for CI)"),
        .flag("--json", help: "print one JSON object instead of the table"),
        .value("--dtype", "f32|bf16|both", help: "weight types to measure", default: "both"),
        .value(
            "--model-dir", "DIR", help: "where the random checkpoints are written and reused",
            default: "/tmp/spark-bench-models"),
        .value("--prompt-tokens", "N", help: "prompt length for the prefill figure", default: "512"),
        .value("--batches", "LIST", help: "decode batch sizes", default: "1,8,16,32"),
        .value("--decode-steps", "N", help: "decode steps timed per batch size", default: "16"),
        .value("--repetitions", "N", help: "best of this many timings", default: "3"),
    ])

func runEngineBenchmark(_ arguments: [String]) throws {
    let options = engineCommand.parseOrExit(arguments)
    let quick = options.flag("--quick")
    let types: [WeightType] =
        switch options.string("--dtype") {
        case "f32": [.float32]
        case "bf16": [.bfloat16]
        case "both": [.float32, .bfloat16]
        default: engineCommand.fail("--dtype must be f32, bf16 or both")
        }
    var config = RandomCheckpoint.qwen25HalfBillionShape()
    if quick {
        config = ModelConfig(
            architecture: .qwen2, hiddenSize: 128, layerCount: 2, headCount: 4, kvHeadCount: 2, intermediateSize: 352,
            vocabSize: 4096, tieWordEmbeddings: true)
    }
    let otherLoad = MachineProbe.otherProcessesLoad(seconds: quick ? 0.2 : 1)
    let probeMegabytes = quick ? 64 : 256
    let benchmark = EngineBenchmark(
        config: config, modelDirectory: options.string("--model-dir")!, types: types,
        promptTokens: quick ? 64 : try options.int("--prompt-tokens")!, decodeContext: quick ? 16 : 128,
        decodeSteps: quick ? 2 : try options.int("--decode-steps")!,
        batchSizes: quick ? [1, 4] : try options.intList("--batches")!,
        repetitions: quick ? 1 : try options.int("--repetitions")!,
        bandwidthProbe: { MachineProbe.memoryBandwidth(megabytes: probeMegabytes, repetitions: 2) })
    var results: [EngineBenchmark.Figures] = []
    for type in types { results.append(try benchmark.run(type: type)) }
    let bandwidth = results.map(\.bandwidth).max() ?? 0
    // Last: OpenBLAS's threads spin for a while after each call and would slow the engine down.
    let peak = MachineProbe.sgemmPeak(repetitions: quick ? 1 : 5)
    let rss = MachineProbe.peakResidentMegabytes

    if options.flag("--json") {
        var object: JSONObject = [
            "machine": .object([
                "threads": .int(WorkerPool.shared.threadCount), "isa": .string(MachineProbe.instructionSet),
                "openblas_core": .string(MachineProbe.openBLASCore), "other_processes_load": .double(otherLoad),
                "sgemm_peak_gflops": .double(peak), "memory_bandwidth_gbps": .double(bandwidth),
            ]),
            "model": .object([
                "hidden_size": .int(config.hiddenSize), "layers": .int(config.layerCount),
                "vocab_size": .int(config.vocabSize),
            ]),
        ]
        for figures in results {
            object[figures.type.rawValue.lowercased()] = .object([
                "prefill_tokens": .int(benchmark.promptTokens),
                "prefill_tokens_per_second": .double(figures.prefillTokensPerSecond),
                "prefill_gflops": .double(figures.prefillGFLOPS),
                "prefill_fraction_of_sgemm_peak": .double(figures.prefillGFLOPS / peak),
                "weight_bytes_per_decode_step": .double(figures.weightBytesPerStep),
                "decode": .array(
                    figures.decode.map { row in
                        .object([
                            "batch": .int(row.batch), "tokens_per_second": .double(row.tokensPerSecond),
                            "gflops": .double(row.gflops), "fraction_of_sgemm_peak": .double(row.gflops / peak),
                            "weight_gbps": .double(row.weightGBPerSecond),
                            "fraction_of_bandwidth": .double(row.weightGBPerSecond / bandwidth),
                        ])
                    }),
            ])
        }
        object["peak_rss_mb"] = .double(rss)
        print(JSONValue.object(object).serialized)
        return
    }
    print(
        "spark-bench engine: \(config.layerCount) layers, hidden \(config.hiddenSize), vocab \(config.vocabSize), random weights"
    )
    print(
        "machine: \(WorkerPool.shared.threadCount) threads, kernels \(MachineProbe.instructionSet), OpenBLAS \(MachineProbe.openBLASCore), other processes \(percent(otherLoad)) of the CPUs"
    )
    if otherLoad > 0.1 {
        print("warning: other processes use \(percent(otherLoad)) of the CPUs; figures may be far off")
    }
    print(
        "limits: cblas_sgemm peak \(format(peak, 1)) GFLOP/s, memory read \(format(bandwidth, 1)) GB/s (best probe beside the decode timings)"
    )
    for figures in results {
        print(
            "\n\(figures.type.rawValue) weights (\(format(figures.weightBytesPerStep / 1e9, 2)) GB read per decode step)"
        )
        print(
            "  prefill \(benchmark.promptTokens) tokens   \(format(figures.prefillTokensPerSecond, 1)) tok/s   \(format(figures.prefillGFLOPS, 1)) GFLOP/s = \(percent(figures.prefillGFLOPS / peak)) of sgemm peak"
        )
        for row in figures.decode {
            print(
                "  decode batch \(pad(row.batch, 2))          \(format(row.tokensPerSecond, 1)) tok/s   \(format(row.gflops, 1)) GFLOP/s = \(percent(row.gflops / peak)) of peak   weights \(format(row.weightGBPerSecond, 1)) GB/s = \(percent(row.weightGBPerSecond / bandwidth)) of bandwidth"
            )
        }
    }
    print("\npeak RSS \(format(rss, 0)) MB")
}

func format(_ value: Double, _ decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var text = decimals == 0 ? String(Int(rounded)) : String(rounded)
    if decimals > 0, let dot = text.firstIndex(of: ".") {
        let have = text.distance(from: dot, to: text.endIndex) - 1
        if have < decimals { text += String(repeating: "0", count: decimals - have) }
    }
    return text
}

func percent(_ fraction: Double) -> String { format(fraction * 100, 0) + " %" }

func pad(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return String(repeating: " ", count: max(0, width - text.count)) + text
}

let subcommands = ["engine": runEngineBenchmark, "sampler": runSamplerBenchmark]
let arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first, let subcommand = subcommands[name] else {
    printToStandardError(
        "usage: spark-bench engine|sampler [options]   (--help after the subcommand lists its options)")
    exit(2)
}
do {
    try subcommand(Array(arguments.dropFirst()))
} catch {
    printToStandardError("spark-bench: \(error)")
    exit(1)
}
