// The training text of the recipe's language models, made from the math worlds and the checker:
// - the base's pretraining documents: problems of both worlds with their gold solutions; arithmetic
//   facts over the numbers the worlds use, in symbols (`17 + 25 = 42`) and worked in columns in words
//   (`17 plus 25: 7 plus 5 is 12, carry 1; 1 plus 2 plus 1 is 4; so 42`, the form of a verification's
//   recomputation), so the base has seen the language and the sums before it is asked to solve or
//   judge; and reviews: several solutions, one in three with a planted error, then one of them quoted
//   step by step, so that the base learns to look hundreds of tokens back and copy what stands there,
//   wrong numbers included; and copying ledgers (CopyingLedgers);
// - the reader's documents, the verifier's start: verification documents (a problem, a student's
//   solution with errors planted densely, and the teacher's verification in the verifier's format),
//   checking drills (CheckingDrills) and facts in words. A verifier fine-tuned from a base without
//   them solved the problem again where it should quote the student's step, and copied the student's
//   result where it should compute. They are not the generator's: a generator fine-tuned from a base
//   that read them wrote 34 correct solutions of 531, as it learned from the students' wrong results
//   (docs/recipe-notebook.md);
// - the generator's SFT rows: Stage I's generator prompt, a gold solution as the completion;
// - the verifier's SFT rows, all on the verifier's world: Stage I's verifier prompt (sometimes the
//   reference-guided one) with a verification whose verdicts are the checker's; and, for the
//   meta-critique methods, the critique prompt over a verification with a verdict flipped (or not)
//   with the critique as completion, and the merge prompt with the checker-true verification.
// Pretraining documents are JSONL lines `{"text"}`; SFT rows become `{"prompt", "completion"}` lines,
// and their text joins the tokenizer's data, so that the prompts' fixed wording gets tokens of its own.

import Domain
import JSON
import Reward
import Synthesis

/// One supervised example.
public struct SFTRow: Sendable, Equatable {
    public let prompt: String
    public let completion: String

    public init(prompt: String, completion: String) {
        self.prompt = prompt
        self.completion = completion
    }

    public var jsonLine: String {
        JSONValue.object(["prompt": .string(prompt), "completion": .string(completion)]).serialized
    }

    /// The row as a tokenizer-training document.
    public var textLine: String { WorldCorpus.textLine(prompt + "\n" + completion) }
}

public enum WorldCorpus {
    public static func pretrainingLines(problemCount: Int, factCount: Int, ledgerCount: Int, seed: UInt64) throws
        -> [String]
    {
        var documents: [String] = []
        for (index, settings) in [RecipeWorlds.policy, RecipeWorlds.verifier].enumerated() {
            let generator = try ProblemGenerator(settings: settings)
            for problem in generator.problems(count: problemCount / 2, seed: seed &+ UInt64(index)) {
                documents.append("Problem: \(problem.text)\n\nSolution:\n\(SolutionWriter.solution(of: problem))")
            }
            var random = WorldRandom(seed: seed &+ 13 &+ UInt64(index))
            let reviewed = generator.problems(count: problemCount / 2, seed: seed &+ 17 &+ UInt64(index))
            var start = 0
            while start < reviewed.count {
                let count = random.draw(reviewSolutionCounts)
                documents.append(review(Array(reviewed[start..<min(start + count, reviewed.count)]), random: &random))
                start += count
            }
        }
        var random = WorldRandom(seed: seed &+ 7)
        documents += facts(count: factCount, spoken: false, random: &random)
        documents += facts(count: factCount, spoken: true, random: &random)
        documents += CopyingLedgers.ledgers(count: ledgerCount, seed: seed &+ 31)
        return interleaved(documents, random: &random)
    }

    /// The copying ledgers of `pretrainingLines` with the same arguments, alone: the verifier's lineage
    /// practises on them after the base (RecipeScale.copyingSteps).
    public static func ledgerLines(ledgerCount: Int, seed: UInt64) -> [String] {
        CopyingLedgers.ledgers(count: ledgerCount, seed: seed &+ 31).map(textLine)
    }

    public static func readingLines(verificationCount: Int, drillCount: Int, factCount: Int, seed: UInt64) throws
        -> [String]
    {
        var documents: [String] = []
        var random = WorldRandom(seed: seed &+ 29)
        for (index, settings) in [RecipeWorlds.policy, RecipeWorlds.verifier].enumerated() {
            let verified = try ProblemGenerator(settings: settings).problems(
                count: verificationCount / 2, seed: seed &+ 23 &+ UInt64(index))
            documents += verified.map { verificationDocument($0, random: &random) }
        }
        documents += CheckingDrills.drills(count: drillCount, seed: seed &+ 19)
        documents += facts(count: factCount, spoken: true, random: &random)
        return interleaved(documents, random: &random)
    }

    /// The checking drills of `readingLines` with the same arguments, alone: the reader phase starts on
    /// them (RecipeScale.readerDrillSteps).
    public static func drillLines(drillCount: Int, seed: UInt64) -> [String] {
        CheckingDrills.drills(count: drillCount, seed: seed &+ 19).map(textLine)
    }

    private static func facts(count: Int, spoken: Bool, random: inout WorldRandom) -> [String] {
        let factsPerDocument = 16
        return (0..<max(1, count / factsPerDocument)).map { _ in
            (0..<factsPerDocument).map { _ in
                let fact = ArithmeticFact.random(&random)
                return spoken ? fact.workedText : fact.text
            }.joined(separator: "\n")
        }
    }

    /// Shuffled, so that the held-out share and every batch see every kind, as JSONL lines.
    private static func interleaved(_ documents: [String], random: inout WorldRandom) -> [String] {
        var shuffled = documents
        shuffle(&shuffled, random: &random)
        return shuffled.map(textLine)
    }

    /// A problem, a solution with an error planted at each step at even odds (two in three a wrong
    /// result, one in three a wrong number, each carried into the later steps as a solver would), and
    /// its verification with the checker's verdicts, laid out as the worked examples of Stage I's
    /// verifier prompt are (`Student Solution:`, then `Teacher Verification:`). Wrong results are planted densely because a carried error leaves the later
    /// steps' arithmetic right: with one step in six slipping, the recomputation matched the claim so
    /// often that the verifier learned to copy the claim into it (docs/recipe-notebook.md).
    static func verificationDocument(_ problem: WorldProblem, random: inout WorldRandom) -> String {
        var solution = SolutionWriter.solution(of: problem)
        // A planting whose carried error needs an inexact division is drawn again.
        for _ in 0..<8 {
            var planted: [Int: PlantedError] = [:]
            for index in problem.plan.indices where random.draw(0...1) == 0 {
                planted[index] = random.draw(0...2) == 0 ? .quantity : .arithmetic
            }
            if let corrupted = SolutionCorruptor.solution(of: problem, planting: planted, random: &random) {
                solution = corrupted
                break
            }
        }
        let judgement = StepChecker(problem: problem).judge(solution)
        return "Problem: \(problem.text)\n\nStudent Solution:\n\(solution)\n\nTeacher Verification:\n"
            + VerificationWriter.verification(of: judgement, for: problem)
    }

    /// Solutions in a review document: with about 150 tokens each, the quoted one stands up to about
    /// 1000 tokens back, as the solution a verifier grades stands behind Stage I's long prompt.
    static let reviewSolutionCounts = 2...7

    /// `problems`' solutions (one in three with a planted error), then one of them quoted step by step.
    static func review(_ problems: [WorldProblem], random: inout WorldRandom) -> String {
        var solutions: [[String]] = []
        var parts: [String] = []
        for (index, problem) in problems.enumerated() {
            var solution = SolutionWriter.solution(of: problem)
            if random.draw(0...2) == 0 {
                let kind = random.pick(PlantedError.allCases)
                let step = random.draw(0...(problem.plan.count - 1))
                solution =
                    SolutionCorruptor.solution(of: problem, plantingAt: step, kind: kind, random: &random) ?? solution
            }
            solutions.append(SolutionText(parsing: solution).steps)
            parts.append("Problem \(index + 1): \(problem.text)\n\nSolution \(index + 1):\n\(solution)")
        }
        let quoted = random.draw(0...(problems.count - 1))
        let steps = solutions[quoted].enumerated().map { "Step \($0.offset + 1): \($0.element)" }
        parts.append("Solution \(quoted + 1), quoted:\n" + steps.joined(separator: "\n"))
        return parts.joined(separator: "\n\n")
    }

    /// A pretraining JSONL line.
    public static func textLine(_ text: String) -> String { JSONValue.object(["text": .string(text)]).serialized }

    public static func generatorRows(problemCount: Int, seed: UInt64) throws -> [SFTRow] {
        try ProblemGenerator(settings: RecipeWorlds.policy).problems(count: problemCount, seed: seed).map {
            SFTRow(prompt: StageOnePrompts.generator(problem: $0.text), completion: SolutionWriter.solution(of: $0))
        }
    }

    /// The verifier's rows: a third of the solutions correct, a third with a planted wrong result, a
    /// third with a planted wrong number; one row in ten is reference-guided, and one in five each a
    /// critique and a merge. A third of the prompts show the solution as `/v1/verify` lays out a list of
    /// steps (RewardModelInput.stepList: blank lines between them, no answer line), the others as the
    /// policy writes it: a lineage that had only read the latter misquoted and skipped steps in the former
    /// (F1 31.8 against 77.7, docs/recipe-notebook.md).
    public static func verifierRows(problemCount: Int, seed: UInt64) throws -> [SFTRow] {
        let generator = try ProblemGenerator(settings: RecipeWorlds.verifier)
        var random = WorldRandom(seed: seed &+ 11)
        var rows: [SFTRow] = []
        for problem in generator.problems(count: problemCount, seed: seed) {
            let written = solution(of: problem, random: &random)
            let judgement = StepChecker(problem: problem).judge(written)
            let solution =
                random.draw(0...2) == 0 ? RewardModelInput.stepList(SolutionText(parsing: written).steps) : written
            let truth = judgement.stepCorrectness
            switch random.draw(0...9) {
            case 0:
                rows.append(
                    SFTRow(
                        prompt: StageOnePrompts.verifier(
                            problem: problem.text, solution: solution, expectedAnswer: String(problem.answer)),
                        completion: VerificationWriter.verification(of: judgement, for: problem)))
            case 1, 2:
                let verdicts = noisy(truth, random: &random)
                let verification = VerificationWriter.verification(of: judgement, for: problem, verdicts: verdicts)
                rows.append(
                    SFTRow(
                        prompt: StageOnePrompts.critique(
                            problem: problem.text, solution: solution, verification: verification),
                        completion: VerificationWriter.critique(of: judgement, verdicts: verdicts)))
            case 3, 4:
                let verdicts = noisy(truth, random: &random)
                rows.append(
                    SFTRow(
                        prompt: StageOnePrompts.merge(
                            problem: problem.text, solution: solution,
                            verification: VerificationWriter.verification(
                                of: judgement, for: problem, verdicts: verdicts),
                            critique: VerificationWriter.critique(of: judgement, verdicts: verdicts)),
                        completion: VerificationWriter.verification(of: judgement, for: problem)))
            default:
                rows.append(
                    SFTRow(
                        prompt: StageOnePrompts.verifier(problem: problem.text, solution: solution),
                        completion: VerificationWriter.verification(of: judgement, for: problem)))
            }
        }
        return rows
    }

    private static func solution(of problem: WorldProblem, random: inout WorldRandom) -> String {
        let choice = random.draw(0...2)
        guard choice > 0 else { return SolutionWriter.solution(of: problem) }
        let kind: PlantedError = choice == 1 ? .arithmetic : .quantity
        let step = random.draw(0...(problem.plan.count - 1))
        return SolutionCorruptor.solution(of: problem, plantingAt: step, kind: kind, random: &random)
            ?? SolutionCorruptor.solution(
                of: problem, plantingAt: problem.plan.count - 1, kind: .arithmetic, random: &random)!
    }

    /// The verdicts with one flipped, two times in three.
    private static func noisy(_ verdicts: [Bool], random: inout WorldRandom) -> [Bool] {
        var flipped = verdicts
        if random.draw(0...2) > 0 {
            let index = random.draw(0...(verdicts.count - 1))
            flipped[index].toggle()
        }
        return flipped
    }

    private static func shuffle(_ elements: inout [String], random: inout WorldRandom) {
        guard elements.count > 1 else { return }
        for index in stride(from: elements.count - 1, to: 0, by: -1) {
            elements.swapAt(index, random.draw(0...index))
        }
    }
}
