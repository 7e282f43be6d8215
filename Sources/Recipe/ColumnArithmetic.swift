// A computation worked digit by digit in words, as a pupil writes it in columns (`74 minus 8: 4 minus 8
// borrows, 14 minus 8 is 6; 7 minus 0 minus 1 is 6; so 66`): the form of every recomputation and of
// the facts in words. Each clause is a single-digit fact (at most a two-digit number by a digit), a
// table of a few hundred entries that a model of a few million parameters learns early, where a whole
// sum below 100 is one of about 9000 to memorise: answered at once, a recomputation in words was
// wrong often enough (`74 divided by 2 is 32`) to flag right steps, and where the model was unsure it
// copied the student's claim instead (docs/recipe-notebook.md). The digits are tokens of their own (the
// tokenizer keeps digits apart), so each clause reads its digits from the operands just written.

import Domain

enum ColumnArithmetic {
    /// `left operation right` worked in columns, ending `so <result>` (`so 37 remainder 1` for a
    /// division that does not come out even); nil where columns do not apply: a negative result, a
    /// product or quotient by more than one digit, a division by zero, operands that are not whole.
    static func worked(_ left: Double, _ operation: ArithmeticOperation, _ right: Double) -> String? {
        guard left >= 0, right >= 0, left == left.rounded(), right == right.rounded(), left < 1e6, right < 1e6
        else { return nil }
        let (left, right) = (Int(left), Int(right))
        let clauses: [String]
        let result: String
        switch operation {
        case .add:
            (clauses, result) = sum(left, right)
        case .subtract:
            guard left >= right else { return nil }
            (clauses, result) = difference(left, right)
        case .multiply:
            guard right <= 9 else { return nil }
            (clauses, result) = product(left, right)
        case .divide:
            guard (1...9).contains(right) else { return nil }
            (clauses, result) = quotient(left, right)
        }
        return
            "\(SpokenArithmetic.expression(left, operation, right)): \(clauses.joined(separator: "; ")); so \(result)"
    }

    /// Digits from the ones up.
    private static func digits(_ value: Int) -> [Int] {
        var digits = [value % 10]
        var rest = value / 10
        while rest > 0 {
            digits.append(rest % 10)
            rest /= 10
        }
        return digits
    }

    private static func sum(_ left: Int, _ right: Int) -> ([String], String) {
        let (top, bottom) = (digits(left), digits(right))
        var clauses: [String] = []
        var carry = 0
        let columns = max(top.count, bottom.count)
        for column in 0..<columns {
            let (x, y) = (column < top.count ? top[column] : 0, column < bottom.count ? bottom[column] : 0)
            let total = x + y + carry
            let more = column + 1 < columns && total >= 10
            clauses.append("\(x) plus \(y)\(carry > 0 ? " plus \(carry)" : "") is \(total)\(more ? ", carry 1" : "")")
            carry = total / 10
        }
        return (clauses, String(left + right))
    }

    private static func difference(_ left: Int, _ right: Int) -> ([String], String) {
        let (top, bottom) = (digits(left), digits(right))
        var clauses: [String] = []
        var borrow = 0
        for column in 0..<top.count {
            let (x, y) = (top[column], column < bottom.count ? bottom[column] : 0)
            let taken = "\(x) minus \(y)\(borrow > 0 ? " minus \(borrow)" : "")"
            if x - borrow < y {
                clauses.append("\(taken) borrows, 1\(taken) is \(10 + x - y - borrow)")
                borrow = 1
            } else {
                clauses.append("\(taken) is \(x - y - borrow)")
                borrow = 0
            }
        }
        return (clauses, String(left - right))
    }

    private static func product(_ left: Int, _ right: Int) -> ([String], String) {
        var clauses: [String] = []
        var carry = 0
        let top = digits(left)
        for (column, x) in top.enumerated() {
            let total = x * right + carry
            let more = column + 1 < top.count && total >= 10
            clauses.append(
                "\(x) times \(right)\(carry > 0 ? " plus \(carry)" : "") is \(total)\(more ? ", carry \(total / 10)" : "")"
            )
            carry = total / 10
        }
        return (clauses, String(left * right))
    }

    /// Long division from the tens down.
    private static func quotient(_ left: Int, _ right: Int) -> ([String], String) {
        var clauses: [String] = []
        var remainder = 0
        for x in digits(left).reversed() {
            let part = remainder * 10 + x
            remainder = part % right
            clauses.append(
                "\(part) divided by \(right) is \(part / right)\(remainder > 0 ? " remainder \(remainder)" : "")")
        }
        return (clauses, String(left / right) + (remainder > 0 ? " remainder \(remainder)" : ""))
    }
}
