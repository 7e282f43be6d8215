import Foundation
import HTTPClient
import JSON
import Reward
import Testing

@testable import Server

@Suite struct RewardRouteTests {
    static func reply(_ verdicts: [Bool], final: String) -> String {
        verdicts.enumerated().map { step, correct in
            "## Step \(step + 1): Check\nLooks \(correct ? "fine" : "wrong").\n**This step is \(correct ? "correct" : "incorrect").**\n\n"
        }.joined() + "**Verification: Is the answer correct (Yes/No)? \(final)**"
    }

    static let server = try! InProcessServer(replies: [
        ("Problem: Right", reply([true, true, true, true], final: "Yes")),
        ("Problem: Wrong", reply([true, true, false, false], final: "No")),
        ("Problem: Short", reply([true, true, true], final: "Yes")),
        ("", "no idea"),
    ])

    /// A response in SPARK's policy format with `steps` steps.
    static func response(steps: Int, answer: String = "\\boxed{5}", tail: String = "") -> String {
        "<think>\n" + (1...steps).map { "<step>Step \($0): work</step>\n" }.joined()
            + "</think>\n<answer>\(answer)</answer>\(tail)"
    }

    func reward(_ items: [JSONValue], design: String, extra: JSONObject = [:]) throws -> (
        items: [JSONObject], groups: [JSONObject]
    ) {
        var body: JSONObject = ["items": .array(items), "design": .string(design)]
        for (key, value) in extra.pairs { body[key] = value }
        let response = try Self.server.post("/v1/reward", .object(body))
        return (
            try #require(response["items"]?.arrayValue).map { try #require($0.objectValue) },
            try #require(response["groups"]?.arrayValue).map { try #require($0.objectValue) }
        )
    }

    func item(_ problem: String, _ response: String, group: String? = nil) -> JSONValue {
        var object: JSONObject = ["problem": .string(problem), "response": .string(response)]
        if let group { object["group"] = .string(group) }
        return .object(object)
    }

    @Test func theFormatGateRefusesBeforeTheModelIsAsked() throws {
        let (items, _) = try reward(
            [
                item("Right", Self.response(steps: 4)),
                item("Right", Self.response(steps: 4, answer: "\\boxed{5} or \\boxed{6}")),
                item("Right", Self.response(steps: 4, tail: "\nAlso, 2 + 2 = 4.")),
            ], design: "process_aware_outcome")
        #expect(items[0]["status"] == .string("ok"))
        #expect(items[0]["score"] == .double(1))
        #expect(items[0]["mask"] == .bool(true))
        #expect(items[1]["status"] == .string("format_rejected"))
        #expect(items[1]["score"] == .double(0))
        #expect(items[1]["reply"] == .null, "the model must not be asked")
        #expect(items[1]["violations"] == .array([.object(["kind": .string("boxed_count"), "count": .int(2)])]))
        #expect(items[2]["status"] == .string("format_rejected"))
        #expect(items[2]["violations"]?.arrayValue?.first?.objectValue?["kind"] == .string("text_after_answer"))
    }

    @Test func theStepsFormatGatesNumberedSolutions() throws {
        let solution = "Step 1: 2 + 3 = 5\nStep 2: So it is 5.\nAnswer: 5"
        let (items, _) = try reward(
            [item("Right", solution), item("Right", solution + "\nAnd 1 + 1 = 2."), item("Right", "It is 5.")],
            design: "process_aware_outcome", extra: ["format": .string("steps")])
        #expect(items.map { $0["status"] } == [.string("ok"), .string("format_rejected"), .string("format_rejected")])
        #expect(items[0]["score"] == .double(1))
        #expect(
            items[1]["violations"]
                == .array([.object(["kind": .string("text_after_answer"), "at": .int(solution.count + 1)])])
        )
        #expect(
            items[2]["violations"]
                == .array([
                    .object(["kind": .string("no_steps")]),
                    .object(["kind": .string("answer_line_count"), "count": .int(0)]),
                ]))
    }

    @Test func theHybridMixesStepShareAndOutcome() throws {
        let (items, _) = try reward([item("Wrong", Self.response(steps: 4))], design: "step_augmented_hybrid")
        // k/n = 2/4 correct markers, y = 0: 0.5 · 0.4 + 0 · 0.6.
        #expect(items[0]["score"] == .double(0.5 * 0.4))
        #expect(items[0]["P"] == .int(4))
        #expect(items[0]["K"] == .int(4))
    }

    @Test func aGroupGetsGRPOAdvantages() throws {
        let (items, groups) = try reward(
            [
                item("Right", Self.response(steps: 4), group: "g"), item("Wrong", Self.response(steps: 4), group: "g"),
                item("Right", Self.response(steps: 4), group: "g"), item("Wrong", Self.response(steps: 4), group: "g"),
            ], design: "process_aware_outcome")
        // Rewards 1, 0, 1, 0: mean 0.5; torch.std (n − 1) = sqrt(4 · 0.25 / 3) = 0.5774.
        let std = (1.0 / 3.0).squareRoot()
        #expect(groups[0]["mean"] == .double(0.5))
        #expect(abs((groups[0]["std"]?.doubleValue ?? 0) - std) < 1e-12)
        #expect(abs((items[0]["advantage"]?.doubleValue ?? 0) - 0.5 / (std + 1e-6)) < 1e-9)
        #expect(abs((items[1]["advantage"]?.doubleValue ?? 0) + 0.5 / (std + 1e-6)) < 1e-9)
        #expect(groups[0]["zero_variance"] == .bool(false))
    }

    @Test func selectiveAdvantageBoundsAndStepSignals() throws {
        let (items, _) = try reward(
            [item("Short", Self.response(steps: 3), group: "s"), item("Right", Self.response(steps: 4), group: "s")],
            design: "selective_advantage")
        // Three steps are too few for selective advantage: the outcome is forced to 0.
        #expect(items[0]["score"] == .double(0))
        #expect(items[0]["step_penalty"] == .string("too_few_steps"))
        #expect(items[1]["score"] == .double(1))
        let steps = try #require(items[1]["steps"]?.arrayValue)
        #expect(steps.count == 4)
        #expect(steps.allSatisfy { $0.objectValue?["reward"] == .double(0.25) })
        #expect(items[1]["selective_multipliers"]?.arrayValue?.count == 4)
    }

    /// Every design, grouped: each answers (no design may trip a check meant for another), and the
    /// step-level ones give step advantages, with selective multipliers only where they mask.
    @Test(arguments: RewardDesign.allCases) func everyDesignAnswersAGroup(design: RewardDesign) throws {
        var members = [
            item("Right", Self.response(steps: 4), group: "g"), item("Wrong", Self.response(steps: 4), group: "g"),
        ]
        if design == .ruleBased {
            members = members.map {
                var object = $0.objectValue!
                object["ground_truth"] = .string("5")
                return .object(object)
            }
        }
        let (items, groups) = try reward(members, design: design.rawValue)
        #expect(items.count == 2 && groups.count == 1)
        #expect((items[0]["step_advantages"]?.arrayValue?.count == 4) == design.isStepLevel)
        let masks = design == .selectiveAdvantage || design == .selectiveAdvantageHalfDiscount
        #expect((items[0]["selective_multipliers"] != nil) == masks)
    }

    @Test func anUnparseableReplyIsMaskedNotAFakeZero() throws {
        let (items, groups) = try reward(
            [item("Other", Self.response(steps: 4), group: "u"), item("Right", Self.response(steps: 4), group: "u")],
            design: "process_aware_outcome")
        #expect(items[0]["status"] == .string("unparseable"))
        #expect(items[0]["score"] == .null)
        #expect(items[0]["mask"] == .bool(false))
        #expect(items[0]["spark_score"] == .double(0))
        #expect(items[0]["advantage"] == nil)
        #expect(groups[0]["judged"] == .int(1))
    }

    @Test func ruleBasedNeedsNoModel() throws {
        var right = item("Anything", Self.response(steps: 2, answer: "\\boxed{\\frac{10}{2}}")).objectValue!
        right["ground_truth"] = .string("5")
        let (items, _) = try reward([.object(right)], design: "rule_based")
        #expect(items[0]["score"] == .double(1))
        #expect(items[0]["reply"] == .null)
    }
}

/// /get_reward as OpenRLHF's remote reward client calls it.
@Suite struct OpenRLHFRouteTests {
    var server: InProcessServer { RewardRouteTests.server }

    @Test func emptyShardsGetEmptyLists() throws {
        let body = try server.post(
            "/get_reward", .object(["query": .array([]), "prompts": .array([]), "labels": .array([])]))
        #expect(body["rewards"] == .array([]))
        #expect(body["scores"] == .array([]))
    }

    @Test func aTemplatedQueryIsCutIntoProblemAndResponse() throws {
        let prompt = "<|im_start|>user\nRight: what is 2 + 3?<|im_end|>\n<|im_start|>assistant\n"
        let response = RewardRouteTests.response(steps: 4)
        let bad = RewardRouteTests.response(steps: 4, tail: " and more")
        let body = try server.post(
            "/get_reward",
            .object([
                "query": .array([.string(prompt + response + "<|im_end|>"), .string(prompt + bad + "<|im_end|>")]),
                "prompts": .array([.string(prompt), .string(prompt)]), "labels": .array([.null, .null]),
            ]))
        #expect(body["rewards"] == .array([.double(1), .double(0)]))
        #expect(body["scores"] == .array([.double(1), .double(0)]))
        let logs = try #require(body["extra_logs"]?.objectValue)
        #expect(logs["judged"] == .array([.double(1), .double(1)]))
        #expect(logs["format_valid"] == .array([.double(1), .double(0)]))
        #expect(logs["num_steps"] == .array([.double(4), .double(4)]))
        #expect(logs["status_ok"] == .array([.double(1), .double(0)]))
        #expect(logs["status_format_rejected"] == .array([.double(0), .double(1)]))
        #expect(logs["status_timeout"] == .array([.double(0), .double(0)]))
        // Numbers only: OpenRLHF turns each into a tensor.
        for (_, value) in logs.pairs { #expect(value.arrayValue?.allSatisfy { $0.doubleValue != nil } == true) }
    }

    @Test func theDesignComesFromTheURL() throws {
        let prompt = "<|im_start|>user\nWrong: what is 2 + 3?<|im_end|>\n<|im_start|>assistant\n"
        let response = try HTTPConnection(port: server.http.port).send(
            "POST", "/get_reward?design=step_augmented_hybrid",
            body: Array(
                JSONValue.object([
                    "query": .array([.string(prompt + RewardRouteTests.response(steps: 4))]),
                    "prompts": .array([.string(prompt)]),
                ]).serialized.utf8))
        let body = try #require(try JSONValue.parse(response.body).objectValue)
        #expect(body["rewards"] == .array([.double(0.5 * 0.4)]))
    }

    @Test func problemAndResponseExtraction() {
        #expect(
            OpenRLHFRoute.problem(from: "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ?<|im_end|>\n") == "Q?")
        #expect(OpenRLHFRoute.problem(from: "plain question") == "plain question")
        #expect(OpenRLHFRoute.response(from: "P" + "answer<|im_end|>\n", prompt: "P") == "answer")
        #expect(OpenRLHFRoute.response(from: "<|im_start|>assistant\nA<|endoftext|>", prompt: "") == "A")
    }
}

/// /classify and /pooling as clients of discriminative reward models call them.
@Suite struct ScoringRouteTests {
    var server: InProcessServer { RewardRouteTests.server }
    let conversation =
        "<|im_start|>user\nRight: what is 2 + 3?<|im_end|>\n<|im_start|>assistant\n"
        + RewardRouteTests.response(steps: 4) + "<|im_end|>"

    @Test func classifyGivesTheOutcomeProbabilities() throws {
        let body = try server.post("/classify", .object(["input": .array([.string(conversation)])]))
        let entry = try #require(body["data"]?.arrayValue?.first?.objectValue)
        #expect(entry["label"] == .string("yes"))
        let probs = try #require(entry["probs"]?.arrayValue).compactMap(\.doubleValue)
        #expect(abs(probs[0] - 0.1) < 1e-4 && abs(probs[1] - 0.9) < 1e-4)
        #expect(entry["num_classes"] == .int(2))
    }

    @Test func poolingGivesAPairPerStep() throws {
        let body = try server.post("/pooling", .object(["input": .string(conversation)]))
        let entry = try #require(body["data"]?.arrayValue?.first?.objectValue)
        let pairs = try #require(entry["data"]?.arrayValue).map { $0.arrayValue!.compactMap(\.doubleValue) }
        #expect(pairs.count == 4)
        for pair in pairs { #expect(abs(pair[0] - 0.25) < 1e-4 && abs(pair[1] - 0.75) < 1e-4) }
    }
}
