// The three SPARK reward-model variants and the one user message each is sent.
//
// Prompts are byte for byte those of SPARK-FORMATS.md §1 and the release's `ORM_PROMPT` / `PRM_PROMPT`
// (salman-lui/mixed_reward, `run_scripts/math_gen_rm_reward_function.py`). PRM and PRM-CoT share the PRM
// prompt. The release sends the ORM prompt to the PRM-CoT endpoint in its selective-advantage and
// global-step runs (spark-paper.md §3.1); that looks like an oversight and is not reproduced: the prompt
// follows the variant. `{q}` and `{s}` are inserted verbatim, as Python's `str.format` does.

/// A reward model's output format.
public enum RewardModelVariant: String, Sendable, CaseIterable {
    /// Writes only `Yes` or `No`.
    case orm
    /// Writes `Step k: Correct|Incorrect` lines, then the final verdict line.
    case prm
    /// Writes `## Step k: …`, an analysis and `**This step is correct.**` per step, then the final verdict.
    case prmCoT = "prm_cot"

    /// The user message for `problem` and `solution` (the response as truncated by
    /// `RewardModelInput.solution(from:)`).
    public func prompt(problem: String, solution: String) -> String {
        switch self {
        case .orm:
            return "Problem: \(problem)\n\nSolution: \(solution)\n\nIs the answer correct (Yes/No)?"
        case .prm, .prmCoT:
            return "Problem: \(problem)\n\nStudent Solution: \(solution)\n\nLet's verify step by step."
        }
    }
}
