// Column arithmetic in words, read back clause by clause: every clause is a true single-digit fact on
// the operands' own digits in column order, and the result is the integer arithmetic's, for every
// computation of the worlds' sizes and beyond them.

import Domain
import Testing

@testable import Recipe

@Suite struct ColumnArithmeticTests {
    /// `left op right: clause; clause; so result`, split into its parts.
    private func parts(_ text: String) throws -> (head: String, clauses: [String], result: String) {
        let (head, rest) = try #require(text.components(separatedBy: ": ").splitPair)
        let (body, result) = try #require(rest.components(separatedBy: "; so ").splitPair)
        return (head, body.components(separatedBy: "; "), result)
    }

    /// The numbers of a clause, in order (`14 minus 8 is 6` gives 14, 8, 6).
    private func numbers(_ clause: String) -> [Int] {
        clause.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
    }

    private func digitsFromOnes(_ value: Int) -> [Int] {
        String(value).reversed().map { Int(String($0))! }
    }

    @Test func sumsCarryColumnByColumn() throws {
        for left in 0...120 {
            for right in 0...120 {
                let (head, clauses, result) = try parts(
                    try #require(ColumnArithmetic.worked(Double(left), .add, Double(right))))
                #expect(head == "\(left) plus \(right)")
                #expect(result == String(left + right))
                var carry = 0
                for (column, clause) in clauses.enumerated() {
                    let values = numbers(clause)
                    let x = column < digitsFromOnes(left).count ? digitsFromOnes(left)[column] : 0
                    let y = column < digitsFromOnes(right).count ? digitsFromOnes(right)[column] : 0
                    let total = x + y + carry
                    #expect(Array(values.prefix(2)) == [x, y], "\(clause)")
                    #expect(values.contains(total) && clause.contains("is \(total)"), "\(clause)")
                    #expect(clause.hasSuffix(", carry 1") == (total >= 10 && column + 1 < clauses.count), "\(clause)")
                    carry = total / 10
                }
            }
        }
    }

    @Test func differencesBorrowColumnByColumn() throws {
        for left in 0...150 {
            for right in 0...left {
                let (head, clauses, result) = try parts(
                    try #require(ColumnArithmetic.worked(Double(left), .subtract, Double(right))))
                #expect(head == "\(left) minus \(right)")
                #expect(result == String(left - right))
                #expect(clauses.count == String(left).count)
                var borrow = 0
                for (column, clause) in clauses.enumerated() {
                    let x = digitsFromOnes(left)[column]
                    let y = column < digitsFromOnes(right).count ? digitsFromOnes(right)[column] : 0
                    let borrows = x - borrow < y
                    let difference = (borrows ? 10 : 0) + x - y - borrow
                    let taken = "\(x) minus \(y)" + (borrow > 0 ? " minus 1" : "")
                    #expect(
                        clause
                            == (borrows ? "\(taken) borrows, 1\(taken) is \(difference)" : "\(taken) is \(difference)"),
                        "\(left) - \(right): \(clause)")
                    borrow = borrows ? 1 : 0
                }
            }
        }
        #expect(ColumnArithmetic.worked(3, .subtract, 5) == nil)
    }

    @Test func productsByOneDigitCarryColumnByColumn() throws {
        for left in 0...200 {
            for right in 0...9 {
                let (head, clauses, result) = try parts(
                    try #require(ColumnArithmetic.worked(Double(left), .multiply, Double(right))))
                #expect(head == "\(left) times \(right)")
                #expect(result == String(left * right))
                var carry = 0
                for (column, clause) in clauses.enumerated() {
                    let x = digitsFromOnes(left)[column]
                    let total = x * right + carry
                    #expect(Array(numbers(clause).prefix(2)) == [x, right], "\(clause)")
                    #expect(clause.contains(" is \(total)"), "\(clause)")
                    carry = total / 10
                }
            }
        }
        #expect(ColumnArithmetic.worked(12, .multiply, 12) == nil)
    }

    @Test func quotientsByOneDigitAreLongDivision() throws {
        for left in 0...200 {
            for right in 1...9 {
                let (head, clauses, result) = try parts(
                    try #require(ColumnArithmetic.worked(Double(left), .divide, Double(right))))
                #expect(head == "\(left) divided by \(right)")
                #expect(result == String(left / right) + (left % right > 0 ? " remainder \(left % right)" : ""))
                var remainder = 0
                for (clause, digit) in zip(clauses, String(left).map { Int(String($0))! }) {
                    let part = remainder * 10 + digit
                    let values = numbers(clause)
                    #expect(values[0] == part && values[1] == right && values[2] == part / right, "\(clause)")
                    remainder = part % right
                    #expect(
                        values.count == (remainder > 0 ? 4 : 3)
                            && values.last == (remainder > 0 ? remainder : values[2]))
                }
            }
        }
        #expect(ColumnArithmetic.worked(10, .divide, 0) == nil)
        #expect(ColumnArithmetic.worked(2.5, .add, 1) == nil)
    }

    @Test func examplesReadAsAPupilWritesThem() {
        #expect(
            ColumnArithmetic.worked(74, .subtract, 8)
                == "74 minus 8: 4 minus 8 borrows, 14 minus 8 is 6; 7 minus 0 minus 1 is 6; so 66")
        #expect(
            ColumnArithmetic.worked(37, .add, 5) == "37 plus 5: 7 plus 5 is 12, carry 1; 3 plus 0 plus 1 is 4; so 42")
        #expect(
            ColumnArithmetic.worked(24, .multiply, 3)
                == "24 times 3: 4 times 3 is 12, carry 1; 2 times 3 plus 1 is 7; so 72")
        #expect(
            ColumnArithmetic.worked(75, .divide, 2)
                == "75 divided by 2: 7 divided by 2 is 3 remainder 1; 15 divided by 2 is 7 remainder 1; so 37 remainder 1"
        )
    }
}
