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
        .value("--decode-context", "N", help: "tokens already in each sequence's cache when decoding", default: "128"),
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
        promptTokens: quick ? 64 : try options.int("--prompt-tokens")!,
        decodeContext: quick ? 16 : try options.int("--decode-context")!,
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

let serveCommand = Command(
    name: "spark-bench serve",
    summary: "spark-server under a GRPO-shaped load over loopback, against serial serving and no prefix cache.",
    options: [
        .flag("--quick", help: "two groups, few tokens: checks that the benchmark runs (for CI)"),
        .flag("--json", help: "print one JSON object instead of the table"),
        .value(
            "--model", "DIR",
            help: "checkpoint to serve (default: a random model of --shape with the fixture tokenizer)"),
        .value(
            "--shape", "small|qwen2.5-0.5b",
            help:
                "the random model: 8 layers of hidden 512, or Qwen2.5-0.5B's 24 layers of hidden 896 (with the fixture tokenizer's 640-token vocabulary)",
            default: "small"),
        .value("--dtype", "bf16|f32", help: "the random model's weight type", default: "bf16"),
        .value(
            "--tokenizer-from", "DIR", help: "where the default model's tokenizer files come from",
            default: "Tests/Fixtures/models/qwen2-gqa-tied"),
        .value(
            "--model-dir", "DIR", help: "where the default model is written and reused",
            default: "/tmp/spark-bench-models"),
        .value("--groups", "N", help: "GRPO groups (problems)", default: "16"),
        .value("--group-size", "N", help: "responses per group", default: "16"),
        .value("--max-tokens", "N", help: "tokens each verification writes", default: "32"),
        .value("--clients", "LIST", help: "concurrent clients for the default server", default: "32,64,128,256"),
    ])

func runServeBenchmark(_ arguments: [String]) throws {
    let options = serveCommand.parseOrExit(arguments)
    let quick = options.flag("--quick")
    let model: String
    /// Bytes a weight of the served model takes, when the bench made it.
    var weightBytes: Int?
    if let given = options.string("--model") {
        model = given
    } else {
        var config = ModelConfig(
            architecture: .qwen2, hiddenSize: 512, layerCount: 8, headCount: 8, kvHeadCount: 2, intermediateSize: 1408,
            vocabSize: 640, ropeTheta: 1_000_000, tieWordEmbeddings: true, maxPositionEmbeddings: 32_768)
        switch options.string("--shape") {
        case "small": break
        case "qwen2.5-0.5b":
            config = RandomCheckpoint.qwen25HalfBillionShape(vocabSize: 640)
        default: serveCommand.fail("--shape must be small or qwen2.5-0.5b")
        }
        let type: WeightType =
            switch options.string("--dtype") {
            case "bf16": .bfloat16
            case "f32": .float32
            default: serveCommand.fail("--dtype must be bf16 or f32")
            }
        weightBytes = type.byteCount
        model = try RandomCheckpoint.prepare(
            config, type: type,
            directory: options.string("--model-dir")!
                + "/serve-\(options.string("--shape")!)-\(options.string("--dtype")!)")
        for file in ["tokenizer.json", "tokenizer_config.json", "generation_config.json"] {
            let bytes = try FileSystem.read(options.string("--tokenizer-from")! + "/" + file)
            let copy = try AtomicFile(path: model + "/" + file)
            try copy.write(bytes)
            try copy.commit()
        }
    }
    let benchmark = ServeBenchmark(
        serverBinary: siblingExecutable("spark-server"), modelDirectory: model,
        groups: quick ? 2 : try options.int("--groups")!, groupSize: quick ? 4 : try options.int("--group-size")!,
        maxTokens: quick ? 4 : try options.int("--max-tokens")!)
    let clients = quick ? [4] : try options.intList("--clients")!
    let base = clients.first ?? 32
    var runs: [ServeBenchmark.Figures] = []
    for count in clients { runs.append(try benchmark.run(label: "default", clients: count, arguments: ["--quiet"])) }
    let serial = try benchmark.run(label: "max-running 1", clients: base, arguments: ["--quiet", "--max-running", "1"])
    let noCache = try benchmark.run(
        label: "no prefix cache", clients: base, arguments: ["--quiet", "--no-prefix-cache"])
    // One RL step's rewards, all sent at once as a trainer sends them: a request per response, or a
    // request per group. Without the retry store: a group's responses repeat (three distinct ones in
    // sixteen), and identical single requests would be answered once, which is not what this compares.
    let noRetryStore = ["--quiet", "--retry-window", "0"]
    let singles = try benchmark.run(
        label: "reward, singles", clients: benchmark.groups * benchmark.groupSize, arguments: noRetryStore,
        path: "/v1/reward", bodies: benchmark.rewardJobs(grouped: false))
    let grouped = try benchmark.run(
        label: "reward, groups", clients: benchmark.groups, arguments: noRetryStore, path: "/v1/reward",
        bodies: benchmark.rewardJobs(grouped: true))
    let groupGain = grouped.responsesPerSecond / singles.responsesPerSecond
    let health = try benchmark.health(seconds: quick ? 0.3 : 3)
    let reference = runs[0]
    let speedup = reference.requestsPerSecond / serial.requestsPerSecond
    let prefillSaved = 1 - reference.computedPromptTokens / max(noCache.computedPromptTokens, 1)
    // Serial decode reads every weight once a token; a full batch computes two FLOPs a weight a
    // token. So batching gains at most peak x weight bytes / (2 x bandwidth) on this machine.
    let sgemmPeak = MachineProbe.sgemmPeak(repetitions: quick ? 1 : 3)
    let bandwidth = MachineProbe.memoryBandwidth(megabytes: quick ? 64 : 256, repetitions: quick ? 1 : 5)
    let batchingBound = weightBytes.map { sgemmPeak * Double($0) / (2 * bandwidth) }
    // Measured rather than modelled: the serial run itself against the same work at the sgemm peak,
    // which holds also where the weights partly stay in cache and serial decode beats the bandwidth.
    let config = try ModelConfig.load(contentsOfFile: model + "/config.json")
    let matrixWork = reference.matrixFlops(config)
    let matrixGFLOPS = matrixWork / reference.seconds / 1e9
    let serialGFLOPS = serial.matrixFlops(config) / serial.seconds / 1e9
    let computeBound = Double(reference.requests) / (matrixWork / (sgemmPeak * 1e9)) / serial.requestsPerSecond

    if options.flag("--json") {
        func object(_ figures: ServeBenchmark.Figures) -> JSONValue {
            .object([
                "label": .string(figures.label), "clients": .int(figures.clients), "requests": .int(figures.requests),
                "failures": .int(figures.failures), "seconds": .double(figures.seconds),
                "requests_per_second": .double(figures.requestsPerSecond),
                "generated_tokens_per_second": .double(figures.tokensPerSecond),
                "latency_p50_seconds": .double(figures.percentile(0.5)),
                "latency_p99_seconds": .double(figures.percentile(0.99)),
                "prefix_cache_hit_rate": .double(figures.cacheHitRate),
                "prompt_tokens_computed": .double(figures.computedPromptTokens),
                "responses_per_second": .double(figures.responsesPerSecond),
            ])
        }
        let result: JSONObject = [
            "model": .string(model), "groups": .int(benchmark.groups), "group_size": .int(benchmark.groupSize),
            "runs": .array((runs + [serial, noCache, singles, grouped]).map(object)),
            "speedup_over_serial": .double(speedup), "prefill_tokens_saved_by_prefix_cache": .double(prefillSaved),
            "group_request_over_single_requests": .double(groupGain),
            "sgemm_peak_gflops": .double(sgemmPeak), "memory_bandwidth_gb_per_second": .double(bandwidth),
            "decode_batching_bound": batchingBound.map(JSONValue.double) ?? .null,
            "matrix_gflops": .double(matrixGFLOPS), "serial_matrix_gflops": .double(serialGFLOPS),
            "compute_bound_over_serial": .double(computeBound),
            "health": .object([
                "saturated_requests_per_second": .double(health.saturatedRequestsPerSecond),
                "saturated_median_ms": .double(health.saturatedMedianMilliseconds),
                "paced_requests_per_second": .double(health.pacedRequestsPerSecond),
                "paced_median_ms": .double(health.pacedMedianMilliseconds),
                "paced_p99_ms": .double(health.pacedP99Milliseconds),
            ]),
        ]
        print(JSONValue.object(result).serialized)
        return
    }
    print(
        "spark-bench serve: \(benchmark.groups) groups x \(benchmark.groupSize) PRM verifications of \(benchmark.maxTokens) tokens, model \(model)"
    )
    print(
        "  server            clients   req/s   gen tok/s   p50 s    p99 s   cache hits   prompt tokens computed  failures"
    )
    for figures in runs + [serial, noCache, singles, grouped] {
        print(
            "  \(figures.label.padding(17))\(pad(figures.clients, 7))   \(format(figures.requestsPerSecond, 1))   \(format(figures.tokensPerSecond, 1))   \(format(figures.percentile(0.5), 3))   \(format(figures.percentile(0.99), 3))   \(percent(figures.cacheHitRate))   \(Int(figures.computedPromptTokens))   \(figures.failures)"
        )
    }
    print("  throughput at \(base) clients: \(format(speedup, 1))x serial serving (target >= 8x)")
    if let batchingBound, let weightBytes {
        print(
            "  bound: sgemm peak \(format(sgemmPeak, 0)) GFLOP/s x \(weightBytes) bytes a weight / (2 x \(format(bandwidth, 1)) GB/s memory read) = \(format(batchingBound, 1))x for decode alone"
        )
    }
    print(
        "  matrix work: \(format(matrixWork / 1e9, 0)) GFLOP, at \(format(matrixGFLOPS, 1)) GFLOP/s (\(percent(matrixGFLOPS / sgemmPeak)) of the sgemm peak) at \(base) clients, \(format(serialGFLOPS, 1)) serially"
    )
    print("  bound: that work at the sgemm peak against the serial run = \(format(computeBound, 1))x")
    print("  prefix cache: \(percent(prefillSaved)) of prompt tokens not recomputed (target >= 50 %)")
    print(
        "  /v1/reward, \(benchmark.groupSize) responses per group: one request per group scores \(format(grouped.responsesPerSecond, 1)) responses/s, \(benchmark.groupSize) single requests \(format(singles.responsesPerSecond, 1)): \(format(groupGain, 2))x"
    )
    print(
        "  GET /health, 64 connections: flat out \(format(health.saturatedRequestsPerSecond, 0)) req/s, median \(format(health.saturatedMedianMilliseconds, 3)) ms; paced at \(format(health.pacedRequestsPerSecond, 0)) req/s, median \(format(health.pacedMedianMilliseconds, 3)) ms, p99 \(format(health.pacedP99Milliseconds, 3)) ms (target < 0.2 ms)"
    )
}

let attentionCommand = Command(
    name: "spark-bench attention",
    summary:
        "The decode attention kernel alone: ns per call and GFLOP/s over a paged KV cache, with and without a shared prefix.",
    options: [
        .flag("--quick", help: "small contexts and one step, to check that the benchmark runs (for CI)"),
        .value("--contexts", "LIST", help: "context lengths", default: "128,512,2048"),
        .value("--groups", "LIST", help: "query heads per KV head", default: "4,7"),
        .value("--head-dim", "N", help: "floats per head", default: "64"),
        .value("--sequences", "N", help: "sequences decoding together", default: "32"),
        .value("--kv-heads", "N", help: "KV heads per layer", default: "2"),
        .value("--layers", "N", help: "layers, each with its own cache", default: "24"),
        .value("--block-size", "N", help: "positions per KV block", default: "16"),
        .value("--shared-percent", "N", help: "share of each context common to all sequences", default: "75"),
        .value("--steps", "N", help: "decode steps timed", default: "4"),
        .value("--repetitions", "N", help: "best of this many timings", default: "5"),
    ])

func runAttentionBenchmark(_ arguments: [String]) throws {
    let options = attentionCommand.parseOrExit(arguments)
    let quick = options.flag("--quick")
    let benchmark = AttentionBenchmark(
        sequences: quick ? 4 : try options.int("--sequences")!, kvHeads: try options.int("--kv-heads")!,
        headDim: try options.int("--head-dim")!, layers: quick ? 2 : try options.int("--layers")!,
        blockSize: try options.int("--block-size")!, steps: quick ? 1 : try options.int("--steps")!,
        repetitions: quick ? 1 : try options.int("--repetitions")!,
        sharedFraction: Double(try options.int("--shared-percent")!) / 100)
    let contexts = quick ? [16, 40] : try options.intList("--contexts")!
    let groups = try options.intList("--groups")!
    print(
        "spark-bench attention: \(benchmark.sequences) sequences x \(benchmark.kvHeads) KV heads, head_dim \(benchmark.headDim), \(benchmark.layers) layers, blocks of \(benchmark.blockSize)"
    )
    print(
        "machine: \(WorkerPool.shared.threadCount) threads, kernels \(MachineProbe.instructionSet), memory read \(format(MachineProbe.memoryBandwidth(megabytes: quick ? 64 : 256, repetitions: 2), 1)) GB/s"
    )
    print("  context  group  prefix                 ns/call   ns/head   GFLOP/s   KV GB/s")
    for context in contexts {
        for group in groups {
            for shared in [false, true] {
                let figures = benchmark.run(context: context, groupSize: group, shared: shared)
                let prefix = shared ? "\(options.string("--shared-percent")!) % shared" : "none"
                print(
                    "  \(pad(context, 7))  \(pad(group, 5))  \(prefix.padding(20))\(pad(Int(figures.nanosecondsPerCall.rounded()), 9))\(pad(Int((figures.nanosecondsPerCall / Double(group)).rounded()), 10))   \(format(figures.gflops, 1).leftPadded(7))   \(format(figures.cacheGBPerSecond, 1).leftPadded(7))"
                )
            }
        }
    }
}

/// An executable built beside this one (SwiftPM puts all products in one folder).
func siblingExecutable(_ name: String) -> String {
    var path = CommandLine.arguments[0]
    if !path.contains("/") { return name }
    path = String(path[..<path.lastIndex(of: "/")!])
    return path + "/" + name
}

extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}

let subcommands = [
    "engine": runEngineBenchmark, "serve": runServeBenchmark, "sampler": runSamplerBenchmark,
    "attention": runAttentionBenchmark, "train": runTrainBenchmark,
]
let arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first, let subcommand = subcommands[name] else {
    printToStandardError(
        "usage: spark-bench engine|serve|sampler|attention|train [options]   (--help after the subcommand lists its options)"
    )
    exit(2)
}
do {
    try subcommand(Array(arguments.dropFirst()))
} catch {
    printToStandardError("spark-bench: \(error)")
    exit(1)
}
