import Foundation
import JSON
import Reward
import Synthesis
import Testing

/// Stage I against a scripted OpenAI-compatible server whose every reply is known in advance.
@Suite struct AggregationTests {
    typealias Scenario = AggregationScenario

    static func temporaryDirectory() -> String {
        NSTemporaryDirectory() + "synth-\(UUID().uuidString)"
    }

    static func run(
        _ endpoint: ScriptedEndpoint, directory: String, problems: [SynthesisProblem] = [Scenario.problem],
        methods: [SynthesisMethod] = SynthesisMethod.allCases, retries: Int = 6, stepListRows: Bool = false
    ) throws -> StageOneOutcome {
        var configuration = StageOneConfiguration(outputDirectory: directory)
        configuration.stepListRows = stepListRows
        configuration.solutionsPerProblem = 4
        configuration.verificationsPerSolution = 4
        configuration.methods = methods
        var options = EndpointBackend.Options()
        options.apiKey = "k"
        options.concurrency = 3
        options.backoffSeconds = 0.01
        options.retries = retries
        let backend = try EndpointBackend(url: endpoint.url, model: "scripted", options: options)
        return try StageOne(configuration: configuration, generator: backend, verifier: backend).run(problems)
    }

    static func lines(_ path: String) throws -> [JSONObject] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONValue.parse(Array($0.utf8)).objectValue)
        }
    }

    /// (first error, outcome, has a PRM-CoT target) per solution.
    func summary(_ labels: [MethodLabel]) -> [String] {
        labels.map { label in
            let error = label.firstError.map(String.init) ?? "-"
            return "\(error) \(label.outcome?.rawValue ?? "-") \(label.target == nil ? "no-target" : "target")"
        }
    }

    @Test func everyMethodLabelsAsScripted() throws {
        let endpoint = try ScriptedEndpoint(replies: Scenario.replies(seed: 0))
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outcome = try Self.run(endpoint, directory: directory)
        #expect(outcome.solutions.map(\.steps.count) == [3, 3, 3, 3])
        let labels = outcome.labels
        #expect(summary(labels[.single]!) == ["1 no target", "1 no target", "1 no target", "2 no target"])
        #expect(summary(labels[.outcome]!) == ["-1 yes target", "1 no target", "1 no target", "2 no target"])
        #expect(labels[.outcome]!.map(\.isOutcomeTie) == [false, true, false, false])
        #expect(labels[.outcome]![0].target == Scenario.verifications[0][1])
        #expect(summary(labels[.step]!) == ["-1 yes target", "1 no target", "1 no target", "-1 yes no-target"])
        #expect(labels[.step]!.map(\.tiedSteps) == [0, 0, 1, 0])
        #expect(labels[.step]![0].target == Scenario.verifications[0][1])
        #expect(labels[.step]![2].target == Scenario.verifications[2][0])
        // The merge of solution 3 has two step verdicts for three steps: its steps are not used.
        #expect(summary(labels[.critique]!) == ["-1 yes target", "1 no target", "1 no target", "- yes no-target"])
        #expect(
            summary(labels[.critiqueOutcome]!) == ["-1 yes target", "2 no target", "-1 yes target", "-1 yes target"])
        #expect(summary(labels[.reference]!) == ["-1 yes target", "1 no target", "2 no target", "-1 yes target"])

        // What each call was shown.
        let received = endpoint.received
        #expect(received.count == 4 + 16 + 16 + 4 * 2 * 2)
        #expect(received.allSatisfy { $0.model == "scripted" && $0.authorization == "Bearer k" })
        func prompt(_ place: String) -> String {
            let seed = ModelCall.seed(run: 0, place: place)
            return received.first { $0.seed == seed }!.prompt
        }
        #expect(
            prompt("verify/0/2/1").hasSuffix(
                "Question: \(Scenario.problem.text) \n\nStudent Solution: \(Scenario.solutions[2])\n\nTeacher Verification:"
            ))
        #expect(!prompt("verify/0/2/1").contains("Expected Answer"))
        #expect(prompt("reference/0/2/1").contains("Expected Answer: 27\n\nTeacher Verification:"))
        // The single critique reads verification 0, the outcome critique the outcome pick (1 for solution 0).
        #expect(prompt("critique/critique/0/0").contains(Scenario.verifications[0][0]))
        #expect(prompt("critique/critique-outcome/0/0").contains(Scenario.verifications[0][1]))
        #expect(prompt("merge/critique-outcome/0/0").contains(Scenario.critique("critique-outcome", 0)))
        #expect(prompt("generate/0/0").contains("Problem: \(Scenario.problem.text)\n\n"))
    }

    @Test func theFilesCarryTheLabelsInSparksFormats() throws {
        let endpoint = try ScriptedEndpoint(replies: Scenario.replies(seed: 0))
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try Self.run(endpoint, directory: directory)
        let step = directory + "/step/"
        let prm = try Self.lines(step + "prm.jsonl")
        #expect(prm.count == 4)
        let prmPrompt =
            "Problem: \(Scenario.problem.text)\n\nStudent Solution: \(Scenario.solutions[0])\n\nLet's verify step by step."
        #expect(prm[0]["prompt"] == .string(prmPrompt))
        let completion = try #require(prm[1]["completion"]?.stringValue)
        #expect(
            completion
                == "Step 1: Correct\nStep 2: Incorrect\nStep 3: Incorrect\nVerification: Is the answer correct (Yes/No)? No"
        )
        let reread = RewardModelReply(parsing: completion, variant: .prm)
        #expect(reread.stepVerdicts == [.correct, .incorrect, .incorrect] && reread.outcome == .no)

        let orm = try Self.lines(step + "orm.jsonl")
        #expect(orm.map { $0["completion"] } == [.string("Yes"), .string("No"), .string("No"), .string("Yes")])
        #expect(
            orm[0]["prompt"]
                == .string(
                    "Problem: \(Scenario.problem.text)\n\nSolution: \(Scenario.solutions[0])\n\nIs the answer correct (Yes/No)?"
                ))
        let prmCoT = try Self.lines(step + "prm_cot.jsonl")
        #expect(
            prmCoT.map { $0["completion"] } == [0, 1, 2].map { .string(Scenario.verifications[$0][$0 == 0 ? 1 : 0]) })
        let trl = try Self.lines(step + "trl.jsonl")
        #expect(trl[2]["prompt"] == .string(Scenario.problem.text))
        #expect(trl[2]["completions"]?.arrayValue?.count == 3)
        #expect(trl[2]["labels"] == .array([.bool(true), .bool(false), .bool(true)]))
        let labels = try Self.lines(step + "labels.jsonl")
        #expect(labels.map { $0["first_error"] } == [.int(-1), .int(1), .int(1), .int(-1)])
        #expect(labels[1]["step_labels"] == .array([.string("correct"), .string("incorrect"), .string("incorrect")]))
        #expect(try Self.lines(directory + "/critique/trl.jsonl").count == 3)
        #expect(try Self.lines(directory + "/solutions.jsonl").count == 4)
        // 16 verifications, 16 reference-guided ones, and a critique and a merge per solution and method.
        #expect(try Self.lines(directory + "/verifications.jsonl").count == 16 + 16 + 16)

        let stats = try #require(
            try JSONValue.parse(Array(String(contentsOfFile: directory + "/stats.json", encoding: .utf8).utf8))
                .objectValue)
        let verifications = try #require(stats["verifications"]?.objectValue)
        #expect(verifications["count"] == .int(16) && verifications["step_count_mismatch"] == .int(2))
        #expect(verifications["outcome_unparseable"] == .int(0))
        let methods = try #require(stats["methods"]?.objectValue)
        #expect(methods["outcome"]?.objectValue?["outcome_ties"] == .int(1))
        #expect(methods["step"]?.objectValue?["tied_steps"] == .int(1))
        #expect(methods["step"]?.objectValue?["prm_cot_rows"] == .int(3))
        // Outcome margins 2/4, 0, 2/4, 2/4.
        #expect(methods["outcome"]?.objectValue?["mean_outcome_margin"] == .double(0.375))
        // First errors: single 1, 1, 1, 2 against step -1, 1, 1, -1.
        #expect(stats["agreement"]?.objectValue?["single~step"]?.objectValue?["first_error"] == .double(0.5))
        #expect(stats["ground_truth"] == nil)
    }

    @Test func stepListRowsShowEveryOtherSolutionAsTheVerifyRouteDoes() throws {
        let endpoint = try ScriptedEndpoint(replies: Scenario.replies(seed: 0))
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try Self.run(endpoint, directory: directory, stepListRows: true)
        let shown = [
            Scenario.solutions[0],
            "Step 1: The bags hold 3 × 4 = 12 apples.\n\nStep 2: Mia then has 20 + 12 = 30 apples.\n\nStep 3: After selling, 30 - 5 = 25.",
            Scenario.solutions[2],
            "Step 1: The bags hold 3 + 4 = 7 apples.\n\nStep 2: Mia then has 20 + 7 = 27 apples.\n\nStep 3: She has 27 apples.",
        ]
        let single = directory + "/single/"
        #expect(
            try Self.lines(single + "orm.jsonl").map(\.["prompt"])
                == shown.map { .string(RewardModelVariant.orm.prompt(problem: Scenario.problem.text, solution: $0)) })
        #expect(
            try Self.lines(single + "prm.jsonl").map(\.["prompt"])
                == shown.map { .string(RewardModelVariant.prm.prompt(problem: Scenario.problem.text, solution: $0)) })
        let prmCoT = try Self.lines(directory + "/step/prm_cot.jsonl")
        #expect(
            prmCoT[1]["prompt"]
                == .string(RewardModelVariant.prmCoT.prompt(problem: Scenario.problem.text, solution: shown[1])))
        // What the policy wrote stays as it was where it is the data itself.
        #expect(
            try Self.lines(directory + "/solutions.jsonl").map(\.["solution"]) == Scenario.solutions.map { .string($0) }
        )
        #expect(try Self.lines(single + "trl.jsonl")[1]["completions"]?.arrayValue?.count == 3)
    }

    @Test func referenceFreeMethodsNeverReadTheAnswer() throws {
        let methods = SynthesisMethod.allCases.filter { $0 != .reference }
        let withAnswer = Self.temporaryDirectory()
        let withoutAnswer = Self.temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(atPath: withAnswer)
            try? FileManager.default.removeItem(atPath: withoutAnswer)
        }
        let first = try ScriptedEndpoint(replies: Scenario.replies(seed: 0))
        let answered = try Self.run(first, directory: withAnswer, methods: SynthesisMethod.allCases)
        let second = try ScriptedEndpoint(replies: Scenario.replies(seed: 0))
        let unanswered = try Self.run(second, directory: withoutAnswer, problems: [Scenario.problem.withoutAnswer])
        for method in methods {
            #expect(answered.labels[method] == unanswered.labels[method], "\(method)")
            for file in ["labels", "orm", "prm", "prm_cot", "trl"] {
                let path = "/\(method.rawValue)/\(file).jsonl"
                #expect(
                    try String(contentsOfFile: withAnswer + path, encoding: .utf8)
                        == String(contentsOfFile: withoutAnswer + path, encoding: .utf8), "\(path)")
            }
        }
        // Without an answer the reference-guided method asks nothing and labels nothing.
        #expect(unanswered.labels[.reference]!.allSatisfy { $0.stepVerdicts == nil && $0.outcome == nil })
        let referencePrompts = first.received.filter { $0.prompt.contains("Expected Answer: 27") }
        #expect(referencePrompts.count == 16)
        #expect(
            Set(second.received.map(\.prompt))
                == Set(first.received.map(\.prompt)).subtracting(referencePrompts.map(\.prompt)))
    }
}
