// POST /v1/reward: SPARK's RL rewards for policy responses, computed as the release computes them
// (Reward library): the format gate first (an invalid response never reaches the model and scores 0),
// the reward model's verdict on the response cut after its last `</answer>`, then the design's formula.
// Responses come as `items` (each with its problem and an optional `group`) or as `groups` (one problem,
// its GRPO responses), which come back as items in order, group by group. Items of a group also get
// their GRPO advantages, and for the step-level designs the tango_grpo step advantages and
// selective-advantage multipliers, per step with its character span.
//
// Every item says what happened in `status`: `ok`, `format_rejected` (a real 0), or, where the model
// did not judge, `unparseable`, `truncated`, `timeout`, `error`: then `score` is null and `mask` false,
// so a trainer can drop the sample instead of learning from a fake 0. `spark_score` is the value the
// SPARK release would have used (0 in those cases), for exact comparisons.

import Engine
import JSON
import Model
import Reward
import Scheduler

enum RewardRoute {
    struct Item {
        var problem: String
        var response: String
        var group: String?
        var groundTruth: String?
    }

    struct Options {
        var design: RewardDesign
        var variant: RewardModelVariant
        /// The gate in front of the model; nil: none.
        var format: PolicyFormat?
        var seed: UInt64?
        var sampling: SamplingParameters
        var timeoutSeconds: Double?
        /// Whether each verdict slot may only hold a verdict word.
        var constrainVerdicts: Bool
    }

    static func parse(_ body: [UInt8], model: ServedModel) throws(APIError) -> ([Item], Options) {
        let reader = try RequestReader(body: body)
        try model.check(modelName: try reader.string("model"))
        let designName = try reader.string("design") ?? RewardDesign.processAwareOutcome.rawValue
        guard let design = RewardDesign(rawValue: designName) else {
            throw .badRequest(
                "'design' must be one of \(RewardDesign.allCases.map(\.rawValue).joined(separator: ", ")), found '\(designName)'",
                parameter: "design")
        }
        let items: [Item]
        switch (reader.object["items"], reader.object["groups"]) {
        case (let list?, nil): items = try flatItems(list)
        case (nil, let list?): items = try groupedItems(list)
        default:
            throw .badRequest(
                "give 'items' (a list of {\"problem\", \"response\"}) or 'groups' (a list of {\"problem\", \"responses\"}), not both",
                parameter: "items")
        }
        guard items.count <= VerifyRoute.maximumItems else {
            throw .badRequest(
                "at most \(VerifyRoute.maximumItems) responses per request, found \(items.count)", parameter: "items")
        }
        if design == .ruleBased, let index = items.firstIndex(where: { $0.groundTruth == nil }) {
            throw .badRequest(
                "the rule_based design needs a ground_truth for every response; response \(index) has none",
                parameter: "ground_truth")
        }
        let defaultVariant: RewardModelVariant = design == .outcome ? .orm : .prmCoT
        let variantName = try reader.string("variant") ?? defaultVariant.rawValue
        guard let variant = RewardModelVariant(rawValue: variantName),
            !design.usesRewardModel || design.acceptedVariants.contains(variant)
        else {
            throw .badRequest(
                "'variant' must be one of \(design.acceptedVariants.map(\.rawValue).joined(separator: ", ")) for the \(design.rawValue) design, found '\(variantName)'",
                parameter: "variant")
        }
        let formatName = try reader.string("format") ?? PolicyFormat.spark.rawValue
        guard formatName == "none" || PolicyFormat(rawValue: formatName) != nil else {
            throw .badRequest(
                "'format' must be spark (the policy's <answer> format), steps (Step k: lines and one Answer: line) or none, found '\(formatName)'",
                parameter: "format")
        }
        var sampling = SamplingParameters(temperature: 0)
        sampling.maxTokens = try reader.int("max_tokens", in: 1...model.contextLength) ?? 4096
        sampling.stopTokenIds = model.endOfSequenceIds
        let seed = try reader.int("seed", in: Int(Int64.min)...Int(Int64.max)).map { UInt64(bitPattern: Int64($0)) }
        return (
            items,
            Options(
                design: design, variant: variant, format: PolicyFormat(rawValue: formatName), seed: seed,
                sampling: sampling,
                timeoutSeconds: try SamplingFields.timeout(reader),
                constrainVerdicts: try reader.bool("constrain_verdicts") ?? true)
        )
    }

    private static func flatItems(_ list: JSONValue) throws(APIError) -> [Item] {
        guard let values = list.arrayValue, !values.isEmpty else {
            throw .badRequest(
                "'items' must be a non-empty list of {\"problem\", \"response\"}", parameter: "items")
        }
        var items: [Item] = []
        for (index, value) in values.enumerated() {
            let item = try RequestReader(value, path: "items[\(index)].")
            guard let problem = try item.string("problem"), let response = try item.string("response") else {
                throw .badRequest(
                    "'items[\(index)]' needs 'problem' and 'response' (strings)", parameter: "items[\(index)]")
            }
            items.append(
                Item(
                    problem: problem, response: response, group: try item.string("group"),
                    groundTruth: try item.string("ground_truth")))
        }
        return items
    }

    /// GRPO groups: one problem with its responses; a group is named by its `id`, else its position.
    private static func groupedItems(_ list: JSONValue) throws(APIError) -> [Item] {
        guard let values = list.arrayValue, !values.isEmpty else {
            throw .badRequest(
                "'groups' must be a non-empty list of {\"problem\", \"responses\": [...]}", parameter: "groups")
        }
        var items: [Item] = []
        var names: Set<String> = []
        for (index, value) in values.enumerated() {
            let group = try RequestReader(value, path: "groups[\(index)].")
            guard let problem = try group.string("problem") else {
                throw .badRequest("'groups[\(index)].problem' is required", parameter: "groups[\(index)].problem")
            }
            guard let list = group.object["responses"]?.arrayValue, !list.isEmpty,
                case let responses = list.compactMap(\.stringValue), responses.count == list.count
            else {
                throw .badRequest(
                    "'groups[\(index)].responses' must be a non-empty list of strings",
                    parameter: "groups[\(index)].responses")
            }
            let name = try group.string("id") ?? String(index)
            guard names.insert(name).inserted else {
                throw .badRequest(
                    "'groups[\(index)].id' repeats the group name '\(name)'; each group needs its own",
                    parameter: "groups[\(index)].id")
            }
            let groundTruth = try group.string("ground_truth")
            for response in responses {
                items.append(Item(problem: problem, response: response, group: name, groundTruth: groundTruth))
            }
        }
        return items
    }

    /// One job per item the reward model must judge (valid responses of a reward-model design), and
    /// for each item the index of its job.
    static func jobs(_ items: [Item], _ options: Options, model: ServedModel) throws(APIError) -> (
        [VerificationJob], [Int?]
    ) {
        guard options.design.usesRewardModel else { return ([], items.map { _ in nil }) }
        guard let template = model.chatTemplate else {
            throw .unprocessable("rewards need the model's ChatML chat template: \(model.chatTemplateProblem ?? "")")
        }
        let probes = VerdictProbes(
            options.variant, tokenizer: model.tokenizer, constrains: options.constrainVerdicts
        ).probes
        var jobs: [VerificationJob] = []
        var jobOfItem: [Int?] = []
        for item in items {
            if let format = options.format, !FormatCheck(response: item.response, format: format).isValid {
                jobOfItem.append(nil)
                continue
            }
            let prompt = RewardModelInput.prompt(for: options.variant, problem: item.problem, response: item.response)
            let ids = model.tokenizer.encode(
                template.render([ChatMessage(role: "user", content: prompt)], addGenerationPrompt: true))
            var sampling = options.sampling
            sampling.maxTokens = min(sampling.maxTokens, max(1, model.contextLength - ids.count))
            jobOfItem.append(jobs.count)
            jobs.append(VerificationJob(promptIds: ids, sampling: sampling, probes: probes))
        }
        return (jobs, jobOfItem)
    }

    static func response(
        _ items: [Item], _ options: Options, jobOfItem: [Int?], outcomes: [VerificationOutcome], model: ServedModel,
        modelName: String, seconds: Double, deadline: RequestDeadline
    ) -> JSONValue {
        let probes = VerdictProbes(options.variant, tokenizer: model.tokenizer, constrains: options.constrainVerdicts)
        var system = SystemRandomNumberGenerator()
        let randomSeed = options.seed ?? system.next()
        var random = SeededRandom(seed: randomSeed)
        var rewards: [ResponseReward?] = []
        var entries: [JSONObject] = []
        for (index, item) in items.enumerated() {
            let outcome = jobOfItem[index].map { outcomes[$0] }
            let evidence = outcome.map {
                VerdictEvidence(text: $0.text, readings: $0.readings, variant: options.variant, probes: probes)
            }
            let reward: ResponseReward?
            switch options.design {
            case .random: reward = ResponseReward(randomFor: item.response, format: options.format, using: &random)
            case .ruleBased: reward = ResponseReward(ruleBasedFor: item.response, groundTruth: item.groundTruth ?? "")
            default:
                reward = try? ResponseReward(
                    design: options.design, response: item.response, reply: evidence?.reply,
                    format: options.format)
            }
            rewards.append(reward)
            entries.append(entry(index: index, item: item, reward: reward, outcome: outcome, evidence: evidence))
        }
        var groups: [JSONValue] = []
        var order: [String] = []
        var members: [String: [Int]] = [:]
        for (index, item) in items.enumerated() {
            guard let group = item.group else { continue }
            if members[group] == nil { order.append(group) }
            members[group, default: []].append(index)
        }
        for group in order {
            let indices = members[group]!
            groups.append(
                groupEntry(group, indices: indices, rewards: rewards, entries: &entries, design: options.design))
        }
        var usage = (prompt: 0, completion: 0, cached: 0)
        for outcome in outcomes {
            usage.prompt += outcome.promptTokens
            usage.completion += outcome.completionTokens
            usage.cached += outcome.cachedPromptTokens
        }
        return .object([
            "object": .string("reward"), "model": .string(modelName), "design": .string(options.design.rawValue),
            "variant": .string(options.design.usesRewardModel ? options.variant.rawValue : "none"),
            "items": .array(entries.map { .object($0) }), "groups": .array(groups),
            "usage": .object([
                "prompt_tokens": .int(usage.prompt), "completion_tokens": .int(usage.completion),
                "total_tokens": .int(usage.prompt + usage.completion),
                "prompt_tokens_details": .object(["cached_tokens": .int(usage.cached)]),
            ]),
            "seconds": .double(seconds), "timeout_ms": .int(deadline.milliseconds),
            "provenance": provenance(options, model: model, randomSeed: randomSeed),
        ])
    }

    /// Provenance.json, plus for the random design the seed its draws came from.
    private static func provenance(_ options: Options, model: ServedModel, randomSeed: UInt64) -> JSONValue {
        var object =
            Provenance.json(
                model: model, variant: options.design.usesRewardModel ? options.variant : nil,
                sampling: options.sampling, samples: 1, constrainVerdicts: options.constrainVerdicts
            ).objectValue ?? [:]
        if options.design == .random { object["random_seed"] = .int(Int(Int64(bitPattern: randomSeed))) }
        return .object(object)
    }

    /// The status of an item: whether the model judged it, and if not, why.
    static func status(reward: ResponseReward?, outcome: VerificationOutcome?) -> ItemStatus {
        guard let reward else { return .error }
        if !reward.isFormatValid { return .formatRejected }
        guard reward.design.usesRewardModel else { return .ok }
        guard let outcome else { return .error }
        if outcome.refusal != nil || outcome.reason == .cancelled { return .error }
        if outcome.reason == .timeout { return .timeout }
        guard let reply = reward.reply, reply.isOutcomeParsed else {
            return outcome.reason == .length ? .truncated : .unparseable
        }
        return .ok
    }

    private static func entry(
        index: Int, item: Item, reward: ResponseReward?, outcome: VerificationOutcome?, evidence: VerdictEvidence?
    ) -> JSONObject {
        let status = status(reward: reward, outcome: outcome)
        let judged = status.isJudged
        let offsets = TextOffsets(item.response)
        var object: JSONObject = [
            "index": .int(index), "status": .string(status.rawValue),
            "score": judged ? reward.map { .double($0.score) } ?? .null : .null,
            "spark_score": .double(reward?.score ?? 0), "mask": .bool(judged),
            "valid": .bool(reward?.isFormatValid ?? false),
            "violations": .array((reward?.format?.violations ?? []).map(violation)),
            "outcome": reward?.reply?.outcome.map { .string($0 == .yes ? "yes" : "no") } ?? .null,
            "p_yes": evidence?.yesProbability.map { .double($0) } ?? .null,
            "reply": outcome.map { .string($0.text) } ?? .null,
            "verdict_slots": VerificationOutcome.verdictSlots(outcome.map { [$0] } ?? []),
            "usage": Provenance.usage(outcome.map { [$0] } ?? []),
        ]
        if let group = item.group { object["group"] = .string(group) }
        if let error = outcome?.refusal { object["error"] = .string(error) }
        let policySteps = PolicySteps(response: item.response)
        let verdicts = reward?.reply?.stepVerdicts ?? []
        let signal = reward?.steps
        var steps: [JSONValue] = []
        for (step, span) in policySteps.spans.enumerated() {
            let bytes = offsets.utf8Range(of: span)
            var entry: JSONObject = [
                "index": .int(step), "span": .array([.int(span.lowerBound), .int(span.upperBound)]),
                "byte_span": .array([.int(bytes.lowerBound), .int(bytes.upperBound)]),
                "verdict": step < verdicts.count
                    ? .string(verdicts[step] == .correct ? "correct" : "incorrect") : .null,
                "p_correct": (evidence?.stepProbabilities).flatMap {
                    step < $0.count ? $0[step].map { .double($0) } : nil
                } ?? .null,
            ]
            if let signal, step < signal.placedRewards.count { entry["reward"] = .double(signal.placedRewards[step]) }
            steps.append(.object(entry))
        }
        object["steps"] = .array(steps)
        object["K"] = .int(policySteps.count)
        object["P"] = .int(verdicts.count)
        object["step_penalty"] = signal?.penalty.map { .string($0.rawValue) } ?? .null
        return object
    }

    private static func violation(_ violation: FormatCheck.Violation) -> JSONValue {
        switch violation {
        case .boxedCount(let count): .object(["kind": .string("boxed_count"), "count": .int(count)])
        case .answerBlockCount(let count): .object(["kind": .string("answer_block_count"), "count": .int(count)])
        case .textAfterAnswer(let offset): .object(["kind": .string("text_after_answer"), "at": .int(offset)])
        case .noSteps: .object(["kind": .string("no_steps")])
        case .stepNumbering(let expected, let found):
            .object(["kind": .string("step_numbering"), "expected": .int(expected), "found": .int(found)])
        case .answerLineCount(let count): .object(["kind": .string("answer_line_count"), "count": .int(count)])
        }
    }

    /// A group's statistics, and each member's advantages written into its entry. Members the model
    /// did not judge are left out of the statistics (their mask is false).
    private static func groupEntry(
        _ group: String, indices: [Int], rewards: [ResponseReward?], entries: inout [JSONObject], design: RewardDesign
    ) -> JSONValue {
        let judged = indices.filter { entries[$0]["mask"] == .bool(true) && rewards[$0] != nil }
        let advantages = judged.isEmpty ? nil : GroupAdvantages(rewards: judged.map { rewards[$0]!.score })
        if design.isStepLevel, !judged.isEmpty {
            let tango = TangoGroup(responses: judged.map { rewards[$0]! })
            for (position, index) in judged.enumerated() {
                let stepAdvantages = tango.stepAdvantages(of: position)
                entries[index]["step_advantages"] = .array(
                    stepAdvantages.steps.map {
                        .object([
                            "span": .array([.int($0.span.lowerBound), .int($0.span.upperBound)]),
                            "advantage": .double($0.advantage),
                        ])
                    })
                entries[index]["advantage_after_last_step"] = .double(stepAdvantages.afterLastStep)
                // The global step reward adds step advantages and masks nothing.
                if design != .globalStepReward {
                    entries[index]["selective_multipliers"] = .array(
                        tango.selectiveMultipliers(of: position).map { .double($0) })
                }
            }
        }
        var advantageOfItem: [Int: Double] = [:]
        if let advantages {
            for (position, index) in judged.enumerated() {
                entries[index]["advantage"] = .double(advantages.advantages[position])
                advantageOfItem[index] = advantages.advantages[position]
            }
        }
        return .object([
            "group": .string(group), "items": .array(indices.map { .int($0) }), "judged": .int(judged.count),
            "advantages": .array(indices.map { advantageOfItem[$0].map { .double($0) } ?? .null }),
            "mean": advantages.map { .double($0.mean) } ?? .null,
            "std": advantages.map { .double($0.standardDeviation) } ?? .null,
            "zero_variance": .bool(advantages?.isZeroVariance ?? false),
        ])
    }
}
