// What the reward model is shown of a policy response.
//
// Release `extract_valid_answer` (spark-paper.md §4.3 a): `re.search(r'(.*</answer>)', response, DOTALL)`,
// whose greedy `.*` reaches the last `</answer>`, then `.strip()`. Without `</answer>` the response is sent
// whole and unstripped. Text after the answer is cut so that an appended, already solved problem cannot
// persuade the verifier (the "solution appending" hack); the format gate refuses such responses anyway.

public enum RewardModelInput {
    /// The response up to and including its last `</answer>`, stripped; the whole response without one.
    public static func solution(from response: String) -> String {
        let text = PythonText.scalars(response)
        // Without the tag the search would fail from every start position, in quadratic time.
        guard PythonText.find("</answer>", in: text) != nil, let match = throughLastAnswer.firstMatch(in: text) else {
            return response
        }
        return PythonText.string(PythonText.stripped(text[match.groups[0]!]))
    }

    /// Steps a client sends as a list, as the reward model reads them: `Step 1: ...`, a blank line,
    /// `Step 2: ...`, and no answer line.
    public static func stepList(_ steps: [String]) -> String {
        steps.enumerated().map { "Step \($0.offset + 1): \($0.element)" }.joined(separator: "\n\n")
    }

    /// The reward model's user message for `response` to `problem`.
    public static func prompt(for variant: RewardModelVariant, problem: String, response: String) -> String {
        variant.prompt(problem: problem, solution: solution(from: response))
    }

    static let throughLastAnswer = PythonRegex(#"(.*</answer>)"#, flags: .dotAll)
}
