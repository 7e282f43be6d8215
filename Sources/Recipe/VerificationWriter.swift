// Writes the teacher verifications the recipe's verifier learns from: for a solution the checker has
// judged, one `## Step k: <the step, quoted>` section per step with a short analysis and SPARK's
// verdict line, then the final verdict line (SPARK-FORMATS.md §1, PRM-CoT). The verdicts are the
// checker's. The analysis of a step with an equation writes two checks, both in words so that neither
// can be copied from the solution's symbols (SpokenArithmetic), and both worked in columns where they
// compute (ColumnArithmetic):
// - the computation the problem calls for at this step, from its plan with the true values (`The
//   problem calls for 76 minus 40 here, not 74 minus 40. 76 minus 40: 6 minus 0 is 6; 7 minus 4 is
//   3; so 36.`): a wrong number, misread or carried from a wrong step, shows there, and the value the
//   later steps must build on is written out; about half of the benchmark's errors are wrong numbers
//   whose arithmetic is right, and a verifier that only recomputed the student's expression passed them;
// - the student's expression recomputed, then the step's claim copied beside the result and compared
//   with it (`Recomputing: 74 minus 40: 4 minus 0 is 4; 7 minus 4 is 3; so 34. The step has 36, which
//   does not match.`), which shows a wrong result. A verifier that compared its result with the claim
//   in the quoted step, sixty tokens back, computed 42 results of 42 right and called all 7 wrong
//   claims matching (docs/recipe-notebook.md); side by side, the comparison is of two adjacent numbers;
// then names the kind of error the checker found. Quoting the whole step makes each section one
// contiguous copy from the solution, which a small model learns far sooner than picking a step's
// numbers out of a long prompt (a verifier that wrote only the step's first words and its equation
// made up the numbers of two steps in three).
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

    /// `Recomputing: <worked>. The step has <claimed>, which matches.` (or `does not match.`): the
    /// claim is copied next to the result before the two are compared.
    static func recomputation(_ worked: String, result: String, claimed: String) -> String {
        "Recomputing: \(worked). The step has \(claimed), "
            + (result == claimed ? "which matches." : "which does not match.")
    }

    private static func verdictLine(_ correct: Bool) -> String {
        correct ? "**This step is correct.**" : "**This step is incorrect.**"
    }

    /// Checks the step's numbers against the plan and recomputes its expression before judging it, so
    /// that the verdict follows from written checks (the chain of thought a small model can carry out)
    /// rather than from ones done silently.
    private static func analysis(of step: String, at index: Int, in problem: WorldProblem, error: StepError?) -> String
    {
        guard let equation = StepArithmetic(parsing: step).equations.first else {
            return error == nil
                ? "The student states values the problem gives or earlier steps found."
                : "The student states a value that \(reason(error!))."
        }
        let written = SpokenArithmetic.expression(equation.operands, equation.operations)
        var lines: [String] = []
        if problem.plan.indices.contains(index) {
            let planned = problem.plan[index]
            let (left, right) = (problem.value(of: planned.left), problem.value(of: planned.right))
            let called = SpokenArithmetic.expression(left, planned.operation, right)
            let numbersWrong = error == .wrongQuantity || error == .buildsOnWrongResult
            // The value the problem calls for is worked out too, so that the running value a later
            // step must build on stands in the text even where the student's step went astray.
            lines.append(
                numbersWrong && called != written
                    ? "The problem calls for \(called) here, not \(written). "
                        + "\(ColumnArithmetic.worked(Double(left), planned.operation, Double(right)) ?? "\(called) is \(planned.value)")."
                    : "The problem calls for \(written) here, as the step has it.")
        }
        let claimed = SpokenArithmetic.number(equation.claimed)
        let value = equation.value.map(SpokenArithmetic.number) ?? "undefined"
        let worked =
            equation.operations.count == 1
            ? ColumnArithmetic.worked(equation.operands[0], equation.operations[0], equation.operands[1]) : nil
        let comparison = recomputation(worked ?? "\(written) is \(value)", result: value, claimed: claimed)
        switch error {
        case nil: lines.append("\(comparison) These are the right numbers for this step.")
        case .wrongArithmetic: lines.append("\(comparison) The arithmetic is wrong.")
        case .wrongQuantity, .buildsOnWrongResult: lines.append("\(comparison) But \(reason(error!)).")
        }
        return lines.joined(separator: "\n")
    }

    private static func reason(_ error: StepError) -> String {
        switch error {
        case .wrongArithmetic: "the arithmetic is wrong"
        case .wrongQuantity: "it uses a number that the problem does not give for this step"
        case .buildsOnWrongResult: "it builds on a wrong result of an earlier step"
        }
    }
}
