// Exact fractions, so that the rule-based check can say `0.5`, `1/2` and `\frac{2}{4}` are equal without
// floating-point error. Every operation reports overflow as nil; the caller then compares text instead.

struct Rational: Hashable, Sendable {
    /// In lowest terms, with a positive denominator; zero is 0/1, so `-0` equals `0`.
    let numerator: Int
    let denominator: Int

    init?(_ numerator: Int, _ denominator: Int) {
        guard denominator != 0, numerator != .min, denominator != .min else { return nil }
        let divisor = Self.greatestCommonDivisor(abs(numerator), abs(denominator))
        let sign = denominator < 0 ? -1 : 1
        self.numerator = sign * numerator / divisor
        self.denominator = sign * denominator / divisor
    }

    /// A plain decimal: optional sign, digits, optional fraction (`12`, `-0.50`, `+3.`, `.25`).
    init?(decimal text: Substring) {
        var rest = text
        var negative = false
        if let sign = rest.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            rest = rest.dropFirst()
        }
        let parts = rest.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count == 2 ? parts[1] : ""
        let digits = whole + fraction
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        var numerator = 0
        var denominator = 1
        for digit in digits {
            let (shifted, overflow) = numerator.multipliedReportingOverflow(by: 10)
            let (sum, overflowAdding) = shifted.addingReportingOverflow(Int(digit.asciiValue! - 48))
            guard !overflow, !overflowAdding else { return nil }
            numerator = sum
        }
        for _ in fraction {
            let (shifted, overflow) = denominator.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            denominator = shifted
        }
        self.init(negative ? -numerator : numerator, denominator)
    }

    func divided(by other: Rational) -> Rational? {
        let (top, overflowTop) = numerator.multipliedReportingOverflow(by: other.denominator)
        let (bottom, overflowBottom) = denominator.multipliedReportingOverflow(by: other.numerator)
        guard !overflowTop, !overflowBottom else { return nil }
        return Rational(top, bottom)
    }

    private static func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int {
        b == 0 ? max(a, 1) : greatestCommonDivisor(b, a % b)
    }
}
