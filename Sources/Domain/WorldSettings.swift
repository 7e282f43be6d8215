// The difficulty knobs of the math world, checked once so that generation never meets a dead end.

public struct WorldSettings: Sendable, Equatable {
    /// How many computations a problem needs.
    public var stepCounts: ClosedRange<Int> = 2...6
    /// The number a story starts from.
    public var startRange: ClosedRange<Int> = 10...60
    /// Numbers added, taken away, multiplied or divided by, and the sizes of groups.
    public var operandRange: ClosedRange<Int> = 2...12
    /// The operations problems may use; must include `add`, which every running total admits.
    public var operations: Set<ArithmeticOperation> = Set(ArithmeticOperation.allCases)
    /// Story templates by name (`StoryTheme.all`).
    public var themes: [String] = StoryTheme.all.map(\.name)
    /// No running total and no product of a group goes above this value.
    public var valueLimit = 1000

    public init() {}

    public func validated() throws(WorldSettingsError) -> WorldSettings {
        guard stepCounts.lowerBound >= 1 else { throw .invalid("step counts must start at 1 or more") }
        guard startRange.lowerBound >= 1 else { throw .invalid("start values must be positive") }
        guard operandRange.lowerBound >= 2 else { throw .invalid("operands must be 2 or more") }
        guard operations.contains(.add) else { throw .invalid("operations must include add") }
        guard valueLimit >= max(startRange.upperBound, operandRange.lowerBound) * operandRange.lowerBound else {
            throw .invalid(
                "the value limit \(valueLimit) leaves no room to multiply the largest start value or a group")
        }
        guard valueLimit >= startRange.upperBound + stepCounts.upperBound * operandRange.lowerBound else {
            throw .invalid(
                "the value limit \(valueLimit) leaves no room for \(stepCounts.upperBound) gains of \(operandRange.lowerBound) after a start of \(startRange.upperBound)"
            )
        }
        for theme in themes where StoryTheme.named(theme) == nil {
            throw .invalid(
                "unknown theme '\(theme)' (known: \(StoryTheme.all.map(\.name).joined(separator: ", ")))")
        }
        guard !themes.isEmpty else { throw .invalid("at least one theme is needed") }
        return self
    }

    /// The largest total allowed when `stepsAfter` steps remain, each of which may need to add the
    /// smallest operand.
    func ceiling(stepsAfter: Int) -> Int { valueLimit - stepsAfter * operandRange.lowerBound }

    /// The operands that divide `total` exactly and leave at least 2.
    public func exactDivisors(of total: Int) -> [Int] {
        operandRange.filter { total % $0 == 0 && total / $0 >= 2 }
    }
}

public enum WorldSettingsError: Error, Equatable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let reason): "math world settings: \(reason)"
        }
    }
}
