// The arithmetic one step of a solution writes: its equations (`12 + 5 = 17`) and the numbers it
// mentions. Read the way a grader reads it, tolerant of prose around the maths:
//
// - Numbers: digits with an optional decimal part and thousands separators in groups of three
//   (`1,200`); `$` is ignored; a number right after the word "step" is a reference, not a value.
// - Operators: `+`, `-` or `−`, `×`, `*`, `·` or a lone `x`, `÷` or `/`; parentheses group.
// - An equation is `expression = number`, the number possibly negative. Its expression is the longest run of tokens before the `=`
//   that parses, made of numbers, operators, parentheses and up to two words at a time, which are
//   dropped (units: `12 apples + 5 apples`). Words in a longer run, punctuation other than a decimal
//   point or thousands separator, or another `=` end the run. An expression without an operator is no
//   equation (`total = 17` restates).
//
// Not read: operators in words (`12 plus 5`), percentages, fractions written `\frac`. A step written
// that way has no equation and is judged by the numbers it mentions.

public struct StepArithmetic: Sendable, Equatable {
    public struct Equation: Sendable, Equatable {
        /// The numbers the expression computes with, left to right.
        public let operands: [Double]
        /// The operators, left to right.
        public let operations: [ArithmeticOperation]
        /// What the expression evaluates to; nil for a division by zero.
        public let value: Double?
        /// The number written after `=`.
        public let claimed: Double
    }

    public let equations: [Equation]
    /// Every number the step states, equations included, in order.
    public let mentionedNumbers: [Double]

    public init(parsing text: String) {
        let tokens = Self.tokens(of: text)
        mentionedNumbers = tokens.compactMap { if case .number(let value) = $0 { value } else { nil } }
        var equations: [Equation] = []
        for (index, token) in tokens.enumerated() where token == .equals {
            guard let claimed = Self.number(after: index, in: tokens),
                let expression = Self.expression(endingBefore: index, in: tokens)
            else { continue }
            equations.append(
                Equation(
                    operands: expression.operands, operations: expression.operations, value: expression.value,
                    claimed: claimed))
        }
        self.equations = equations
    }

    enum Token: Equatable {
        case number(Double)
        case operation(ArithmeticOperation)
        case open
        case close
        case equals
        case word(String)
        /// Punctuation that ends an expression.
        case stop
    }

    static func tokens(of text: String) -> [Token] {
        let characters = Array(text)
        var tokens: [Token] = []
        var position = 0
        func isDigit(_ offset: Int) -> Bool {
            offset < characters.count && characters[offset].isASCII && characters[offset].isNumber
        }
        while position < characters.count {
            let character = characters[position]
            if isDigit(position) {
                var digits = ""
                while position < characters.count {
                    if isDigit(position) {
                        digits.append(characters[position])
                    } else if characters[position] == ",", (1...3).allSatisfy({ isDigit(position + $0) }),
                        !isDigit(position + 4)
                    {
                        // A thousands separator: skipped.
                    } else if characters[position] == ".", isDigit(position + 1), !digits.contains(".") {
                        digits.append(".")
                    } else {
                        break
                    }
                    position += 1
                }
                if case .word(let previous) = tokens.last, previous.lowercased() == "step" {
                    tokens.append(.word(digits))
                } else {
                    tokens.append(.number(Double(digits)!))
                }
                continue
            }
            if character.isLetter {
                var word = ""
                while position < characters.count && characters[position].isLetter {
                    word.append(characters[position])
                    position += 1
                }
                tokens.append(word == "x" || word == "X" ? .operation(.multiply) : .word(word))
                continue
            }
            switch character {
            case "=": tokens.append(.equals)
            case "(": tokens.append(.open)
            case ")": tokens.append(.close)
            case "$": break
            default:
                if let operation = ArithmeticOperation(symbol: character) {
                    tokens.append(.operation(operation))
                } else if !character.isWhitespace {
                    tokens.append(.stop)
                }
            }
            position += 1
        }
        return tokens
    }

    /// The number right after the `=` at `equals`, with its sign when it has one (`= -27`).
    private static func number(after equals: Int, in tokens: [Token]) -> Double? {
        var position = equals + 1
        let negative = position < tokens.count && tokens[position] == .operation(.subtract)
        if negative { position += 1 }
        guard position < tokens.count, case .number(let value) = tokens[position] else { return nil }
        return negative ? -value : value
    }

    /// The longest parsable run of expression tokens that ends just before `end`.
    private static func expression(endingBefore end: Int, in tokens: [Token]) -> ExpressionParser.Result? {
        var start = end
        var wordRun = 0
        scan: while start > 0 {
            switch tokens[start - 1] {
            case .number, .operation, .open, .close: wordRun = 0
            case .word:
                wordRun += 1
                if wordRun > 2 { break scan }
            case .equals, .stop: break scan
            }
            start -= 1
        }
        for first in start..<end {
            let run = tokens[first..<end].filter { if case .word = $0 { false } else { true } }
            if let result = ExpressionParser.parse(run), !result.operations.isEmpty { return result }
        }
        return nil
    }
}

/// Recursive descent over `expression := term (('+' | '-') term)*`, `term := factor (('×' | '÷') factor)*`,
/// `factor := number | '(' expression ')' | '-' factor`, in exact IEEE doubles (the world's numbers are
/// small integers, whose sums, differences and products are exact).
private struct ExpressionParser {
    struct Result {
        var operands: [Double]
        var operations: [ArithmeticOperation]
        var value: Double?
    }

    private let tokens: [StepArithmetic.Token]
    private var position = 0
    private var operands: [Double] = []
    private var operations: [ArithmeticOperation] = []

    /// The whole run as one expression, or nil when it does not parse completely.
    static func parse(_ tokens: [StepArithmetic.Token]) -> Result? {
        var parser = ExpressionParser(tokens: tokens)
        guard let value = parser.expression(), parser.position == tokens.count else { return nil }
        return Result(operands: parser.operands, operations: parser.operations, value: value)
    }

    private init(tokens: [StepArithmetic.Token]) { self.tokens = tokens }

    /// The value, `.some(nil)` after a division by zero, nil when the tokens do not parse.
    private mutating func expression() -> Double?? { leftAssociative([.add, .subtract]) { $0.term() } }

    private mutating func term() -> Double?? { leftAssociative([.multiply, .divide]) { $0.factor() } }

    /// `operand (operation operand)*` for the operations of one precedence level, evaluated left to right.
    private mutating func leftAssociative(
        _ level: Set<ArithmeticOperation>, _ operand: (inout ExpressionParser) -> Double??
    ) -> Double?? {
        guard var value = operand(&self) else { return nil }
        while position < tokens.count, case .operation(let operation) = tokens[position], level.contains(operation) {
            position += 1
            guard let right = operand(&self) else { return nil }
            operations.append(operation)
            value = combine(value, operation, right)
        }
        return value
    }

    private mutating func factor() -> Double?? {
        guard position < tokens.count else { return nil }
        switch tokens[position] {
        case .number(let value):
            position += 1
            operands.append(value)
            return value
        case .open:
            position += 1
            guard let value = expression(), position < tokens.count, tokens[position] == .close else { return nil }
            position += 1
            return value
        case .operation(.subtract):
            position += 1
            guard let value = factor() else { return nil }
            return value.map { -$0 }
        default:
            return nil
        }
    }

    private func combine(_ left: Double?, _ operation: ArithmeticOperation, _ right: Double?) -> Double? {
        guard let left, let right else { return nil }
        return operation.apply(left, right)
    }
}
