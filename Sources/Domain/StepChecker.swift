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
//   computation is not one the problem calls for (`PlannedComputations`: a plan step, or a reordering
//   of additions and subtractions; with several operators, the result must be a plan value).
// The first of these that applies names the error. A step without an equation is judged by the
// numbers it mentions: each must be established, or the result of a planned computation on established
// values (a result said in words); else a tainted one means built on a wrong result, and anything else
// wrong quantity. A step that mentions no number is correct.
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
    private let planned: PlannedComputations

    public init(problem: WorldProblem) {
        self.problem = problem
        planned = PlannedComputations(problem: problem)
    }

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
        guard !arithmetic.equations.isEmpty else { return judgeStatement(arithmetic.mentionedNumbers, ledger: &ledger) }
        var stepError: StepError?
        for equation in arithmetic.equations {
            let operandError = ledger.error(forOperands: equation.operands)
            let error: StepError?
            if operandError == .buildsOnWrongResult {
                error = .buildsOnWrongResult
            } else if equation.value != equation.claimed {
                error = .wrongArithmetic
            } else if operandError != nil || !planned.contains(equation) {
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

    /// A step that states values without an equation: each must be established, or be the result of a
    /// planned computation whose operands are established (a result said in words: "selling 5 of her 32
    /// apples leaves 27"), which then becomes established.
    private func judgeStatement(_ numbers: [Double], ledger: inout Ledger) -> StepError? {
        var unknown: [Double] = []
        for number in numbers where ledger.error(forOperand: number) == .wrongQuantity {
            let computable = problem.plan.contains { step in
                Double(step.value) == number && ledger.established.contains(Double(problem.value(of: step.left)))
                    && ledger.established.contains(Double(problem.value(of: step.right)))
            }
            if computable { ledger.established.append(number) } else { unknown.append(number) }
        }
        let error = ledger.error(forOperands: numbers)
        if error != nil { ledger.tainted += unknown }
        return error
    }
}
