// Which computations a world problem calls for: its plan's steps (either operand order for + and ×),
// and the reorderings of a run of additions and subtractions on the running total, which reach the same
// answer. From a total R changed by terms t1 … tn (+12, −5), a solver may apply the terms in any order
// (20 − 5 = 15, then 15 + 12 = 27) or combine terms first (12 − 5 = 7, then 20 + 7 = 27). So an
// addition or subtraction is also planned when its result is R plus the sum of some of the terms, or
// the sum of two or more terms, and each operand is such a value, R, or the size of a term.
// Multiplication and division do not commute with the run around them and must follow the plan.

public struct PlannedComputations: Sendable {
    public let problem: WorldProblem
    /// Per run of additive steps on the running total: the values a reordering may reach, and the
    /// values its operands may take.
    private let runs: [(results: Set<Double>, operands: Set<Double>)]

    public init(problem: WorldProblem) {
        self.problem = problem
        var runs: [(results: Set<Double>, operands: Set<Double>)] = []
        var running = PlanOperand.given(0)
        var start: Double?
        var terms: [Double] = []
        func closeRun() {
            if let start, terms.count >= 2 { runs.append(Self.reorderings(start: start, terms: terms)) }
            start = nil
            terms = []
        }
        for (index, step) in problem.plan.enumerated() where step.left == running {
            if step.operation == .add || step.operation == .subtract {
                if start == nil { start = Double(problem.value(of: running)) }
                let size = Double(problem.value(of: step.right))
                terms.append(step.operation == .add ? size : -size)
            } else {
                closeRun()
            }
            running = .step(index)
        }
        closeRun()
        self.runs = runs
    }

    /// Whether the problem calls for this computation (its arithmetic is checked elsewhere).
    public func contains(_ equation: StepArithmetic.Equation) -> Bool {
        guard equation.operations.count == 1, equation.operands.count == 2 else {
            return problem.plan.contains { Double($0.value) == equation.claimed }
        }
        let operation = equation.operations[0]
        let written = (equation.operands[0], equation.operands[1])
        let inPlan = problem.plan.contains { step in
            guard step.operation == operation else { return false }
            let planned = (Double(problem.value(of: step.left)), Double(problem.value(of: step.right)))
            return written == planned || (step.operation.isCommutative && written == (planned.1, planned.0))
        }
        guard !inPlan, operation == .add || operation == .subtract else { return inPlan }
        return runs.contains { run in
            run.results.contains(equation.claimed) && run.operands.contains(written.0)
                && run.operands.contains(written.1)
        }
    }

    private static func reorderings(start: Double, terms: [Double]) -> (results: Set<Double>, operands: Set<Double>) {
        var results: Set<Double> = []
        for subset in 1..<(1 << terms.count) {
            let members = terms.indices.filter { subset & (1 << $0) != 0 }
            let sum = members.map { terms[$0] }.reduce(0, +)
            results.insert(start + sum)
            if members.count >= 2 { results.insert(sum) }
        }
        return (results, results.union([start]).union(terms.map(abs)))
    }
}
