// The format gate SPARK puts in front of the reward model against reward hacking.
//
// Rules (SPARK-FORMATS.md §3; spark-paper.md §4.4; release `format_validity`), all on the full response:
// 1. `len(findall(r'\\\\boxed\{.*?\}')) + len(findall(r'\\boxed\{.*?\}')) == 1`. The release adds the two
//    patterns, so one `\\boxed{x}` (two backslashes) counts twice, once per pattern, and is refused; and
//    `.*?\}` cannot cross a newline, so a `\boxed{` whose `}` is on a later line counts zero.
// 2. `len(findall(r'<answer>.*?</answer>', DOTALL)) == 1`, case-sensitive.
// 3. `re.search(r'</answer>\s*\S')` finds nothing: only whitespace after any `</answer>`.
// The release gates the truncated text (`RewardModelInput.solution(from:)`) and then, in every `*_FORMAT`
// reward function, the full response again. A full response that passes passes truncated too (truncation only
// removes whitespace at either end, which none of the patterns can see), so checking the full response
// alone decides the same. Unlike the release, which stops at the first failure, every violation is reported.
//
// The `steps` format (PolicyFormat) has the same purpose for numbered-step solutions: the steps must be
// numbered 1, 2, … at the start of their lines, one `Answer:` line must end the response, and nothing
// but whitespace may follow it, so that appending text or a second answer is refused as in SPARK's.

/// The result of the format gate on one policy response.
public struct FormatCheck: Sendable, Equatable {
    public enum Violation: Sendable, Equatable {
        /// The release's `\boxed{` count is not 1.
        case boxedCount(Int)
        /// The number of `<answer>…</answer>` pairs is not 1.
        case answerBlockCount(Int)
        /// Non-whitespace text follows a `</answer>` (or, in the steps format, the `Answer:` line); the
        /// Unicode-scalar offset where it starts.
        case textAfterAnswer(at: Int)
        /// Steps format: no line starts with `Step 1:`.
        case noSteps
        /// Steps format: the step numbered `found` stands where step `expected` should.
        case stepNumbering(expected: Int, found: Int)
        /// Steps format: the number of `Answer:` lines is not 1.
        case answerLineCount(Int)
    }

    public let violations: [Violation]

    public var isValid: Bool { violations.isEmpty }

    /// Whether anything but whitespace follows the answer: the appending hack's mark.
    public var hasTextAfterAnswer: Bool {
        violations.contains { if case .textAfterAnswer = $0 { true } else { false } }
    }

    public init(response: String, format: PolicyFormat = .spark) {
        switch format {
        case .spark: violations = Self.sparkViolations(response)
        case .steps: violations = Self.stepsViolations(response)
        }
    }

    private static func sparkViolations(_ response: String) -> [Violation] {
        let text = PythonText.scalars(response)
        var violations: [Violation] = []
        let boxed = Self.doubleBackslashBoxed.matchCount(in: text) + Self.singleBackslashBoxed.matchCount(in: text)
        if boxed != 1 { violations.append(.boxedCount(boxed)) }
        let answers = Self.answerBlock.matchCount(in: text)
        if answers != 1 { violations.append(.answerBlockCount(answers)) }
        if let trailing = Self.textAfterAnswer.firstMatch(in: text) {
            violations.append(.textAfterAnswer(at: trailing.range.upperBound - 1))
        }
        return violations
    }

    private static func stepsViolations(_ response: String) -> [Violation] {
        var violations: [Violation] = []
        var expected = 1
        var misnumbered: Violation?
        var answerLines = 0
        var textAfterAnswer: Int?
        var offset = 0
        for line in response.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            defer { offset += line.count + 1 }
            let text = String(line)
            if answerLines > 0 && textAfterAnswer == nil,
                let first = line.firstIndex(where: { !$0.properties.isWhitespace })
            {
                textAfterAnswer = offset + line.distance(from: line.startIndex, to: first)
            }
            if text.hasPrefix("Answer:") { answerLines += 1 }
            guard let number = stepNumber(text) else { continue }
            if number != expected && misnumbered == nil {
                misnumbered = .stepNumbering(expected: expected, found: number)
            }
            expected += 1
        }
        if expected == 1 { violations.append(.noSteps) }
        if let misnumbered { violations.append(misnumbered) }
        if answerLines != 1 { violations.append(.answerLineCount(answerLines)) }
        if let textAfterAnswer { violations.append(.textAfterAnswer(at: textAfterAnswer)) }
        return violations
    }

    /// k for a line `Step k: …`.
    private static func stepNumber(_ line: String) -> Int? {
        guard line.hasPrefix("Step "), let colon = line.firstIndex(of: ":") else { return nil }
        return Int(line[line.index(line.startIndex, offsetBy: 5)..<colon])
    }

    static let doubleBackslashBoxed = PythonRegex(#"\\\\boxed\{.*?\}"#)
    static let singleBackslashBoxed = PythonRegex(#"\\boxed\{.*?\}"#)
    static let answerBlock = PythonRegex(#"<answer>.*?</answer>"#, flags: .dotAll)
    static let textAfterAnswer = PythonRegex(#"</answer>\s*\S"#)
}
