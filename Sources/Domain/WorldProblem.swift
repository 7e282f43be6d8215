// One word problem of the math world: the text a solver sees, and the plan behind it (the ground
// truth), which only the checker, the solution writer and the reference-guided baseline read.

/// Where a plan step takes an operand from.
public enum PlanOperand: Sendable, Equatable {
    /// A number stated in the problem text, by its index in `WorldProblem.givens`.
    case given(Int)
    /// The result of an earlier plan step, by its index in `WorldProblem.plan`.
    case step(Int)
}

/// One computation the problem calls for: `left operation right = value`.
public struct PlanStep: Sendable, Equatable {
    public let operation: ArithmeticOperation
    public let left: PlanOperand
    public let right: PlanOperand
    public let value: Int
    /// What a solution says before the step's equation ("Mia buys 5 more apples, so she has").
    public let narration: String

    public init(
        operation: ArithmeticOperation, left: PlanOperand, right: PlanOperand, value: Int, narration: String
    ) {
        self.operation = operation
        self.left = left
        self.right = right
        self.value = value
        self.narration = narration
    }
}

public struct WorldProblem: Sendable, Equatable {
    public let id: String
    /// Which story template wrote the text.
    public let theme: String
    /// The counted items, plural, as the text names them ("apples").
    public let items: String
    public let text: String
    /// The numbers stated in the text, in order of appearance.
    public let givens: [Int]
    /// The computations in an order that solves the problem; the last one's value is the answer.
    public let plan: [PlanStep]

    public var answer: Int { plan.last!.value }

    public func value(of operand: PlanOperand) -> Int {
        switch operand {
        case .given(let index): givens[index]
        case .step(let index): plan[index].value
        }
    }

    public init(id: String, theme: String, items: String, text: String, givens: [Int], plan: [PlanStep]) {
        precondition(!plan.isEmpty, "a problem needs at least one computation")
        self.id = id
        self.theme = theme
        self.items = items
        self.text = text
        self.givens = givens
        self.plan = plan
    }
}
