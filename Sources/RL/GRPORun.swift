// A GRPO run (SPARK's Stage III): each step samples G rollouts of a few prompts from the policy
// through the engine (seeded: the same seed gives the same rollouts), has spark-server judge them (or,
// for RLVR, the world's checker), turns the judgements into per-token advantages (the group's, or the
// server's step advantages placed on each step's tokens), and takes one PolicyOptimizer update.
// Every step logs the hacking monitors with true correctness from the checker (for the report only)
// and a progress line; every `evalEvery` steps greedy answers to held-out world problems measure true
// accuracy, and with `heldOutSamples` K also K answers each sampled as the rollouts are (the paper's
// avg@k: it sees a policy that grows surer of what greedy decoding already answers). Checkpoints (HF
// layout, with optimiser state, rl_state.json, metrics.csv, rl.svg and report.json) are written
// atomically every `saveEvery` steps and at the end; a resumed run continues from the last one with
// the same rollouts an uninterrupted run would have drawn, and ends on the same weights, and with the
// same hacking flags (the watch's window is refilled from metrics.csv).

import Domain
import Engine
import Foundation
import JSON
import Model
import Reward
import Scheduler
import Synthesis
import Training

public struct GRPOSettings: Sendable {
    public var reward = PolicyReward.outcomePRM
    public var groupSize = 16
    public var promptsPerStep = 4
    public var steps = 10
    public var seed: UInt64 = 0
    public var learningRate = 1e-6
    public var objective = GRPOObjective()
    public var optimizer = AdamWSettings(weightDecay: 0.01)
    public var maximumGradientNorm = 1.0
    public var maxTokens = 256
    public var temperature: Float = 1
    public var batchTokens = 4096
    /// Held-out accuracy every this many steps (and before the first and after the last).
    public var evalEvery = 5
    /// Sampled answers per held-out problem, at the rollout temperature, with the same seeds at every
    /// evaluation; 0 measures greedy answers only.
    public var heldOutSamples = 0
    /// The answer format the monitors check every rollout against, whatever the server gates on: with
    /// the gate off (`format: none`), or for RLVR, the server reports no violation, and the appending
    /// hack would go unseen.
    public var monitorFormat = PolicyFormat.steps
    public var saveEvery: Int?

    public init() {}
}

public final class GRPORun {
    public let settings: GRPOSettings
    public let prompts: [RLPrompt]
    public let heldOut: [RLPrompt]
    public let outputDirectory: String
    public private(set) var metrics = RLMetrics()
    public private(set) var completedSteps = 0
    private let optimizer: PolicyOptimizer
    private let generator: Generator
    private let tokenizer: Tokenizer
    private let template: ChatTemplate?
    private let stopTokenIds: Set<Int32>
    private let writer: CheckpointWriter
    private let rewardClient: RewardClient?
    private var watch: HackingWatch
    private var flaggedSteps: [Int] = []

    /// `policyDirectory` is the starting policy and the frozen reference; with `resume`, the policy's
    /// weights, optimiser state and metrics come from the checkpoint in `outputDirectory`.
    public init(
        policyDirectory: String, prompts: [RLPrompt], heldOut: [RLPrompt], settings: GRPOSettings,
        rewardClient: RewardClient?, outputDirectory: String, resume: Bool
    ) throws(RLError) {
        guard !prompts.isEmpty else { throw .invalidInput("no prompts") }
        guard settings.groupSize >= 2 else { throw .invalidInput("the group size must be 2 or more") }
        if settings.reward == .rlvr {
            guard prompts.allSatisfy({ $0.world != nil }) else {
                throw .invalidInput("rlvr needs the ground truth of the world's problems, not a prompt file")
            }
        } else if rewardClient == nil {
            throw .invalidInput("\(settings.reward.rawValue) needs a reward server (--reward-url)")
        }
        self.settings = settings
        self.prompts = prompts
        self.heldOut = heldOut
        self.outputDirectory = outputDirectory
        self.rewardClient = rewardClient
        watch = HackingWatch(rolloutsPerStep: settings.groupSize * settings.promptsPerStep)
        do {
            let checkpoint = try Checkpoint(directory: policyDirectory)
            guard let tokenizerPath = checkpoint.tokenizerPath else {
                throw RLError.checkpoint("\(policyDirectory) has no tokenizer.json")
            }
            let tokenizer = try Tokenizer(contentsOfFile: tokenizerPath)
            self.tokenizer = tokenizer
            template = try checkpoint.tokenizerConfig.chatTemplate.map { try ChatTemplate.recognise($0) }
            let eos = checkpoint.tokenizerConfig.eosToken.flatMap { tokenizer.id(of: $0) }
            stopTokenIds = checkpoint.endOfSequenceIds(eosTokenId: eos)
            let reference = try ModelParameters(checkpoint: checkpoint)
            let start = resume ? try Checkpoint(directory: outputDirectory) : checkpoint
            guard start.config == checkpoint.config else {
                throw RLError.checkpoint("\(outputDirectory) holds another model than \(policyDirectory)")
            }
            let parameters = try ModelParameters(checkpoint: start)
            optimizer = PolicyOptimizer(
                parameters: parameters, reference: reference, optimizer: settings.optimizer,
                objective: settings.objective, batchTokens: settings.batchTokens,
                maximumGradientNorm: settings.maximumGradientNorm)
            generator = Generator(transformer: Transformer(weights: parameters.engineWeights()), tokenizer: tokenizer)
            writer = try CheckpointWriter(copyingFrom: policyDirectory)
            if resume { try restore() }
        } catch let error as RLError {
            throw error
        } catch {
            throw .checkpoint("\(error)")
        }
    }

    static let stateFileName = "rl_state.json"

    private func restore() throws {
        let path = FileSystem.join(outputDirectory, Self.stateFileName)
        guard let state = try? JSONValue.parse(try FileSystem.read(path)).objectValue,
            let step = state["step"]?.intValue, let seed = state["seed"]?.stringValue,
            let reward = state["reward"]?.stringValue
        else { throw RLError.checkpoint("\(path): expected {step, seed, reward} of a spark-rl run") }
        guard seed == String(settings.seed), reward == settings.reward.rawValue else {
            throw RLError.checkpoint(
                "\(outputDirectory) was trained with --reward \(reward) --seed \(seed): resume with the same options")
        }
        try TrainerState.restore(optimizer.optimizer, directory: outputDirectory, stepCount: step)
        let csv = try String(contentsOfFile: FileSystem.join(outputDirectory, "metrics.csv"), encoding: .utf8)
        guard let log = RLMetrics(csv: csv) else {
            throw RLError.checkpoint("\(outputDirectory)/metrics.csv is not one spark-rl wrote")
        }
        metrics = log
        watch.replay(log)
        flaggedSteps = log.rows.filter { $0["hacking_flag"] == 1 }.compactMap { $0["step"].map { Int($0) } }
        completedSteps = step
    }

    /// The policy's prompt ids for a problem.
    func promptIds(_ prompt: RLPrompt) -> [Int32] {
        let text = StageOnePrompts.generator(problem: prompt.problem)
        let rendered =
            template?.render([ChatMessage(role: "user", content: text)], addGenerationPrompt: true) ?? text + "\n"
        return tokenizer.encode(rendered, addSpecialTokens: false)
    }

    /// The prompts of step `step`: consecutive slices of a seeded shuffle, reshuffled each pass.
    func prompts(ofStep step: Int) -> [Int] {
        (0..<settings.promptsPerStep).map { slot in
            let position = step * settings.promptsPerStep + slot
            let pass = position / prompts.count
            var random = SeededRandom(seed: settings.seed &+ UInt64(pass) &* 0x9E37_79B9_7F4A_7C15)
            var order = Array(prompts.indices)
            for index in stride(from: order.count - 1, to: 0, by: -1) {
                order.swapAt(index, Int(random.next() % UInt64(index + 1)))
            }
            return order[position % prompts.count]
        }
    }

    public func run(report: (RunEvent) -> Void) throws(RLError) {
        let start = Date()
        let elapsedBefore = metrics.rows.last?["elapsed_seconds"] ?? 0
        if completedSteps == 0, let accuracy = evaluateHeldOut() {
            metrics.append(accuracy.merging(["step": 0, "elapsed_seconds": 0]) { $1 })
            report(.note("step 0: " + heldOutNote(accuracy)))
        }
        while completedSteps < settings.steps {
            let step = completedSteps
            var row = try trainStep(step, report: report)
            completedSteps += 1
            let done = completedSteps
            if done % settings.evalEvery == 0 || done == settings.steps, let accuracy = evaluateHeldOut() {
                row.merge(accuracy) { $1 }
            }
            row["elapsed_seconds"] = elapsedBefore + Date().timeIntervalSince(start)
            metrics.append(row)
            report(.progress(progressLine(row)))
            if row["held_out_accuracy"] != nil {
                report(.note("step \(done): " + heldOutNote(row)))
            }
            if row["hacking_flag"] == 1 {
                report(.note("step \(done): WARNING reward rising while true accuracy falls (reward hacking?)"))
            }
            if done == settings.steps || (settings.saveEvery.map { done % $0 == 0 } ?? false) {
                try save()
                report(.note("step \(done): checkpoint written to \(outputDirectory)"))
            }
        }
    }

    private func trainStep(_ step: Int, report: (RunEvent) -> Void) throws(RLError) -> [String: Double] {
        let chosen = prompts(ofStep: step).map { prompts[$0] }
        let ids = chosen.map(promptIds)
        var requests: [GenerationRequest] = []
        for (slot, promptIds) in ids.enumerated() {
            for member in 0..<settings.groupSize {
                let index = UInt64((step * settings.promptsPerStep + slot) * settings.groupSize + member)
                requests.append(
                    GenerationRequest(
                        promptIds: promptIds,
                        sampling: SamplingParameters(
                            temperature: settings.temperature, topK: 0, topP: 1,
                            seed: settings.seed &* 1_000_003 &+ index, maxTokens: settings.maxTokens,
                            stopTokenIds: stopTokenIds)))
            }
        }
        let samplingStart = Date()
        let results: [GenerationResult]
        do { results = try generator.generate(requests) } catch { throw .invalidInput("sampling: \(error)") }
        let samplingSeconds = Date().timeIntervalSince(samplingStart)
        let groups = (0..<chosen.count).map { slot in
            Array(results[(slot * settings.groupSize)..<((slot + 1) * settings.groupSize)])
        }
        let rewardStart = Date()
        let judgements = try judge(groups, prompts: chosen, step: step)
        let rewardSeconds = Date().timeIntervalSince(rewardStart)

        var samples: [PolicySample] = []
        var rollouts: [ScoredRollout] = []
        for (slot, group) in groups.enumerated() {
            for (result, judgement) in zip(group, judgements[slot]) {
                let format = FormatCheck(response: result.completion, format: settings.monitorFormat)
                rollouts.append(
                    ScoredRollout(
                        formatValid: format.isValid, textAfterAnswer: format.hasTextAfterAnswer,
                        steps: judgement.steps, verdicts: judgedStepByStep(judgement) ? judgement.verdicts : nil,
                        saidYes: judgement.saidYes, reward: judgement.score, responseTokens: result.completionIds.count,
                        isCorrect: chosen[slot].isCorrect(result.completion) ?? false, group: slot))
                if let sample = PolicySample(
                    promptIds: ids[slot], completionIds: result.completionIds, judgement: judgement,
                    reward: settings.reward, tokenizer: tokenizer)
                {
                    samples.append(sample)
                }
            }
        }
        let monitors = HackingMonitors(rollouts)
        let flagged = watch.record(monitors)
        if flagged { flaggedSteps.append(step + 1) }
        let hasTruth = chosen.allSatisfy { $0.world != nil }
        var row: [String: Double] = [
            "step": Double(step + 1), "mean_reward": monitors.meanReward,
            "judged_share": Double(samples.count) / Double(rollouts.count),
            "true_accuracy": hasTruth ? monitors.trueAccuracy : .nan,
            "true_accuracy_se": hasTruth ? monitors.trueAccuracyStandardError : .nan,
            "invalid_format_share": monitors.invalidFormatShare,
            "text_after_answer_share": monitors.textAfterAnswerShare, "mean_steps": monitors.meanSteps,
            "steps_std": monitors.stepsStandardDeviation,
            "step_count_mismatch_share": monitors.stepCountMismatchShare,
            "mean_response_tokens": monitors.meanResponseTokens, "yes_rate": monitors.yesRate,
            "false_yes_rate": hasTruth ? monitors.falseYesRate : .nan,
            "rollout_tokens_per_second": Double(results.reduce(0) { $0 + $1.completionIds.count })
                / max(samplingSeconds, 1e-9),
            "reward_latency_seconds": rewardSeconds, "hacking_flag": flagged ? 1 : 0,
        ]
        if samples.contains(where: { !$0.completionIds.isEmpty }) {
            let update = optimizer.update(samples, learningRate: settings.learningRate)
            row["loss"] = update.loss
            row["kl"] = update.meanKL
            row["clipped_share"] = update.clippedShare
            row["gradient_norm"] = update.gradientNorm
        } else {
            report(.note("step \(step + 1): no judged response; the policy is left as it is"))
        }
        return row
    }

    /// Whether the reward model read the response and wrote step verdicts (P): not for RLVR or the
    /// ORM, nor where the format gate kept the model from it.
    private func judgedStepByStep(_ judgement: RewardJudgement) -> Bool {
        settings.reward.variant == "prm_cot" && judgement.judged && judgement.formatValid
    }

    /// The judgements of every group: spark-server's, or for RLVR the world's checker with the
    /// group's GRPO advantages.
    private func judge(_ groups: [[GenerationResult]], prompts chosen: [RLPrompt], step: Int) throws(RLError)
        -> [[RewardJudgement]]
    {
        guard settings.reward == .rlvr else {
            let requests = zip(chosen, groups).enumerated().map { slot, pair in
                RewardClient.Group(
                    id: "step\(step + 1)-\(slot)", problem: pair.0.problem, responses: pair.1.map(\.completion))
            }
            return try rewardClient!.judge(requests, reward: settings.reward, seed: settings.seed &+ UInt64(step))
        }
        return zip(chosen, groups).map { prompt, group in
            let scores = group.map { prompt.isCorrect($0.completion) == true ? 1.0 : 0.0 }
            let advantages = GroupAdvantages(rewards: scores).advantages
            return zip(group, zip(scores, advantages)).map { result, scored in
                let solution = SolutionText(parsing: result.completion)
                return RewardJudgement(
                    status: "ok", judged: true, score: scored.0, formatValid: true,
                    steps: solution.steps.count, verdicts: 0, saidYes: nil, advantage: scored.1)
            }
        }
    }

    /// Greedy answers to the held-out world problems, judged by the checker (`held_out_accuracy`), and
    /// the share right of `heldOutSamples` sampled answers each (`held_out_sampled_accuracy`); nil
    /// without any problem with ground truth.
    private func evaluateHeldOut() -> [String: Double]? {
        let judged = heldOut.filter { $0.world != nil }
        guard !judged.isEmpty else { return nil }
        let greedy = SamplingParameters(
            temperature: 0, topK: 0, topP: 1, seed: nil, maxTokens: settings.maxTokens, stopTokenIds: stopTokenIds)
        var requests = judged.map { GenerationRequest(promptIds: promptIds($0), sampling: greedy) }
        var problemOfRequest = Array(judged.indices)
        for (index, prompt) in judged.enumerated() {
            for sample in 0..<settings.heldOutSamples {
                let seed =
                    Self.heldOutSeedBase &+ settings.seed &* 1_000_003
                    &+ UInt64(index * settings.heldOutSamples + sample)
                requests.append(
                    GenerationRequest(
                        promptIds: promptIds(prompt),
                        sampling: SamplingParameters(
                            temperature: settings.temperature, topK: 0, topP: 1, seed: seed,
                            maxTokens: settings.maxTokens, stopTokenIds: stopTokenIds)))
                problemOfRequest.append(index)
            }
        }
        guard let results = try? generator.generate(requests) else { return nil }
        func share(_ range: Range<Int>) -> Double {
            let correct = range.filter { judged[problemOfRequest[$0]].isCorrect(results[$0].completion) == true }.count
            return Double(correct) / Double(range.count)
        }
        var accuracy = ["held_out_accuracy": share(0..<judged.count)]
        if settings.heldOutSamples > 0 { accuracy["held_out_sampled_accuracy"] = share(judged.count..<requests.count) }
        return accuracy
    }

    /// Keeps the held-out samples' seeds apart from the rollouts'.
    static let heldOutSeedBase: UInt64 = 0x4E1D_0000_0000

    private func heldOutNote(_ row: [String: Double]) -> String {
        var note = "held-out accuracy \(percent(row["held_out_accuracy"] ?? .nan))"
        if let sampled = row["held_out_sampled_accuracy"] {
            note += ", sampled \(percent(sampled)) (\(settings.heldOutSamples) a problem)"
        }
        return note
    }

    private func progressLine(_ row: [String: Double]) -> String {
        func value(_ column: String, _ format: (Double) -> String) -> String {
            row[column].flatMap { $0.isFinite ? format($0) : nil } ?? "-"
        }
        return
            "step \(completedSteps)/\(settings.steps)  reward \(value("mean_reward") { String(format: "%.3f", $0) })  judged \(value("judged_share", percent))  true acc \(value("true_accuracy", percent))  held-out \(value("held_out_accuracy", percent))  \(value("rollout_tokens_per_second") { String(Int($0)) }) tok/s  RM \(value("reward_latency_seconds") { String(format: "%.2f s", $0) })"
    }

    /// The final report: settings, first and last rows, held-out accuracy at the start and the end,
    /// the steps the hacking watch flagged.
    public var reportJSON: String {
        func number(_ value: Double?) -> JSONValue { value.flatMap { $0.isFinite ? .double($0) : nil } ?? .null }
        let heldOut = metrics.rows.compactMap { $0["held_out_accuracy"] }.filter(\.isFinite)
        let sampled = metrics.rows.compactMap { $0["held_out_sampled_accuracy"] }.filter(\.isFinite)
        let last = metrics.rows.last ?? [:]
        let object: JSONObject = [
            "reward": .string(settings.reward.rawValue), "steps": .int(completedSteps),
            "group_size": .int(settings.groupSize), "prompts_per_step": .int(settings.promptsPerStep),
            "seed": .string(String(settings.seed)), "learning_rate": .double(settings.learningRate),
            "kl_coefficient": .double(settings.objective.klCoefficient),
            "held_out_accuracy_last": number(heldOut.last),
            "held_out_accuracy_first": number(heldOut.first),
            "held_out_sampled_accuracy_last": number(sampled.last),
            "held_out_sampled_accuracy_first": number(sampled.first), "held_out_samples": .int(settings.heldOutSamples),
            "mean_reward_first": number(metrics.rows.first { $0["step"] == 1 }?["mean_reward"]),
            "mean_reward_last": number(last["mean_reward"]), "true_accuracy_last": number(last["true_accuracy"]),
            "invalid_format_share_last": number(last["invalid_format_share"]),
            "text_after_answer_share_last": number(last["text_after_answer_share"]),
            "hacking_flagged_steps": .array(flaggedSteps.map { .int($0) }),
            "elapsed_seconds": number(last["elapsed_seconds"]),
        ]
        return JSONValue.object(object).serialized + "\n"
    }

    private func save() throws(RLError) {
        let state: JSONObject = [
            "step": .int(completedSteps), "total_steps": .int(settings.steps), "seed": .string(String(settings.seed)),
            "reward": .string(settings.reward.rawValue),
        ]
        do {
            try writer.write(
                optimizer.parameters, to: outputDirectory,
                extraFiles: [
                    Self.stateFileName: Array((JSONValue.object(state).serialized + "\n").utf8),
                    "metrics.csv": Array(metrics.csv.utf8), "rl.svg": Array(metrics.svg.utf8),
                    "report.json": Array(reportJSON.utf8),
                ],
                extraTensorFiles: [
                    TrainerState.optimizerFileName: TrainerState.optimizerTensors(optimizer.optimizer)
                ])
        } catch {
            throw .checkpoint("cannot write \(outputDirectory): \(error)")
        }
    }
}

private func percent(_ value: Double) -> String { String(format: "%.1f%%", 100 * value) }
