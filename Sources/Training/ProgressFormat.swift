// Number formats of the progress line: fixed decimals, scientific learning rates (3.00e-04) and
// durations (1h05m, 3m20s, 42s), without Foundation's locale-dependent formatters.

enum ProgressFormat {
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return "\(value)" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let whole = (abs(value) * scale).rounded()
        let integer = Int(whole / scale)
        var fraction = String(Int(whole.truncatingRemainder(dividingBy: scale)))
        while fraction.count < decimals { fraction = "0" + fraction }
        return (value < 0 && whole > 0 ? "-" : "") + "\(integer)" + (decimals > 0 ? "." + fraction : "")
    }

    static func scientific(_ value: Double) -> String {
        guard value > 0, value.isFinite else { return "\(value)" }
        var exponent = 0
        var mantissa = value
        while mantissa >= 10 {
            mantissa /= 10
            exponent += 1
        }
        while mantissa < 1 {
            mantissa *= 10
            exponent -= 1
        }
        // 9.999 rounds to 10.00: write 1.00 and one more in the exponent.
        if (mantissa * 100).rounded() >= 1000 {
            mantissa /= 10
            exponent += 1
        }
        let digits = abs(exponent) < 10 ? "0\(abs(exponent))" : "\(abs(exponent))"
        return "\(fixed(mantissa, 2))e\(exponent < 0 ? "-" : "+")\(digits)"
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let total = Int(seconds.rounded())
        func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        if total >= 3600 { return "\(total / 3600)h\(twoDigits(total % 3600 / 60))m" }
        if total >= 60 { return "\(total / 60)m\(twoDigits(total % 60))s" }
        return "\(total)s"
    }
}
