// Writes the correct solution of a world problem in the generator format: one `Step k:` line per plan
// step, each a sentence ending in its equation, then `Answer: N`. These are the gold solutions of the
// reference-guided baseline and the correct examples of tests.

public enum SolutionWriter {
    public static func solution(of problem: WorldProblem) -> String {
        var lines = problem.plan.enumerated().map { index, step in
            let left = problem.value(of: step.left)
            let right = problem.value(of: step.right)
            return
                "Step \(index + 1): \(step.narration) \(left) \(step.operation.symbol) \(right) = \(step.value) \(problem.items)."
        }
        lines.append("Answer: \(problem.answer)")
        return lines.joined(separator: "\n")
    }
}
