// The shapes a policy response may be required to have before the reward model sees it.

public enum PolicyFormat: String, Sendable, CaseIterable {
    /// SPARK's: one `\boxed{}`, one `<answer>…</answer>`, nothing after it (FormatCheck's release rules).
    case spark
    /// Numbered steps, as the built-in math world writes solutions: lines `Step 1: …`, `Step 2: …` in
    /// order from 1, then one `Answer: …` line, and nothing after it.
    case steps
}
