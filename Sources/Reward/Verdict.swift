// The two kinds of verdict a SPARK reward model writes (SPARK-FORMATS.md §1).

/// The final verdict on a whole solution: `Is the answer correct (Yes/No)? X`.
public enum Verdict: String, Sendable, Hashable {
    case yes
    case no

    /// SPARK's value: Yes is 1, No is 0.
    public var value: Double { self == .yes ? 1 : 0 }
}

/// The verdict on one step: `Step k: Correct` (PRM) or `**This step is correct.**` (PRM-CoT).
public enum StepVerdict: String, Sendable, Hashable {
    case correct
    case incorrect

    /// The release's raw step reward (`raw_step_rewards`): +1 for correct, −1 for incorrect.
    public var rawReward: Double { self == .correct ? 1 : -1 }
}
