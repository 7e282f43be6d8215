// The four operations of the math world, with the symbols a solution may write for them.

public enum ArithmeticOperation: String, Sendable, CaseIterable, Codable {
    case add
    case subtract
    case multiply
    case divide

    /// The symbol the solution writer uses.
    public var symbol: String {
        switch self {
        case .add: "+"
        case .subtract: "-"
        case .multiply: "×"
        case .divide: "÷"
        }
    }

    /// The operation a written symbol stands for: `+`, `-` (or the minus sign `−`), `×`, `*`, `·`, `÷`, `/`.
    public init?(symbol: Character) {
        switch symbol {
        case "+": self = .add
        case "-", "−": self = .subtract
        case "×", "*", "·": self = .multiply
        case "÷", "/": self = .divide
        default: return nil
        }
    }

    /// Whether swapping the operands keeps the value, so that `5 + 12` computes the same step as `12 + 5`.
    public var isCommutative: Bool { self == .add || self == .multiply }

    /// The exact value; nil for a division by zero.
    public func apply(_ left: Double, _ right: Double) -> Double? {
        switch self {
        case .add: left + right
        case .subtract: left - right
        case .multiply: left * right
        case .divide: right == 0 ? nil : left / right
        }
    }
}
