// `spark-train synth`: SPARK's Stage I from the command line (the Synthesis library does the work).
// Problems come from the built-in math world or a JSONL file; generator and verifier are each a local
// checkpoint or an OpenAI-compatible endpoint.

import CommandLineKit
import Domain
import Model
import Synthesis
import WorldCommandLine

let synthCommand = Command(
    name: "spark-train synth",
    summary:
        "SPARK Stage I: sample solutions, verify each N times, and write ORM, PRM and PRM-CoT training data per aggregation method.",
    options: [
        .value("--problems", "FILE.jsonl", help: "one {\"problem\", \"answer\"?, \"id\"?} per line"),
        .value("--world-problems", "N", help: "or N problems of the built-in math world"),
    ] + WorldOptions.options + [
        .value("--seed", "S", help: "seeds the world's problems and every model call", default: "0"),
        .value("--generator", "DIR", help: "generator checkpoint, run in process"),
        .value("--generator-endpoint", "URL", help: "or an OpenAI-compatible server (http://host:port[/v1])"),
        .value("--generator-model", "NAME", help: "the model name to send to --generator-endpoint"),
        .value("--verifier", "DIR", help: "verifier checkpoint, run in process"),
        .value("--verifier-endpoint", "URL", help: "or an OpenAI-compatible server (http://host:port[/v1])"),
        .value("--verifier-model", "NAME", help: "the model name to send to --verifier-endpoint"),
        .value("--api-key", "KEY", help: "bearer token for the endpoints"),
        .value("--solutions", "M", help: "solutions per problem", default: "8"),
        .value("--verifications", "N", help: "verifications per solution (and reference-guided ones)", default: "16"),
        .value(
            "--methods", "LIST",
            help: "comma-separated: \(SynthesisMethod.allCases.map(\.rawValue).joined(separator: ","))",
            default: SynthesisMethod.allCases.map(\.rawValue).joined(separator: ",")),
        .value(
            "--out", "DIR", help: "output folder; a run restarted with the same options continues here", required: true),
        .value(
            "--benchmark", "FILE.jsonl",
            help: "world problems only: also write a balanced ProcessBench file of the solutions"),
        .value("--max-tokens", "N", help: "tokens per reply", default: "4096"),
        .value("--generator-temperature", "T", help: "generator sampling temperature", default: "0.7"),
        .value(
            "--verifier-temperature", "T", help: "verifier sampling temperature (critique and merge are greedy)",
            default: "0.8"),
        .value("--top-p", "P", help: "nucleus mass of every call", default: "0.95"),
        .value("--concurrency", "N", help: "endpoint calls in flight", default: "8"),
        .value("--timeout", "SECONDS", help: "bounds each read and write of an endpoint call", default: "600"),
        .value(
            "--retries", "N", help: "retries of a failed endpoint call (connection, timeout, 408, 429, 5xx)",
            default: "6"),
        .value("--backoff", "SECONDS", help: "pause before the first retry, doubled for each next one", default: "1"),
        .value("--batch-size", "N", help: "calls per engine batch of a local checkpoint", default: "32"),
        .flag(
            "--step-list-rows",
            help: "every other solution's ORM, PRM and PRM-CoT rows show it as /v1/verify lays out steps"),
    ])

func runSynth(_ arguments: [String]) throws {
    let options = synthCommand.parseOrExit(arguments)
    let seed = UInt64(bitPattern: Int64(try options.int("--seed")!))
    var configuration = StageOneConfiguration(outputDirectory: options.string("--out")!)
    configuration.seed = seed
    configuration.solutionsPerProblem = try options.int("--solutions")!
    configuration.verificationsPerSolution = try options.int("--verifications")!
    configuration.methods = options.string("--methods")!.split(separator: ",").map { name in
        guard let method = SynthesisMethod(rawValue: String(name)) else {
            synthCommand.fail("--methods: unknown method '\(name)'")
        }
        return method
    }
    let maxTokens = try options.int("--max-tokens")!
    let topP = try options.double("--top-p")!
    configuration.generatorSampling = Sampling(
        temperature: try options.double("--generator-temperature")!, topP: topP, maxTokens: maxTokens)
    configuration.verifierSampling = Sampling(
        temperature: try options.double("--verifier-temperature")!, topP: topP, maxTokens: maxTokens)
    configuration.critiqueSampling = Sampling(temperature: 0, topP: topP, maxTokens: maxTokens)
    configuration.stepListRows = options.flag("--step-list-rows")

    let problems: [SynthesisProblem]
    switch (options.string("--problems"), try options.int("--world-problems")) {
    case (let path?, nil):
        if options.string("--benchmark") != nil { synthCommand.fail("--benchmark needs --world-problems") }
        problems = try SynthesisProblem.load(path)
    case (nil, let count?):
        problems = try worldGenerator(options).problems(count: count, seed: seed).map(SynthesisProblem.init(world:))
    default:
        synthCommand.fail("give one of --problems or --world-problems")
    }

    var endpointOptions = EndpointBackend.Options()
    endpointOptions.apiKey = options.string("--api-key")
    endpointOptions.concurrency = try options.int("--concurrency")!
    endpointOptions.timeoutSeconds = try options.double("--timeout")!
    endpointOptions.retries = try options.int("--retries")!
    endpointOptions.backoffSeconds = try options.double("--backoff")!
    let batchSize = try options.int("--batch-size")!
    var loaded: [String: EngineBackend] = [:]
    func backend(_ role: String) throws -> CompletionBackend {
        switch (options.string("--\(role)"), options.string("--\(role)-endpoint"), options.string("--\(role)-model")) {
        case (let directory?, nil, nil):
            if let backend = loaded[directory] { return backend }
            let backend = try EngineBackend(directory: directory, batchSize: max(1, batchSize))
            loaded[directory] = backend
            return backend
        case (nil, let url?, let model?):
            return try EndpointBackend(url: url, model: model, options: endpointOptions)
        default:
            synthCommand.fail("give --\(role) DIR, or --\(role)-endpoint URL with --\(role)-model NAME")
        }
    }
    let stageOne = try StageOne(
        configuration: configuration, generator: try backend("generator"), verifier: try backend("verifier"),
        progress: { printToStandardError($0) })
    let outcome = try stageOne.run(problems)
    if let path = options.string("--benchmark") {
        let benchmark = ProcessBenchBuilder.build(
            outcome.solutions.map { solution in
                let problem = problems[solution.problemIndex]
                return ModelSolution(
                    id: "\(problem.id)-\(solution.index)", problem: problem.world!, text: solution.text,
                    generator: options.string("--generator-model") ?? options.string("--generator")!)
            })
        let file = try AtomicFile(path: path)
        try file.write(benchmark.jsonLines)
        try file.commit()
        printToStandardError(
            "benchmark: \(benchmark.records.count) records (\(benchmark.unusable) solutions unusable, \(benchmark.surplus) beyond the balance)"
        )
    }
    printToStandardError("wrote \(configuration.outputDirectory)")
}

func worldGenerator(_ options: ParsedArguments) throws -> ProblemGenerator {
    do {
        return try ProblemGenerator(settings: WorldOptions.settings(options))
    } catch let error as CommandLineError {
        synthCommand.fail(error.description)
    }
}
