// POST /v1/verify: step-level verification of solutions by the served PRM-CoT (or PRM, ORM). Each
// item is a problem with its solution (as text or as a list of steps, which are shown to the model as
// `Step k: ...` paragraphs, the ProcessBench convention); each is verified `n` times, and the answer
// gives, per item, the outcome verdict and P(yes), per step the voted verdict, its vote share and
// P(correct), the first error, and the verification texts. Items are independent: one that fails
// says so in its `status` and leaves `score` null, never a silent 0.

import Engine
import JSON
import Model
import Reward
import Scheduler

enum VerifyRoute {
    static let maximumItems = 1024

    struct Item {
        var problem: String
        var steps: [String]?
        var solution: String
    }

    struct Options {
        var variant: RewardModelVariant
        var samples: Int
        var aggregate: String
        var sampling: SamplingParameters
        var timeoutSeconds: Double?
        /// Whether each verdict slot may only hold a verdict word.
        var constrainVerdicts: Bool
    }

    static func parse(_ body: [UInt8], model: ServedModel) throws(APIError) -> ([Item], Options) {
        let reader = try RequestReader(body: body)
        try model.check(modelName: try reader.string("model"))
        guard let values = reader.object["items"]?.arrayValue, !values.isEmpty else {
            throw .badRequest(
                "'items' is required: a non-empty list of {\"problem\", \"steps\" | \"solution\"}", parameter: "items")
        }
        guard values.count <= maximumItems else {
            throw .badRequest("at most \(maximumItems) items per request, found \(values.count)", parameter: "items")
        }
        var items: [Item] = []
        for (index, value) in values.enumerated() {
            let item = try RequestReader(value, path: "items[\(index)].")
            guard let problem = try item.string("problem") else {
                throw .badRequest("'items[\(index)].problem' is required", parameter: "items[\(index)].problem")
            }
            var steps: [String]?
            if let list = item.object["steps"] {
                guard let strings = list.arrayValue?.compactMap(\.stringValue), strings.count == list.arrayValue?.count,
                    !strings.isEmpty
                else {
                    throw .badRequest(
                        "'items[\(index)].steps' must be a non-empty list of strings",
                        parameter: "items[\(index)].steps")
                }
                steps = strings
            }
            let solution = try item.string("solution")
            switch (steps, solution) {
            case (let steps?, nil):
                items.append(Item(problem: problem, steps: steps, solution: RewardModelInput.stepList(steps)))
            case (nil, let solution?):
                items.append(Item(problem: problem, steps: nil, solution: solution))
            default:
                throw .badRequest(
                    "give exactly one of 'items[\(index)].steps' (a list) or 'items[\(index)].solution' (a text)",
                    parameter: "items[\(index)]")
            }
        }
        let variantName = try reader.string("variant") ?? "prm_cot"
        guard let variant = RewardModelVariant(rawValue: variantName) else {
            throw .badRequest("'variant' must be prm_cot, prm or orm, found '\(variantName)'", parameter: "variant")
        }
        let samples = try reader.int("n", in: 1...64) ?? 1
        let aggregate = try reader.string("aggregate") ?? "step"
        guard aggregate == "step" || aggregate == "outcome" else {
            throw .badRequest("'aggregate' must be step or outcome, found '\(aggregate)'", parameter: "aggregate")
        }
        var sampling = SamplingParameters()
        // One verification is greedy; several are sampled as SPARK's Stage I samples them (0.8).
        sampling.temperature = Float(try reader.double("temperature", in: 0...100) ?? (samples == 1 ? 0 : 0.8))
        sampling.topP = Float(try reader.double("top_p", in: 0...1) ?? (samples == 1 ? 1 : 0.95))
        guard sampling.topP > 0 else { throw .badRequest("'top_p' must be greater than 0", parameter: "top_p") }
        if let seed = try reader.int("seed", in: Int(Int64.min)...Int(Int64.max)) {
            sampling.seed = UInt64(bitPattern: Int64(seed))
        }
        sampling.maxTokens = try reader.int("max_tokens", in: 1...model.contextLength) ?? 4096
        sampling.stopTokenIds = model.endOfSequenceIds
        return (
            items,
            Options(
                variant: variant, samples: samples, aggregate: aggregate, sampling: sampling,
                timeoutSeconds: try SamplingFields.timeout(reader),
                constrainVerdicts: try reader.bool("constrain_verdicts") ?? true)
        )
    }

    /// The jobs of a request: item after item, n each, with the item's prompt in the chat template.
    static func jobs(_ items: [Item], _ options: Options, model: ServedModel) throws(APIError) -> [VerificationJob] {
        guard let template = model.chatTemplate else {
            throw .unprocessable(
                "verification needs the model's ChatML chat template: \(model.chatTemplateProblem ?? "")")
        }
        let probes = VerdictProbes(
            options.variant, tokenizer: model.tokenizer, constrains: options.constrainVerdicts
        ).probes
        var jobs: [VerificationJob] = []
        for item in items {
            let prompt = options.variant.prompt(problem: item.problem, solution: item.solution)
            let text = template.render([ChatMessage(role: "user", content: prompt)], addGenerationPrompt: true)
            let ids = model.tokenizer.encode(text)
            var sampling = options.sampling
            sampling.maxTokens = min(sampling.maxTokens, max(1, model.contextLength - ids.count))
            for sample in 0..<options.samples {
                var seeded = sampling
                if let seed = sampling.seed { seeded.seed = seed &+ UInt64(sample) }
                jobs.append(VerificationJob(promptIds: ids, sampling: seeded, probes: probes))
            }
        }
        return jobs
    }

    /// The response: one entry per item, from its n outcomes.
    static func response(
        _ items: [Item], _ options: Options, outcomes: [VerificationOutcome], model: ServedModel, modelName: String,
        seconds: Double, deadline: RequestDeadline
    ) -> JSONValue {
        let probes = VerdictProbes(options.variant, tokenizer: model.tokenizer, constrains: options.constrainVerdicts)
        var entries: [JSONValue] = []
        var totalPrompt = 0
        var totalCompletion = 0
        for (index, item) in items.enumerated() {
            let mine = Array(outcomes[(index * options.samples)..<((index + 1) * options.samples)])
            let evidence = mine.map {
                VerdictEvidence(text: $0.text, readings: $0.readings, variant: options.variant, probes: probes)
            }
            totalPrompt += mine.first?.promptTokens ?? 0
            totalCompletion += mine.reduce(0) { $0 + $1.completionTokens }
            entries.append(entry(index: index, item: item, options: options, outcomes: mine, evidence: evidence))
        }
        return .object([
            "object": .string("verification"), "model": .string(modelName), "items": .array(entries),
            "usage": .object([
                "prompt_tokens": .int(totalPrompt), "completion_tokens": .int(totalCompletion),
                "total_tokens": .int(totalPrompt + totalCompletion),
            ]),
            "seconds": .double(seconds), "timeout_ms": .int(deadline.milliseconds),
            "provenance": Provenance.json(
                model: model, variant: options.variant, sampling: options.sampling, samples: options.samples,
                constrainVerdicts: options.constrainVerdicts),
        ])
    }

    private static func entry(
        index: Int, item: Item, options: Options, outcomes: [VerificationOutcome], evidence: [VerdictEvidence]
    ) -> JSONValue {
        let replies = evidence.map(\.reply)
        let outcomeVote = SelfConsistency.voteOutcome(replies)
        let stepVote =
            options.variant == .orm ? nil : SelfConsistency.voteSteps(replies, expectedStepCount: item.steps?.count)
        let parsed = replies.contains { $0.isOutcomeParsed || !$0.stepVerdicts.isEmpty }
        let status: ItemStatus
        if outcomes.contains(where: { $0.refusal != nil }) {
            status = .error
        } else if outcomes.contains(where: { $0.reason == .timeout }) {
            status = .timeout
        } else if outcomes.contains(where: { $0.reason == .cancelled }) {
            status = .error
        } else if !parsed {
            status = outcomes.allSatisfy({ $0.reason == .length }) ? .truncated : .unparseable
        } else {
            status = .ok
        }
        let stepDerived = stepVote?.derivedOutcome
        let verdict: Verdict? = options.aggregate == "step" ? (stepDerived ?? outcomeVote.verdict) : outcomeVote.verdict
        var steps: [JSONValue] = []
        if let stepVote {
            for step in 0..<stepVote.stepCount {
                let probabilities = stepVote.voterIndices.compactMap { voter -> Double? in
                    let values = evidence[voter].stepProbabilities
                    return step < values.count ? values[step] : nil
                }
                steps.append(
                    .object([
                        "index": .int(step),
                        "verdict": .string(stepVote.verdicts[step] == .correct ? "correct" : "incorrect"),
                        "vote_share": .double(stepVote.correctShares[step]),
                        "p_correct": probabilities.isEmpty
                            ? .null : .double(probabilities.reduce(0, +) / Double(probabilities.count)),
                    ]))
            }
        }
        let yesProbabilities = evidence.compactMap(\.yesProbability)
        var object: JSONObject = [
            "index": .int(index), "status": .string(status.rawValue),
            "outcome": status == .ok ? verdict.map { .string($0 == .yes ? "yes" : "no") } ?? .null : .null,
            "score": status == .ok ? verdict.map { .double($0.value) } ?? .null : .null,
            "p_yes": yesProbabilities.isEmpty
                ? .null : .double(yesProbabilities.reduce(0, +) / Double(yesProbabilities.count)),
            "outcome_votes": .object([
                "yes": .int(outcomeVote.yesCount), "no": .int(outcomeVote.noCount),
                "unparseable": .int(outcomeVote.unparseableCount),
            ]),
            "steps": .array(steps),
            "first_error": status == .ok ? .int(stepVote?.firstError ?? -1) : .null,
            "parse_ok": .bool(parsed),
            "truncated": .bool(outcomes.contains { $0.reason == .length }),
            "verifications": .array(outcomes.map { .string($0.text) }),
            "verdict_slots": VerificationOutcome.verdictSlots(outcomes),
            "usage": Provenance.usage(outcomes),
        ]
        if let refusal = outcomes.first(where: { $0.refusal != nil })?.refusal { object["error"] = .string(refusal) }
        return .object(object)
    }
}
