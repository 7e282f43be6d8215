// Reads a reward model's reply into its final verdict and its step verdicts.
//
// Rules (SPARK-FORMATS.md §1; spark-paper.md §2.5 and §3.1; release `compute_reward_orm`,
// `compute_reward_prm`, `compute_reward_prm_cot_hybrid_step_avg_format`):
// - ORM: the reply, `strip()`ped and `lower()`ed, must be exactly `yes` or `no`.
// - PRM step verdicts: every match of `Step\s+\d+:\s*(Correct|Incorrect)`, IGNORECASE, in order.
// - PRM-CoT step verdicts: every match of `\*\*This step is (correct|incorrect)\.\*\*`, IGNORECASE, in order;
//   the k-th marker is the k-th step whatever number the header says.
// - PRM and PRM-CoT outcome: the first of five patterns that `re.search` finds (IGNORECASE, no DOTALL and no
//   MULTILINE, so `.` stays on one line, `\s` may cross lines, `$` is the end of the reply or just before
//   its final newline).
//
// Thinking. The release's RL reward function does not strip thinking; its Stage-I parser keeps what
// follows the first `</think>` and, without one, falls back to the text from `\n\n## Step 1:`. This module
// keeps what follows the first `</think>` (case-sensitive, as the release's `in` test), so that markers a
// thinking model writes while thinking are never counted. A reply that starts with `<think>` and never closes
// it was cut off while thinking: nothing after the opening tag is taken as a verdict, so it parses as no steps
// and an unparseable outcome. That is stricter than the Stage-I fallback and deliberate: a half-finished
// thought is not a verification.
//
// An outcome that no pattern finds is reported as unparseable (`outcome == nil`); its SPARK value is still
// 0, as in the release (`outcomeReward`).

/// A parsed reward-model reply.
public struct RewardModelReply: Sendable, Equatable {
    /// Named in every reward's provenance; raise it with any change to how replies are read, since
    /// the same reply may then score differently.
    public static let parserVersion = 1

    /// Where the reply's thinking ended.
    public enum Thinking: String, Sendable {
        /// No `</think>` and no opening `<think>`: the whole reply is read.
        case absent
        /// Text up to and including the first `</think>` was dropped.
        case closed
        /// The reply starts with `<think>` that never closes: nothing is read.
        case unclosed
    }

    public let variant: RewardModelVariant
    public let thinking: Thinking
    /// The final verdict, or nil when the reply has none that the release would recognise.
    public let outcome: Verdict?
    /// The step verdicts in reply order; always empty for an ORM.
    public let stepVerdicts: [StepVerdict]
    /// Which outcome pattern matched, 1 to 5 in cascade order (PRM and PRM-CoT only); for tests and logs.
    let outcomePattern: Int?

    public init(parsing reply: String, variant: RewardModelVariant) {
        let text = PythonText.scalars(reply)
        let (visible, thinking) = Self.visibleText(text)
        self.variant = variant
        self.thinking = thinking
        switch variant {
        case .orm:
            stepVerdicts = []
            outcomePattern = nil
            if PythonText.strippedLowercaseEquals(visible, "yes") {
                outcome = .yes
            } else if PythonText.strippedLowercaseEquals(visible, "no") {
                outcome = .no
            } else {
                outcome = nil
            }
        case .prm, .prmCoT:
            let body = Array(visible)
            let stepPattern = variant == .prm ? Self.prmStep : Self.prmCoTStep
            stepVerdicts = stepPattern.allMatches(in: body).map { match in
                Self.isWord(body[match.groups[0]!], "correct") ? .correct : .incorrect
            }
            (outcome, outcomePattern) = Self.outcome(in: body)
        }
    }

    /// Whether the reply carried a final verdict.
    public var isOutcomeParsed: Bool { outcome != nil }

    /// SPARK's outcome value y: 1 for Yes, 0 for No and for an unparseable reply.
    public var outcomeReward: Double { outcome?.value ?? 0 }

    /// k/n, the share of step verdicts that say correct; 0 when there are none (release hybrid rule).
    public var correctStepShare: Double {
        guard !stepVerdicts.isEmpty else { return 0 }
        return Double(stepVerdicts.filter { $0 == .correct }.count) / Double(stepVerdicts.count)
    }

    // MARK: - Patterns, exactly as in the release

    static let prmStep = PythonRegex(#"Step\s+\d+:\s*(Correct|Incorrect)"#, flags: .ignoreCase)
    static let prmCoTStep = PythonRegex(#"\*\*This step is (correct|incorrect)\.\*\*"#, flags: .ignoreCase)
    static let outcomeCascade = [
        PythonRegex(#"\*\*Verification:\s*Is the answer correct.*?\?\s*(Yes|No)\*\*"#, flags: .ignoreCase),
        PythonRegex(#"Verification:\s*Is the answer correct.*?\?\s*(Yes|No)"#, flags: .ignoreCase),
        PythonRegex(#"Is the answer correct.*?\?\s*(Yes|No)"#, flags: .ignoreCase),
        PythonRegex(#"\?\s*(Yes|No)\s*\*\*\s*$"#, flags: .ignoreCase),
        PythonRegex(#"\?\s*(Yes|No)\s*$"#, flags: .ignoreCase),
    ]

    /// The first pattern that matches decides, as in the release's `for … break` loop. Its capture is then
    /// compared after `lower()`: IGNORECASE lets `Yeſ` (long s) match, which lower-cases to neither word, so
    /// the release scores it 0 and stops; here that is an unparseable outcome found by that pattern.
    private static func outcome(in text: [Unicode.Scalar]) -> (Verdict?, Int?) {
        for (index, pattern) in outcomeCascade.enumerated() {
            guard let match = pattern.firstMatch(in: text) else { continue }
            let answer = text[match.groups[0]!]
            let verdict: Verdict? = isWord(answer, "yes") ? .yes : isWord(answer, "no") ? .no : nil
            return (verdict, index + 1)
        }
        return (nil, nil)
    }

    private static func isWord(_ text: ArraySlice<Unicode.Scalar>, _ word: String) -> Bool {
        PythonText.strippedLowercaseEquals(text, word)
    }

    private static func visibleText(_ text: [Unicode.Scalar]) -> (ArraySlice<Unicode.Scalar>, Thinking) {
        let closingTag = "</think>"
        if let start = PythonText.find(closingTag, in: text) {
            return (text[(start + closingTag.unicodeScalars.count)...], .closed)
        }
        let start = text.firstIndex { !PythonText.isSpace($0) } ?? text.endIndex
        if text[start...].starts(with: "<think>".unicodeScalars) {
            return (text[text.endIndex...], .unclosed)
        }
        return (text[...], .absent)
    }
}
