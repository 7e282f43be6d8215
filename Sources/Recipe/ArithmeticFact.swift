// One equation of the kind world solutions compute, `17 + 25 = 42`: the pretraining text's arithmetic
// facts (in symbols and in words), and the claims of its checking drills (whose result may be wrong).

import Domain

struct ArithmeticFact: Sendable, Equatable {
    let left: Int
    let operation: ArithmeticOperation
    let right: Int
    let result: Int

    var text: String { "\(left) \(operation.symbol) \(right) = \(result)" }

    /// The true computation worked in columns in words, `37 plus 5: 7 plus 5 is 12, carry 1; 3 plus 0
    /// plus 1 is 4; so 42` (ColumnArithmetic); every fact of the worlds can be.
    var workedText: String { ColumnArithmetic.worked(Double(left), operation, Double(right))! }

    func equation(claiming claimed: Int) -> ArithmeticFact {
        ArithmeticFact(left: left, operation: operation, right: right, result: claimed)
    }

    /// Every value up to the worlds' limit, the second operand of a sum or difference as often a single
    /// number (up to 9) as a group (up to 81).
    static func random(_ random: inout WorldRandom) -> ArithmeticFact {
        let limit = RecipeWorlds.valueLimit
        let operand = RecipeWorlds.largestOperand
        let amount = random.draw(0...1) == 0 ? random.draw(2...operand) : random.draw(4...(operand * operand))
        let operation = random.pick(ArithmeticOperation.allCases)
        switch operation {
        case .add:
            let left = random.draw(2...(limit - amount))
            return ArithmeticFact(left: left, operation: operation, right: amount, result: left + amount)
        case .subtract:
            let result = random.draw(1...(limit - amount))
            return ArithmeticFact(left: result + amount, operation: operation, right: amount, result: result)
        case .multiply:
            let right = random.draw(2...operand)
            let left = random.draw(2...(limit / right))
            return ArithmeticFact(left: left, operation: operation, right: right, result: left * right)
        case .divide:
            let right = random.draw(2...operand)
            let result = random.draw(2...(limit / right))
            return ArithmeticFact(left: result * right, operation: operation, right: right, result: result)
        }
    }
}
