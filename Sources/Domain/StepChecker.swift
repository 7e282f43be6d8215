// The rule-based grader of the math world: labels every step of any solution to a world problem
// correct or incorrect, by the same convention as SPARK and ProcessBench (a step built on an earlier
// wrong result is itself wrong), and finds the first error.
//
// What the checker knows: the numbers the problem states, and its plan (which computations lead to the
// answer). A value is established when the problem states it or a correct step computed it; a value a
// wrong step produced is tainted. A step's equations are judged in order:
// - built on a wrong result: an operand is tainted and not also established;
// - wrong arithmetic: the expression does not evaluate to the number after `=`;
// - wrong quantity: an operand was never established (a misread or invented number), or the
//   computation is not one the problem calls for. With one operator, the plan must hold a step of that
//   operation on those values (either order for + and ×); with several, the result must be a plan value.
// The first of these that applies names the error. A step without an equation is judged by the
// numbers it mentions: each must be established (else tainted: built on a wrong result; else: wrong
// quantity). A step that mentions no number is correct.
//
// Values compare exactly (the world's numbers are integers; a fraction can only be wrong).

public enum StepError: String, Sendable, Equatable, CaseIterable {
    case wrongArithmetic = "wrong_arithmetic"
    case wrongQuantity = "wrong_quantity"
    case buildsOnWrongResult = "builds_on_wrong_result"
}

/// The checker's reading of one solution.
public struct SolutionJudgement: Sendable, Equatable {
    public let steps: [String]
    /// nil where the step is correct.
    public let stepErrors: [StepError?]
    /// The first number of the answer line; nil without one.
    public let finalAnswer: Double?
    public let isFinalAnswerCorrect: Bool

    /// The 0-based index of the first incorrect step, or −1 (ProcessBench's label).
    public var firstError: Int { stepErrors.firstIndex { $0 != nil } ?? -1 }

    public var stepCorrectness: [Bool] { stepErrors.map { $0 == nil } }
}

public struct StepChecker: Sendable {
    public let problem: WorldProblem

    public init(problem: WorldProblem) { self.problem = problem }

    public func judge(_ solution: String) -> SolutionJudgement {
        let text = SolutionText(parsing: solution)
        var ledger = Ledger(established: problem.givens.map(Double.init))
        let errors = text.steps.map { judgeStep($0, ledger: &ledger) }
        let answer = text.answerValue
        return SolutionJudgement(
            steps: text.steps, stepErrors: errors, finalAnswer: answer,
            isFinalAnswerCorrect: answer.map { $0 == Double(problem.answer) } ?? false)
    }

    private struct Ledger {
        var established: [Double]
        var tainted: [Double] = []

        func error(forOperand value: Double) -> StepError? {
            if established.contains(value) { return nil }
            return tainted.contains(value) ? .buildsOnWrongResult : .wrongQuantity
        }

        /// The worst error among `values`: a tainted value outranks an unknown one.
        func error(forOperands values: [Double]) -> StepError? {
            let errors = values.compactMap(error(forOperand:))
            return errors.contains(.buildsOnWrongResult) ? .buildsOnWrongResult : errors.first
        }
    }

    private func judgeStep(_ step: String, ledger: inout Ledger) -> StepError? {
        let arithmetic = StepArithmetic(parsing: step)
        guard !arithmetic.equations.isEmpty else { return ledger.error(forOperands: arithmetic.mentionedNumbers) }
        var stepError: StepError?
        for equation in arithmetic.equations {
            let operandError = ledger.error(forOperands: equation.operands)
            let error: StepError?
            if operandError == .buildsOnWrongResult {
                error = .buildsOnWrongResult
            } else if equation.value != equation.claimed {
                error = .wrongArithmetic
            } else if operandError != nil || !isPlanned(equation) {
                error = .wrongQuantity
            } else {
                error = nil
            }
            if error == nil {
                ledger.established.append(equation.claimed)
            } else {
                ledger.tainted.append(equation.claimed)
            }
            stepError = stepError ?? error
        }
        return stepError
    }

    /// Whether the problem calls for this computation.
    private func isPlanned(_ equation: StepArithmetic.Equation) -> Bool {
        guard equation.operations.count == 1, equation.operands.count == 2 else {
            return problem.plan.contains { Double($0.value) == equation.claimed }
        }
        let written = (equation.operands[0], equation.operands[1])
        return problem.plan.contains { step in
            guard step.operation == equation.operations[0] else { return false }
            let planned = (Double(problem.value(of: step.left)), Double(problem.value(of: step.right)))
            return written == planned || (step.operation.isCommutative && written == (planned.1, planned.0))
        }
    }
}
