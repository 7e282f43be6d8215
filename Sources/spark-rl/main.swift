// spark-rl: GRPO training of a policy on rewards from a running spark-server (SPARK's Stage III).
// The loop itself lives in the RL library (GRPORun); this file reads the command line.

import CommandLineKit
import Domain
import Foundation
import HTTPClient
import RL
import Reward
import WorldCommandLine

let trainCommand = Command(
    name: "spark-rl train",
    summary: "GRPO on the built-in math world (or a JSONL of {\"problem\"}) with rewards from spark-server.",
    options: [
        .value(
            "--model", "DIR", help: "the starting policy (HF checkpoint), also the frozen KL reference", required: true),
        .value("--out", "DIR", help: "where checkpoints, metrics.csv, rl.svg and report.json go", required: true),
        .value("--reward", "NAME", help: "reward design: \(PolicyReward.names)", default: "outcome-prm"),
        .value("--reward-url", "URL", help: "spark-server serving the reward model (http://host:port)"),
        .value("--api-key", "KEY", help: "the reward server's API key"),
        .value("--prompts", "FILE", help: "JSONL of {\"problem\"} lines instead of the world's problems"),
        .value("--world-problems", "N", help: "world problems to train on", default: "256"),
        .value("--held-out", "N", help: "held-out world problems for true accuracy", default: "32"),
    ] + WorldOptions.options + [
        .value("--group-size", "G", help: "rollouts per prompt", default: "16"),
        .value("--prompts-per-step", "N", help: "prompts per GRPO step", default: "4"),
        .value("--steps", "N", help: "GRPO steps", default: "10"),
        .value("--lr", "X", help: "AdamW learning rate", default: "1e-6"),
        .value("--kl", "X", help: "low-variance KL coefficient to the reference", default: "0.001"),
        .value("--clip", "X", help: "PPO clip ratio", default: "0.2"),
        .value("--max-tokens", "N", help: "tokens per rollout", default: "256"),
        .value("--temperature", "T", help: "rollout sampling temperature", default: "1"),
        .value("--batch-tokens", "N", help: "tokens per training micro-batch", default: "4096"),
        .value("--seed", "S", help: "seeds the world, the prompt order and the rollouts", default: "0"),
        .value("--eval-every", "E", help: "held-out accuracy every E steps", default: "5"),
        .value(
            "--held-out-samples", "K",
            help: "also K answers a held-out problem sampled as the rollouts are (avg@K; 0: greedy only)", default: "0"),
        .value("--save-every", "N", help: "checkpoint every N steps (and at the end)"),
        .value(
            "--format", "steps|spark|none",
            help: "the answer format the server gates on (none: no gate); the monitors check it, or steps with none",
            default: "steps"),
        .value("--reward-max-tokens", "N", help: "tokens the reward model may write per judgement", default: "4096"),
        .value("--concurrency", "N", help: "reward requests in flight", default: "4"),
        .value("--groups-per-request", "N", help: "GRPO groups per reward request", default: "4"),
        .value("--timeout", "SECONDS", help: "bounds each read and write of a reward request", default: "600"),
        .value(
            "--retries", "N", help: "retries of a failed reward request (connection, timeout, 408, 429, 5xx)",
            default: "10"),
        .value(
            "--backoff", "SECONDS", help: "pause before the first retry, doubled for each next one (with jitter)",
            default: "1"),
        .flag("--resume", help: "continue the run saved in --out"),
        .flag("--quiet", help: "no progress line"),
    ])

let compareCommand = Command(
    name: "spark-rl compare",
    summary: "A Markdown table and an SVG chart of held-out accuracy and the hacking monitors of spark-rl runs.",
    options: [
        .value("--runs", "NAME=DIR,...", help: "the runs, each a name and the --out folder of its run", required: true),
        .value("--out", "PREFIX", help: "writes PREFIX.md and PREFIX.svg", required: true),
    ])

func compare(_ arguments: [String]) throws {
    let options = compareCommand.parseOrExit(arguments)
    var runs: [(name: String, metrics: RLMetrics)] = []
    for entry in options.string("--runs")!.split(separator: ",") {
        let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { compareCommand.fail("--runs: expected NAME=DIR, found '\(entry)'") }
        let path = parts[1] + "/metrics.csv"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), let metrics = RLMetrics(csv: text) else {
            throw RLError.invalidInput("\(path): not the metrics.csv of a spark-rl run")
        }
        runs.append((parts[0], metrics))
    }
    let comparison = RLComparison(runs: runs)
    let prefix = options.string("--out")!
    try comparison.markdown.write(toFile: prefix + ".md", atomically: true, encoding: .utf8)
    try comparison.svg.write(toFile: prefix + ".svg", atomically: true, encoding: .utf8)
    print(comparison.markdown, terminator: "")
}

func positive(_ options: ParsedArguments, _ name: String) throws -> Int {
    let value = try options.int(name)!
    guard value > 0 else { throw RLError.invalidInput("\(name) must be positive, not \(value)") }
    return value
}

func train(_ arguments: [String]) throws {
    let options = trainCommand.parseOrExit(arguments)
    guard let reward = PolicyReward(rawValue: options.string("--reward")!) else {
        trainCommand.fail("--reward '\(options.string("--reward")!)': expected one of \(PolicyReward.names)")
    }
    guard let seed = UInt64(options.string("--seed")!) else { trainCommand.fail("--seed: expected a whole number") }
    var settings = GRPOSettings()
    settings.reward = reward
    settings.seed = seed
    settings.groupSize = try positive(options, "--group-size")
    settings.promptsPerStep = try positive(options, "--prompts-per-step")
    settings.steps = try positive(options, "--steps")
    settings.learningRate = try options.double("--lr")!
    settings.objective.klCoefficient = try options.double("--kl")!
    settings.objective.clipLow = try options.double("--clip")!
    settings.objective.clipHigh = settings.objective.clipLow
    settings.maxTokens = try positive(options, "--max-tokens")
    settings.temperature = Float(try options.double("--temperature")!)
    settings.batchTokens = try positive(options, "--batch-tokens")
    settings.evalEvery = try positive(options, "--eval-every")
    settings.heldOutSamples = try options.int("--held-out-samples")!
    guard settings.heldOutSamples >= 0 else { trainCommand.fail("--held-out-samples: expected 0 or more") }
    settings.saveEvery = try options.int("--save-every")
    let format = options.string("--format")!
    guard format == "none" || PolicyFormat(rawValue: format) != nil else {
        trainCommand.fail("--format '\(format)': expected steps, spark or none")
    }
    settings.monitorFormat = PolicyFormat(rawValue: format) ?? .steps

    let world: WorldSettings
    do { world = try WorldOptions.settings(options) } catch { trainCommand.fail(error.description) }
    let prompts =
        try options.string("--prompts").map { try RLPrompt.load(jsonl: $0) }
        ?? RLPrompt.world(count: try positive(options, "--world-problems"), seed: seed, settings: world)
    // Held-out problems come from another seed of the same world, so none is trained on.
    let heldOut = try RLPrompt.world(
        count: try options.int("--held-out")!, seed: seed &+ 0x5EED_0F_4E1D, settings: world)

    var client: RewardClient?
    if let url = options.string("--reward-url"), reward != .rlvr {
        var clientOptions = RewardClient.Options()
        clientOptions.apiKey = options.string("--api-key")
        clientOptions.concurrency = try positive(options, "--concurrency")
        clientOptions.groupsPerRequest = try positive(options, "--groups-per-request")
        clientOptions.timeoutSeconds = try options.double("--timeout")!
        clientOptions.retry = RetryPolicy(
            retries: try options.int("--retries")!, backoffSeconds: try options.double("--backoff")!)
        clientOptions.format = format
        clientOptions.maxTokens = try positive(options, "--reward-max-tokens")
        client = try RewardClient(url: url, options: clientOptions) { problem in
            printToStandardError("\nreward server: \(problem); retrying")
        }
    }
    let out = options.string("--out")!
    let run = try GRPORun(
        policyDirectory: options.string("--model")!, prompts: prompts, heldOut: heldOut, settings: settings,
        rewardClient: client, outputDirectory: out, resume: options.flag("--resume"))
    printToStandardError(
        "spark-rl: \(reward.rawValue), \(prompts.count) prompts, G = \(settings.groupSize), \(settings.promptsPerStep) prompts per step, steps \(run.completedSteps + 1)...\(settings.steps)"
    )
    var lines = ProgressLines(quiet: options.flag("--quiet"))
    try run.run { event in
        switch event {
        case .progress(let line): lines.progress(line)
        case .note(let line): lines.note(line)
        }
    }
    lines.finish()
    print(run.reportJSON, terminator: "")
}

let usage = """
    usage: spark-rl train [options]     GRPO with rewards from spark-server (spark-rl train --help)
           spark-rl compare [options]   compare the runs of several reward designs (spark-rl compare --help)
    """
let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "train": try train(Array(arguments.dropFirst()))
    case "compare": try compare(Array(arguments.dropFirst()))
    case "--help", "-h": print(usage)
    default:
        printToStandardError(usage)
        exit(2)
    }
} catch {
    printToStandardError("spark-rl: \(error)")
    exit(1)
}
