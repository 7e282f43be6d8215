// Writes wrong solutions of world problems for the verifier's training data: the gold solution's
// steps (`SolutionWriter`'s wording) with one error planted (or several), and every later step
// computed honestly from the values written before it, so the error propagates as a real solver's
// would. The planted kinds are the checker's first two (a wrong result, a wrong number); its third,
// building on a wrong result, follows in the later steps. Labels never come from here: the caller asks
// `StepChecker`.

import Domain

public enum PlantedError: String, Sendable, CaseIterable {
    /// The step's result is off by a small amount.
    case arithmetic
    /// The step computes with a number it should not use (a misread given or result).
    case quantity
}

public enum SolutionCorruptor {
    /// The solution with `kind` planted at plan step `stepIndex`; nil when propagating it would need a
    /// division that does not come out exact (the world never writes fractions).
    public static func solution(
        of problem: WorldProblem, plantingAt stepIndex: Int, kind: PlantedError, random: inout WorldRandom
    ) -> String? {
        solution(of: problem, planting: [stepIndex: kind], random: &random)
    }

    /// The solution with an error of the given kind planted at each of `planted`'s plan steps.
    public static func solution(
        of problem: WorldProblem, planting planted: [Int: PlantedError], random: inout WorldRandom
    ) -> String? {
        precondition(planted.keys.allSatisfy(problem.plan.indices.contains), "no such plan step")
        var written: [Int] = []
        var lines: [String] = []
        func value(_ operand: PlanOperand) -> Int {
            switch operand {
            case .given(let index): problem.givens[index]
            case .step(let index): written[index]
            }
        }
        for (index, step) in problem.plan.enumerated() {
            var left = value(step.left)
            var right = value(step.right)
            if planted[index] == .quantity {
                // Change the operand a reader is likelier to misread: the stated one when there is one.
                // The misread number is one the story never had, or the step might compute a planned value.
                let known = Set(problem.givens + written)
                if case .given = step.right {
                    right = misread(right, avoiding: known, random: &random)
                } else {
                    left = misread(left, avoiding: known, random: &random)
                }
            }
            guard let exact = exactResult(step.operation, left, right) else { return nil }
            var result = exact
            if planted[index] == .arithmetic {
                let offset = random.draw(1...9) * (random.draw(0...1) == 0 ? 1 : -1)
                result = exact + offset > 0 ? exact + offset : exact + abs(offset)
            }
            written.append(result)
            lines.append(
                "Step \(index + 1): \(step.narration) \(left) \(step.operation.symbol) \(right) = \(result) \(problem.items)."
            )
        }
        lines.append("Answer: \(written.last!)")
        return lines.joined(separator: "\n")
    }

    /// A number near `value` of at least 2 that is not in `known`.
    private static func misread(_ value: Int, avoiding known: Set<Int>, random: inout WorldRandom) -> Int {
        let offset = random.draw(1...3)
        let candidate = value - offset >= 2 && random.draw(0...1) == 0 ? value - offset : value + offset
        var misread = candidate
        while known.contains(misread) { misread += 1 }
        return misread
    }

    private static func exactResult(_ operation: ArithmeticOperation, _ left: Int, _ right: Int) -> Int? {
        switch operation {
        case .add: left + right
        case .subtract: left - right > 0 ? left - right : nil
        case .multiply: left * right
        case .divide: right > 0 && left % right == 0 ? left / right : nil
        }
    }
}
