// The RLVR baseline's reward: the final boxed answer checked against the ground truth by rule.
//
// SPARK's RLVR baseline (`RULE_BASED`, spark-paper.md §4.5) calls `math_verify.compute_score(response, gt)`
// with no format gate. That library parses LaTeX into sympy; this is a much smaller rule-based stand-in:
// it extracts the answer and normalises the forms that differ most often in MATH-style answers.
//
// Extraction: the content of the last `\boxed{…}` whose braces balance (a `\boxed` cut off before its
// closing brace is skipped). A ground truth that contains `\boxed{…}` is read the same way; otherwise it is
// used whole.
//
// Normalised:
// - LaTeX wrappers and spacing: `\text{…}`, `\textbf{…}`, `\mathrm{…}` and `\mbox{…}` keep their content;
//   `\left` and `\right` are dropped (their delimiters stay); `\!`, `\,`, `\;`, `\:`, `$` and every
//   whitespace character are dropped; `\dfrac` and `\tfrac` become `\frac`;
// - units the MATH answers carry: `^\circ`, `^{\circ}`, `\%` and `%` are dropped, so `50\%` equals `50`;
// - trailing periods, and one pair of braces around the whole answer;
// - numbers: a leading `+`, thousands separators in groups of three (`1,000`), trailing zeros (`1000.0`),
//   and `-0` equal the plain number; `\frac{a}{b}`, `a/b` and decimals compare as exact fractions, with a
//   sign before or inside the fraction.
// Not normalised (compared as text after the steps above): algebraic equivalence (`x+1` vs `1+x`), order
// inside sets and tuples, intervals, `\sqrt` and `\pi` forms, scientific notation, mixed numbers, `\frac12`
// without braces, `x = 5` vs `5`, letter case, and numbers beyond 18 digits (their text must then match).

public enum RuleBasedVerifier {
    /// 1 when the response's last boxed answer equals the ground truth after normalisation, else 0
    /// (also 0 when the response has no complete `\boxed{…}`).
    public static func score(response: String, groundTruth: String) -> Double {
        guard let answer = lastBoxedAnswer(in: response) else { return 0 }
        return isEquivalent(answer, lastBoxedAnswer(in: groundTruth) ?? groundTruth) ? 1 : 0
    }

    /// The content of the last `\boxed{…}` with balanced braces, or nil.
    public static func lastBoxedAnswer(in text: String) -> String? {
        let scalars = Array(text.unicodeScalars)
        var found: Range<Int>?
        var searchStart = 0
        while let command = PythonText.find("\\boxed", in: scalars, from: searchStart) {
            searchStart = command + 1
            var open = command + "\\boxed".unicodeScalars.count
            while open < scalars.count && PythonText.isSpace(scalars[open]) { open += 1 }
            if open < scalars.count, scalars[open] == "{", let close = matchingBrace(scalars, open) {
                found = (open + 1)..<close
            }
        }
        return found.map { PythonText.string(scalars[$0]) }
    }

    /// Whether two answers are equal after normalisation.
    public static func isEquivalent(_ first: String, _ second: String) -> Bool {
        normalized(first) == normalized(second)
    }

    enum NormalizedAnswer: Equatable {
        case number(Rational)
        case text(String)
    }

    static func normalized(_ answer: String) -> NormalizedAnswer {
        var text = answer
        for wrapper in ["\\text", "\\textbf", "\\mathrm", "\\mbox"] {
            text = unwrapped(text, command: wrapper)
        }
        text = withoutCommand(text, "\\left")
        text = withoutCommand(text, "\\right")
        for (form, replacement) in [("\\dfrac", "\\frac"), ("\\tfrac", "\\frac")] {
            text = text.replacing(form, with: replacement)
        }
        for noise in ["^{\\circ}", "^\\circ", "\\%", "%", "\\!", "\\,", "\\;", "\\:", "$"] {
            text = text.replacing(noise, with: "")
        }
        var scalars = Array(text.unicodeScalars.filter { !PythonText.isSpace($0) })
        while scalars.last == "." { scalars.removeLast() }
        if scalars.first == "{", matchingBrace(scalars, 0) == scalars.count - 1 {
            scalars = Array(scalars.dropFirst().dropLast())
        }
        let canonical = PythonText.string(scalars)
        return number(canonical).map(NormalizedAnswer.number) ?? .text(canonical)
    }

    /// `a`, `a/b`, `\frac{a}{b}` or `-\frac{a}{b}`, where `a` and `b` are decimals.
    private static func number(_ text: String) -> Rational? {
        if let value = plainNumber(text[...]) { return value }
        var body = text[...]
        var sign = 1
        if let first = body.first, first == "-" || first == "+" {
            sign = first == "-" ? -1 : 1
            body = body.dropFirst()
        }
        var parts: [Substring]
        if body.hasPrefix("\\frac{"), body.hasSuffix("}"), let middle = body.firstRange(of: "}{") {
            parts = [
                body[body.index(body.startIndex, offsetBy: 6)..<middle.lowerBound],
                body[middle.upperBound...].dropLast(),
            ]
        } else {
            parts = body.split(separator: "/", omittingEmptySubsequences: false)
        }
        guard parts.count == 2, let top = plainNumber(parts[0]), let bottom = plainNumber(parts[1]),
            let value = top.divided(by: bottom)
        else { return nil }
        return Rational(sign * value.numerator, value.denominator)
    }

    /// A decimal, with thousands separators allowed only in exact groups of three.
    private static func plainNumber(_ text: Substring) -> Rational? {
        guard text.contains(",") else { return Rational(decimal: text) }
        let unsigned = text.first == "-" || text.first == "+" ? text.dropFirst() : text
        let whole = unsigned.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)[0]
        let groups = whole.split(separator: ",", omittingEmptySubsequences: false)
        guard (1...3).contains(groups[0].count), groups.dropFirst().allSatisfy({ $0.count == 3 }) else { return nil }
        return Rational(decimal: Substring(text.filter { $0 != "," }))
    }

    /// The offset of the brace that closes the one at `open`, or nil when it never closes.
    private static func matchingBrace(_ scalars: [Unicode.Scalar], _ open: Int) -> Int? {
        var depth = 0
        for position in open..<scalars.count {
            switch scalars[position] {
            case "{": depth += 1
            case "}":
                depth -= 1
                if depth == 0 { return position }
            default: break
            }
        }
        return nil
    }

    /// `text` with every `command{…}` replaced by its content.
    private static func unwrapped(_ text: String, command: String) -> String {
        var scalars = Array(text.unicodeScalars)
        let opening = command + "{"
        while let start = PythonText.find(opening, in: scalars),
            let close = matchingBrace(scalars, start + opening.unicodeScalars.count - 1)
        {
            scalars.replaceSubrange(start...close, with: scalars[(start + opening.unicodeScalars.count)..<close])
        }
        return PythonText.string(scalars)
    }

    /// `text` without `command` where it is a whole command name (`\right` but not `\rightarrow`).
    private static func withoutCommand(_ text: String, _ command: String) -> String {
        var scalars = Array(text.unicodeScalars)
        var searchStart = 0
        while let start = PythonText.find(command, in: scalars, from: searchStart) {
            let end = start + command.unicodeScalars.count
            if end < scalars.count && scalars[end].properties.isAlphabetic {
                searchStart = end
            } else {
                scalars.removeSubrange(start..<end)
                searchStart = start
            }
        }
        return PythonText.string(scalars)
    }
}
