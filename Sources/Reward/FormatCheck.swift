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

/// The result of the format gate on one policy response.
public struct FormatCheck: Sendable, Equatable {
    public enum Violation: Sendable, Equatable {
        /// The release's `\boxed{` count is not 1.
        case boxedCount(Int)
        /// The number of `<answer>…</answer>` pairs is not 1.
        case answerBlockCount(Int)
        /// Non-whitespace text follows a `</answer>`; the Unicode-scalar offset where it starts.
        case textAfterAnswer(at: Int)
    }

    public let violations: [Violation]

    public var isValid: Bool { violations.isEmpty }

    public init(response: String) {
        let text = PythonText.scalars(response)
        var violations: [Violation] = []
        let boxed = Self.doubleBackslashBoxed.matchCount(in: text) + Self.singleBackslashBoxed.matchCount(in: text)
        if boxed != 1 { violations.append(.boxedCount(boxed)) }
        let answers = Self.answerBlock.matchCount(in: text)
        if answers != 1 { violations.append(.answerBlockCount(answers)) }
        if let trailing = Self.textAfterAnswer.firstMatch(in: text) {
            violations.append(.textAfterAnswer(at: trailing.range.upperBound - 1))
        }
        self.violations = violations
    }

    static let doubleBackslashBoxed = PythonRegex(#"\\\\boxed\{.*?\}"#)
    static let singleBackslashBoxed = PythonRegex(#"\\boxed\{.*?\}"#)
    static let answerBlock = PythonRegex(#"<answer>.*?</answer>"#, flags: .dotAll)
    static let textAfterAnswer = PythonRegex(#"</answer>\s*\S"#)
}
