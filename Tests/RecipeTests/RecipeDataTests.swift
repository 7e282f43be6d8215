// The recipe's data: planted errors are found by the checker where they were planted, the written
// verifications parse (with the server's own parser) to the checker's labels and quote the steps (and
// a verifier's replies are counted by whether they quote them), the verifier's rows stay on its world,
// the copy documents repeat their equations and the checking drills correct exactly the wrong ones, the
// benchmark is balanced and prefers the generator's solutions, and the report lays every (method,
// variant) out.

import Domain
import Foundation
import JSON
import Reward
import TestSupport
import Testing

@testable import Recipe

@Suite struct RecipeDataTests {
    let problems = try! ProblemGenerator(settings: RecipeWorlds.verifier).problems(count: 60, seed: 3)

    @Test func plantedErrorsAreFirstErrorsOfTheirKind() throws {
        var random = WorldRandom(seed: 1)
        var planted = 0
        for problem in problems {
            for kind in PlantedError.allCases {
                let step = random.draw(0...(problem.plan.count - 1))
                guard let text = SolutionCorruptor.solution(of: problem, plantingAt: step, kind: kind, random: &random)
                else { continue }
                planted += 1
                let judgement = StepChecker(problem: problem).judge(text)
                #expect(judgement.firstError == step, "\(text)")
                let expected: StepError = kind == .arithmetic ? .wrongArithmetic : .wrongQuantity
                #expect(judgement.stepErrors[step] == expected, "\(text)")
                #expect(!judgement.isFinalAnswerCorrect || step < problem.plan.count - 1)
            }
        }
        // A planting whose carried error needs an inexact division fails; two in three succeed.
        #expect(planted * 3 >= problems.count * PlantedError.allCases.count * 2)
    }

    @Test func writtenVerificationsParseToTheCheckersLabels() throws {
        var random = WorldRandom(seed: 2)
        for problem in problems {
            let step = random.draw(0...(problem.plan.count - 1))
            for text in [
                SolutionWriter.solution(of: problem),
                SolutionCorruptor.solution(of: problem, plantingAt: step, kind: .arithmetic, random: &random),
                SolutionCorruptor.solution(of: problem, plantingAt: step, kind: .quantity, random: &random),
            ].compactMap(\.self) {
                let judgement = StepChecker(problem: problem).judge(text)
                let verification = VerificationWriter.verification(of: judgement, for: problem)
                let reply = RewardModelReply(parsing: verification, variant: .prmCoT)
                #expect(reply.stepVerdicts.map { $0 == .correct } == judgement.stepCorrectness)
                #expect(VerificationWriter.quotedSteps(in: verification) == SolutionText(parsing: text).steps)
                // A step is correct exactly when its claim matches what it should compute.
                let sections = verification.components(separatedBy: "## Step ").dropFirst()
                for (section, stepCorrect) in zip(sections, judgement.stepCorrectness)
                where section.contains("The step has ") {
                    let matches = section.contains("; it matches.") || section.contains(", which matches.")
                    #expect(matches == stepCorrect || section.contains(". But "), "\(section)")
                }
                let correct = judgement.firstError == -1 && judgement.isFinalAnswerCorrect
                #expect(reply.outcome == (correct ? .yes : .no))
            }
        }
    }

    /// Each section works out in columns what the step should compute, the student's expression where
    /// its numbers are right and the plan's where they are not, then compares the claim digit by digit.
    @Test func aVerificationWorksOutTheCalledForComputationThenComparesTheClaim() throws {
        var random = WorldRandom(seed: 8)
        // A problem whose second step adds to the first one's result, where both errors carry exactly.
        let (problem, misread, slipped) = try #require(
            problems.lazy.filter { $0.plan.count >= 2 && $0.plan[1].operation == .add && $0.plan[1].left == .step(0) }
                .compactMap { problem -> (WorldProblem, String, String)? in
                    guard
                        let misread = SolutionCorruptor.solution(
                            of: problem, plantingAt: 0, kind: .quantity, random: &random),
                        let slipped = SolutionCorruptor.solution(
                            of: problem, plantingAt: 1, kind: .arithmetic, random: &random)
                    else { return nil }
                    return (problem, misread, slipped)
                }.first)
        let sections = VerificationWriter.verification(of: StepChecker(problem: problem).judge(misread), for: problem)
            .components(separatedBy: "## Step ").dropFirst().map { $0.split(separator: "\n").map(String.init) }
        let written = try #require(StepArithmetic(parsing: SolutionText(parsing: misread).steps[1]).equations.first)
        let (left, right) = (Int(written.operands[0]), Int(written.operands[1]))
        let trueLeft = problem.plan[0].value
        #expect(left != trueLeft)
        // The value called for is worked out (what later steps build on), not the student's expression.
        #expect(sections[1][1].hasPrefix("The problem calls for \(trueLeft) plus \(right): "))
        #expect(sections[1][1].contains("; so \(trueLeft + right). The step has \(left + right): "))
        #expect(
            sections[1][1].hasSuffix(
                "; it does not match. It builds on a wrong result of an earlier step."))
        #expect(sections[1][2] == "**This step is incorrect.**")

        let slip = VerificationWriter.verification(of: StepChecker(problem: problem).judge(slipped), for: problem)
            .components(separatedBy: "## Step ").dropFirst().map { $0.split(separator: "\n").map(String.init) }
        let claimed = try #require(StepArithmetic(parsing: SolutionText(parsing: slipped).steps[1]).equations.first)
        let spoken = "\(Int(claimed.operands[0])) plus \(Int(claimed.operands[1]))"
        #expect(slip[0][1].hasSuffix("; it matches. These are the right numbers for this step."))
        #expect(slip[0][2] == "**This step is correct.**")
        #expect(slip[1][1].hasPrefix("The problem calls for \(spoken): "))
        #expect(slip[1][1].contains("; so \(problem.plan[1].value). The step has \(Int(claimed.claimed)): "))
        #expect(slip[1][1].hasSuffix("; it does not match. The arithmetic is wrong."))
    }

    /// Digit by digit from the ones up, as the result was worked out; `none` where a number is shorter.
    @Test func theClaimIsComparedDigitByDigit() {
        let examples = [
            ("34", "36", "34: 6 and 4 differ, 3 and 3 agree; it does not match."),
            ("60", "70", "60: 0 and 0 agree, 7 and 6 differ; it does not match."),
            ("70", "70", "70: 0 and 0 agree, 7 and 7 agree; it matches."),
            ("17", "7", "17: 7 and 7 agree, none and 1 differ; it does not match."),
            ("5", "105", "5: 5 and 5 agree, 0 and none differ, 1 and none differ; it does not match."),
            ("12.5", "12.5", "12.5, which matches."),
            ("12", "undefined", "12, which does not match."),
        ]
        for (claimed, result, expected) in examples {
            #expect(
                VerificationWriter.check("Recomputing:", worked: "w", result: result, claimed: claimed)
                    == "Recomputing: w. The step has \(expected)")
        }
    }

    /// A verification that quotes the wrong step as written counts as read; one that writes the gold
    /// solution's step there (the problem solved again) does not, though it quotes the other steps.
    @Test func readingCountsTheFirstWrongStepQuotedAsWritten() throws {
        var random = WorldRandom(seed: 5)
        let problem = try #require(problems.first { $0.plan.count >= 3 })
        let wrong = try #require(
            SolutionCorruptor.solution(of: problem, plantingAt: 1, kind: .arithmetic, random: &random))
        let steps = SolutionText(parsing: wrong).steps
        let checker = StepChecker(problem: problem)
        let read = VerificationWriter.verification(of: checker.judge(wrong), for: problem)
        let solvedAgain = VerificationWriter.verification(
            of: checker.judge(SolutionWriter.solution(of: problem)), for: problem)
        var reading = VerificationReading()
        reading.add(reply: read, steps: steps, firstError: 1)
        reading.add(reply: solvedAgain, steps: steps, firstError: 1)
        reading.add(reply: "no sections", steps: steps, firstError: 1)
        reading.add(reply: read, steps: steps, firstError: -1)
        #expect(reading.replies == 4 && reading.erroneous == 3)
        #expect(reading.quotedEveryStep == 2 && reading.quotedFirstError == 1)
        #expect(VerificationWriter.quotedSteps(in: solvedAgain)[0] == steps[0])
    }

    @Test func aNoisyVerificationCarriesItsVerdictsAndTheCritiqueNamesTheFlips() throws {
        let problem = problems[0]
        let judgement = StepChecker(problem: problem).judge(SolutionWriter.solution(of: problem))
        var verdicts = judgement.stepCorrectness
        verdicts[0] = false
        let reply = RewardModelReply(
            parsing: VerificationWriter.verification(of: judgement, for: problem, verdicts: verdicts), variant: .prmCoT)
        #expect(reply.stepVerdicts.map { $0 == .correct } == verdicts)
        #expect(reply.outcome == .no)
        let critique = VerificationWriter.critique(of: judgement, verdicts: verdicts)
        #expect(critique.contains("Step 1: marked incorrect, but its numbers and its arithmetic are right."))
        #expect(critique.hasSuffix("its verdicts must be fixed."))
        #expect(
            VerificationWriter.critique(of: judgement, verdicts: judgement.stepCorrectness).hasSuffix(
                "analyzed every step correctly."))
    }

    @Test func verifierRowsComeFromTheVerifiersWorldAndCoverEveryTask() throws {
        let rows = try WorldCorpus.verifierRows(problemCount: 80, seed: 5)
        #expect(rows.count == 80)
        let problems = try ProblemGenerator(settings: RecipeWorlds.verifier).problems(count: 80, seed: 5)
        for (row, problem) in zip(rows, problems) {
            #expect(row.prompt.contains(problem.text))
        }
        #expect(RecipeWorlds.verifierStart != RecipeWorlds.policyStart)
        #expect(rows.contains { $0.prompt.hasPrefix("You are reviewing") })
        #expect(rows.contains { $0.prompt.hasPrefix("Below are a student's solution") })
        #expect(rows.contains { $0.prompt.contains("Expected Answer:") })
        // A third show the solution as /v1/verify lays out a list of steps, the rest as the policy writes it.
        let listed = rows.filter { $0.prompt.contains("\n\nStep 2: ") }.count
        let written = rows.filter { $0.prompt.contains("\nStep 2: ") && !$0.prompt.contains("\n\nStep 2: ") }.count
        #expect((15...40).contains(listed) && listed + written == rows.count, "\(listed) listed, \(written) written")
        let line = try JSONValue.parse(Array(rows[0].jsonLine.utf8)).objectValue
        #expect(line?["completion"]?.stringValue == rows[0].completion)
    }

    @Test func pretrainingAndGeneratorTextAreTheWorlds() throws {
        let lines = try WorldCorpus.pretrainingLines(problemCount: 20, factCount: 32, ledgerCount: 3, seed: 1)
        let texts = try lines.map(documentText)
        #expect(texts.filter { $0.hasPrefix("Problem: ") }.count == 20)
        #expect(texts.filter { $0.contains(" = ") && !$0.contains("Problem") && !$0.hasPrefix("Ledger:") }.count == 2)
        #expect(texts.filter(isSpokenFacts).count == 2)
        // Each ledger's quotes are lines of its list, under the same number.
        let ledgers = texts.filter { $0.hasPrefix("Ledger:\n") }
        #expect(ledgers.count == 3)
        #expect(try Set(WorldCorpus.ledgerLines(ledgerCount: 3, seed: 1).map(documentText)) == Set(ledgers))
        for ledger in ledgers {
            let (list, quotes) = try #require(
                ledger.dropFirst("Ledger:\n".count).components(separatedBy: "\n\nQuoted:\n").splitPair)
            let listed = Set(list.split(separator: "\n").map { "## " + $0 })
            #expect(quotes.split(separator: "\n").allSatisfy { listed.contains(String($0)) }, "\(ledger)")
        }
        // Each review quotes one of its solutions word for word, planted errors included.
        let reviews = texts.filter { $0.hasPrefix("Problem 1: ") }
        #expect(reviews.count >= 2 && reviews.count == lines.count - 20 - 4 - 3)
        for review in reviews {
            let (body, quote) = try #require(review.components(separatedBy: ", quoted:\n").splitPair)
            let number = try #require(
                body.split(separator: "\n").last.map { $0.replacingOccurrences(of: "Solution ", with: "") })
            let solution = try #require(review.components(separatedBy: "Solution \(number):\n").dropFirst().first)
            let section = try #require(solution.components(separatedBy: "\n\n").first)
            let steps = section.split(separator: "\n").filter { $0.hasPrefix("Step ") }
            #expect(quote.split(separator: "\n") == steps, "\(review)")
        }
        let rows = try WorldCorpus.generatorRows(problemCount: 4, seed: 2)
        #expect(rows.allSatisfy { $0.completion.hasPrefix("Step 1: ") && $0.prompt.contains("Solution:") })
    }

    @Test func theReadersTextIsVerificationsDrillsAndFactsInWords() throws {
        let texts = try WorldCorpus.readingLines(verificationCount: 40, drillCount: 3, factCount: 32, seed: 1)
            .map(documentText)
        let drills = texts.filter { $0.hasPrefix("Equations:\n") }
        #expect(drills.count == 3 && drills.allSatisfy { $0.contains("\n\nChecked:\n") })
        #expect(try Set(WorldCorpus.drillLines(drillCount: 3, seed: 1).map(documentText)) == Set(drills))
        #expect(texts.filter(isSpokenFacts).count == 2)
        // Each verification quotes its student's solution step by step, with the checker's verdicts.
        let verifications = texts.filter { $0.contains("\n\nTeacher Verification:\n") }
        #expect(verifications.count == 40 && texts.count == 45)
        var wrongSteps = 0
        var mismatches = 0
        var steps = 0
        for document in verifications {
            let (head, verification) = try #require(
                document.components(separatedBy: "\n\nTeacher Verification:\n").splitPair)
            let solution = try #require(head.components(separatedBy: "\n\nStudent Solution:\n").last)
            #expect(head.hasPrefix("Problem: "))
            let reply = RewardModelReply(parsing: verification, variant: .prmCoT)
            #expect(VerificationWriter.quotedSteps(in: verification) == SolutionText(parsing: solution).steps)
            steps += reply.stepVerdicts.count
            wrongSteps += reply.stepVerdicts.filter { $0 != .correct }.count
            mismatches += verification.split(separator: "\n").filter { $0.contains("; it does not match.") }.count
        }
        // Errors planted at every other step and carried on: most steps are wrong, and the claims of
        // nearly all of them differ from what the step should compute.
        #expect((0.5...0.9).contains(Double(wrongSteps) / Double(steps)))
        #expect(
            mismatches <= wrongSteps && Double(mismatches) >= 0.9 * Double(wrongSteps), "\(mismatches) of \(wrongSteps)"
        )
    }

    @Test func checkingDrillsQuoteEachClaimThenWorkItInColumns() throws {
        var claims = 0
        var wrong = 0
        let spoken = ["+": "plus", "-": "minus", "×": "times", "÷": "divided by"]
        for drill in CheckingDrills.drills(count: 200, seed: 5) {
            let (first, checked) = try #require(drill.components(separatedBy: "\n\nChecked:\n").splitPair)
            let equations = first.split(separator: "\n").dropFirst().map(String.init)
            let sections = checked.components(separatedBy: "\n\n## Step ")
            #expect(equations.count == sections.count && (3...8).contains(equations.count))
            for (index, (equation, section)) in zip(equations, sections).enumerated() {
                claims += 1
                let words = equation.split(separator: " ").map(String.init)
                let claimed = try #require(Int(words[4]))
                let truth = try #require(evaluated(equation))
                #expect((0...RecipeWorlds.valueLimit).contains(truth))
                let header = (index == 0 ? "## Step " : "") + "\(index + 1): \(equation)"
                let recomputed = try #require(
                    section.split(separator: "\n").first { $0.hasPrefix("Recomputing: ") }.map(String.init))
                #expect(recomputed.hasPrefix("Recomputing: \(words[0]) \(spoken[words[1]]!) \(words[2]): "))
                #expect(recomputed.contains("; so \(truth). The step has \(claimed): "), "\(recomputed)")
                if claimed == truth {
                    #expect(section == "\(header)\n\(recomputed)\n\n**This step is correct.**")
                    #expect(recomputed.hasSuffix("; it matches."))
                } else {
                    wrong += 1
                    #expect(section == "\(header)\n\(recomputed)\n\n**This step is incorrect.**")
                    #expect(recomputed.hasSuffix("; it does not match."))
                }
            }
        }
        // Half the claims are wrong, as the drills are meant to be.
        #expect(abs(Double(wrong) / Double(claims) - 0.5) < 0.05)
    }

    @Test func theBenchmarkIsBalancedAndUsesTheGeneratorsSolutionsFirst() throws {
        let policy = try ProblemGenerator(settings: RecipeWorlds.policy).problems(count: 10, seed: 9)
        // A generator that only ever copies the gold solution: every one of its solutions is correct.
        let generated = policy.indices.map { (problemIndex: $0, text: SolutionWriter.solution(of: policy[$0])) }
        let benchmark = RecipeBenchmark.build(
            problems: policy, generated: generated, generatorName: "copier", seed: 1)
        let correct = benchmark.records.filter { $0.label == -1 }
        #expect(correct.count * 2 == benchmark.records.count)
        #expect(correct.allSatisfy { $0.generator == "copier" })
        #expect(benchmark.records.filter { $0.label != -1 }.allSatisfy { $0.generator == RecipeBenchmark.writerName })
    }

    @Test func aSolutionWrittenAgainForTheSameProblemIsOneRecord() throws {
        let policy = try ProblemGenerator(settings: RecipeWorlds.policy).problems(count: 10, seed: 9)
        let gold = policy.map { SolutionWriter.solution(of: $0) }
        var random = WorldRandom(seed: 4)
        let wrong = policy.map {
            SolutionCorruptor.solution(of: $0, plantingAt: $0.plan.count - 1, kind: .arithmetic, random: &random)!
        }
        // Each problem's gold solution three times and one wrong solution twice; the writer adds gold again.
        let generated = policy.indices.flatMap { index in
            [gold[index], gold[index], wrong[index], gold[index], wrong[index]].map { (problemIndex: index, text: $0) }
        }
        let benchmark = RecipeBenchmark.build(
            problems: policy, generated: generated, generatorName: "repeater", seed: 1)
        let keys = benchmark.records.map { [$0.problem, $0.steps.joined(separator: "\n")] }
        #expect(Set(keys).count == keys.count)
        #expect(benchmark.records.filter { $0.label == -1 }.count == policy.count)
        #expect(benchmark.records.filter { $0.generator == "repeater" && $0.label == -1 }.count == policy.count)
    }

    @Test func theGeneratorsSolutionsAreCountedByTheKindsOfTheirErrors() throws {
        let policy = try ProblemGenerator(settings: RecipeWorlds.policy).problems(count: 20, seed: 9)
        var random = WorldRandom(seed: 3)
        let generated = [
            (problemIndex: 0, text: SolutionWriter.solution(of: policy[0])),
            (problemIndex: 1, text: SolutionWriter.solution(of: policy[1])),
            (
                problemIndex: 0,
                // At the last step, where no later division can fail to come out exact.
                text: SolutionCorruptor.solution(
                    of: policy[0], plantingAt: policy[0].plan.count - 1, kind: .arithmetic, random: &random)!
            ),
            (problemIndex: 1, text: "Answer: 1"),
        ]
        // A wrong number in the first step of a longer solution: the next step builds on it.
        let propagated = try #require(
            policy.indices.lazy.compactMap { index in
                policy[index].plan.count < 2
                    ? nil
                    : SolutionCorruptor.solution(of: policy[index], plantingAt: 0, kind: .quantity, random: &random)
                        .map { (problemIndex: index, text: $0) }
            }.first)
        let counts = RecipeBenchmark.generatorOutcomes(problems: policy, generated: generated + [propagated])
        #expect(
            counts == [
                "correct": 2, "wrong_arithmetic": 1, "wrong_answer_only": 1, "wrong_quantity": 1,
                "builds_on_wrong_result": 1,
            ])
    }

    /// scripts/stage1_full runs Stage I on the policy's world from bash, so it spells the options out.
    @Test func theFullStageOneScriptUsesThePolicysWorld() throws {
        let script = try String(
            contentsOf: CommandRunner.packageRoot.appendingPathComponent("scripts/stage1_full"), encoding: .utf8)
        let line = try #require(script.split(separator: "\n").first { $0.hasPrefix("world=(") })
        #expect(line == "world=(" + RecipeWorlds.policySynthArguments.joined(separator: " ") + ")")
    }

    @Test func theReportShowsEveryMethodAndVariant() {
        let scores = [
            RecipeScore(
                method: "step", variant: "prm", erroneousAccuracy: 0.5, correctAccuracy: 1, f1: 2.0 / 3,
                trainingRows: 12),
            RecipeScore(
                method: "single", variant: "prm", erroneousAccuracy: nil, correctAccuracy: nil, f1: nil,
                trainingRows: 0),
        ]
        let markdown = RecipeReport.markdown(scores, benchmarkRecords: 8, note: "test")
        #expect(markdown.contains("| step | prm | 12 | 50.0 | 100.0 | 66.7 |"))
        #expect(markdown.contains("| single | prm | 0 | no data | no data | no data |"))
        let svg = RecipeReport.svg(scores)
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
        #expect(svg.components(separatedBy: "<title>").count == 2)
    }
}

private func documentText(_ line: String) throws -> String {
    try JSONValue.parse(Array(line.utf8)).objectValue?["text"]?.stringValue ?? ""
}

/// Facts worked in columns in words (`37 plus 5: 7 plus 5 is 12, carry 1; 3 plus 0 plus 1 is 4; so 42`).
private func isSpokenFacts(_ text: String) -> Bool {
    text.split(separator: "\n").allSatisfy {
        $0.wholeMatch(of: /\d+ (plus|minus|times|divided by) \d+: [^:]+; so \d+/) != nil
    }
}

extension Array where Element == String {
    /// The two parts of a string split once.
    var splitPair: (String, String)? { count == 2 ? (self[0], self[1]) : nil }
}

/// The true result of `a op b = claimed`, computed here rather than by the world's code.
private func evaluated(_ equation: String) -> Int? {
    let words = equation.split(separator: " ")
    guard words.count == 5, let left = Int(words[0]), let right = Int(words[2]) else { return nil }
    switch words[1] {
    case "+": return left + right
    case "-": return left - right
    case "×": return left * right
    case "÷": return left % right == 0 ? left / right : nil
    default: return nil
    }
}
