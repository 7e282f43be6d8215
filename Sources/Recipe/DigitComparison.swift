// A verification's result compared with the step's claim digit by digit, from the ones up, as the result
// was worked out (`The step has 34: 6 and 4 differ, 3 and 3 agree; it does not match.`). Compared
// whole (`so 70. The step has 60, which matches.`), a PRM-CoT of the recipe called all 24 results that
// were wrong in their tens digit alone matching and caught every wrong ones digit
// (docs/recipe-notebook.md): it decided by the last digit. Column by column, each decision is between
// two digits side by side.

enum DigitComparison {
    /// `<claimed>: <result's digit> and <claimed's digit> agree (or differ), …; it matches.` (or `it does
    /// not match.`), `none` standing for a digit the shorter number lacks; numbers that are not whole
    /// and non-negative are compared whole: `<claimed>, which matches.`
    static func claim(_ claimed: String, against result: String) -> String {
        guard let resultDigits = onesFirst(result), let claimedDigits = onesFirst(claimed) else {
            return "\(claimed), " + (claimed == result ? "which matches." : "which does not match.")
        }
        let pairs = (0..<max(resultDigits.count, claimedDigits.count)).map { column in
            let (expected, found) = (digit(resultDigits, column), digit(claimedDigits, column))
            return "\(expected) and \(found) \(expected == found ? "agree" : "differ")"
        }
        return "\(claimed): \(pairs.joined(separator: ", ")); "
            + (resultDigits == claimedDigits ? "it matches." : "it does not match.")
    }

    private static func onesFirst(_ number: String) -> [Character]? {
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return number.reversed()
    }

    private static func digit(_ digits: [Character], _ column: Int) -> String {
        column < digits.count ? String(digits[column]) : "none"
    }
}
