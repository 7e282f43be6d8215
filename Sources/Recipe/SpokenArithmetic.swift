// Arithmetic written in words (`74 divided by 2`), the expressions of a verification's checks. A
// student's solution writes its equations in symbols (`74 ÷ 2 = 35`), so a check in words has no line
// in the context to copy word for word: written in symbols, the verifier copied the student's result
// into its recomputation. In words it still copied the claimed number where its arithmetic in words
// was weak, which is why the result is worked out in columns (ColumnArithmetic).

import Domain

extension ArithmeticOperation {
    var spokenName: String {
        switch self {
        case .add: "plus"
        case .subtract: "minus"
        case .multiply: "times"
        case .divide: "divided by"
        }
    }
}

enum SpokenArithmetic {
    /// `74 divided by 2`.
    static func expression(_ operands: [Double], _ operations: [ArithmeticOperation]) -> String {
        var text = number(operands[0])
        for (operation, operand) in zip(operations, operands.dropFirst()) {
            text += " \(operation.spokenName) \(number(operand))"
        }
        return text
    }

    static func expression(_ left: Int, _ operation: ArithmeticOperation, _ right: Int) -> String {
        expression([Double(left), Double(right)], [operation])
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
