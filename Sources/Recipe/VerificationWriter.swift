// Writes the teacher verifications the recipe's verifier learns from: for a solution the checker has
// judged, one `## Step k: <the step, quoted>` section per step with a short analysis and SPARK's
// verdict line, then the final verdict line (SPARK-FORMATS.md §1, PRM-CoT). The verdicts are the
// checker's. The analysis of a step with an equation works out, in words so that it cannot be copied
// from the solution's symbols (SpokenArithmetic) and in columns (ColumnArithmetic), the computation the
// problem calls for there (`The problem calls for 76 minus 40: 6 minus 0 is 6; 7 minus 4 is 3; so
// 36.`): the student's own expression where its numbers are right, the plan's with the true values
// where they are not, so that a wrong number shows as a wrong result (about half of the benchmark's
// errors are wrong numbers whose arithmetic is right) and the running value later steps build on
// stands in the text. Then it copies the step's claim beside the result and compares the two digit by
// digit (`The step has 34: 6 and 4 differ, 3 and 3 agree; it does not match.`, DigitComparison): a
// verifier that compared its result with the claim in the quoted step, sixty tokens back, called all 7
// wrong claims of 42 matching (docs/recipe-notebook.md). Then it names the kind of error the checker
// found. Quoting the whole step makes each section one contiguous copy from the solution, which a small
// model learns far sooner than picking a step's numbers out of a long prompt (a verifier that wrote
// only the step's first words and its equation made up the numbers of two steps in three).
// Also the critique and merged verification the meta-critique methods ask the verifier for, written
// from the checker's labels of a verification whose verdicts may be wrong.

import Domain

public enum VerificationWriter {
    /// A verification in PRM-CoT format whose verdicts are `judgement`'s; `problem` is the one the
    /// judged solution solves.
    public static func verification(of judgement: SolutionJudgement, for problem: WorldProblem) -> String {
        verification(of: judgement, for: problem, verdicts: judgement.stepCorrectness)
    }

    /// A verification of `judgement`'s steps with the given verdicts (a noisy one when they differ from
    /// the checker's); the analysis of a step whose verdict is wrong argues for the wrong verdict, as a
    /// confused verifier would.
    public static func verification(of judgement: SolutionJudgement, for problem: WorldProblem, verdicts: [Bool])
        -> String
    {
        precondition(verdicts.count == judgement.steps.count, "one verdict per step")
        var sections: [String] = []
        for (index, step) in judgement.steps.enumerated() {
            let claimedError = verdicts[index] ? nil : (judgement.stepErrors[index] ?? .wrongArithmetic)
            sections.append(
                "## Step \(index + 1): \(step)\n"
                    + analysis(of: step, at: index, in: problem, error: claimedError)
                    + "\n\n"
                    + verdictLine(verdicts[index]))
        }
        // The answer line is read too: a solution whose steps all pass but whose answer is wrong is wrong.
        let answerCorrect = !verdicts.contains(false) && judgement.isFinalAnswerCorrect
        sections.append("**Verification: Is the answer correct (Yes/No)? \(answerCorrect ? "Yes" : "No")**")
        return sections.joined(separator: "\n\n")
    }

    /// What a verification in this format quotes: the text after each `## Step k: ` header, to the end
    /// of its line.
    public static func quotedSteps(in verification: String) -> [String] {
        verification.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("## Step "), let colon = line.firstIndex(of: ":") else { return nil }
            return String(line[line.index(after: colon)...].drop { $0 == " " })
        }
    }

    /// The critique of a verification that gave `verdicts`, judged against the checker's labels.
    public static func critique(of judgement: SolutionJudgement, verdicts: [Bool]) -> String {
        precondition(verdicts.count == judgement.steps.count, "one verdict per step")
        var lines = ["**Critique of the original verification**:"]
        for (index, truth) in judgement.stepCorrectness.enumerated() {
            let said = verdicts[index] ? "correct" : "incorrect"
            switch (verdicts[index], truth) {
            case (true, true), (false, false):
                lines.append("Step \(index + 1): marked \(said), which is right.")
            case (true, false):
                lines.append(
                    "Step \(index + 1): marked correct, but it is incorrect: \(reason(judgement.stepErrors[index]!)). This error was missed."
                )
            case (false, true):
                lines.append(
                    "Step \(index + 1): marked incorrect, but its numbers and its arithmetic are right. This is a false alarm."
                )
            }
        }
        let agrees = verdicts == judgement.stepCorrectness
        lines.append(
            agrees
                ? "The verification analyzed every step correctly."
                : "The verification did not analyze every step correctly; its verdicts must be fixed.")
        return lines.joined(separator: "\n")
    }

    /// `<lead> <worked>. The step has <claimed>: <digit by digit>; it matches.` (or `it does not
    /// match.`): the claim is copied next to the result before the two are compared (DigitComparison).
    static func check(_ lead: String, worked: String, result: String, claimed: String) -> String {
        "\(lead) \(worked). The step has \(DigitComparison.claim(claimed, against: result))"
    }

    private static func verdictLine(_ correct: Bool) -> String {
        correct ? "**This step is correct.**" : "**This step is incorrect.**"
    }

    /// Works out what the step should compute and compares the step's claim with it before judging,
    /// so that the verdict follows from written checks (the chain of thought a small model can carry
    /// out) rather than from ones done silently.
    private static func analysis(of step: String, at index: Int, in problem: WorldProblem, error: StepError?) -> String
    {
        guard let equation = StepArithmetic(parsing: step).equations.first else {
            return error == nil
                ? "The student states values the problem gives or earlier steps found."
                : "The student states a value that \(reason(error!))."
        }
        let written = SpokenArithmetic.expression(equation.operands, equation.operations)
        let claimed = SpokenArithmetic.number(equation.claimed)
        var worked =
            equation.operations.count == 1
            ? ColumnArithmetic.worked(equation.operands[0], equation.operations[0], equation.operands[1]) : nil
        var result = equation.value.map(SpokenArithmetic.number) ?? "undefined"
        if error == .wrongQuantity || error == .buildsOnWrongResult, problem.plan.indices.contains(index) {
            // The value the problem calls for is worked out, not the student's, so that a wrong number
            // shows as a wrong result and the running value later steps build on stands in the text.
            let planned = problem.plan[index]
            let (left, right) = (problem.value(of: planned.left), problem.value(of: planned.right))
            let called = SpokenArithmetic.expression(left, planned.operation, right)
            if called != written {
                worked =
                    ColumnArithmetic.worked(Double(left), planned.operation, Double(right))
                    ?? "\(called) is \(planned.value)"
                result = String(planned.value)
            }
        }
        let lead = problem.plan.indices.contains(index) ? "The problem calls for" : "Recomputing:"
        let comparison = check(lead, worked: worked ?? "\(written) is \(result)", result: result, claimed: claimed)
        switch error {
        case nil: return "\(comparison) These are the right numbers for this step."
        case .wrongArithmetic: return "\(comparison) The arithmetic is wrong."
        case .wrongQuantity, .buildsOnWrongResult:
            let because = reason(error!)
            return claimed == result
                ? "\(comparison) But \(because)."
                : "\(comparison) \(because.prefix(1).uppercased())\(because.dropFirst())."
        }
    }

    private static func reason(_ error: StepError) -> String {
        switch error {
        case .wrongArithmetic: "the arithmetic is wrong"
        case .wrongQuantity: "it uses a number that the problem does not give for this step"
        case .buildsOnWrongResult: "it builds on a wrong result of an earlier step"
        }
    }
}
