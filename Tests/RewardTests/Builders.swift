import Reward

/// Texts shaped like real policy responses and reward-model replies, for the reward tests.
enum Builders {
    /// A response in the RL-Tango format with `stepCount` `<step>` blocks.
    static func response(steps stepCount: Int, answer: String = "\\boxed{5}", after: String = "") -> String {
        let steps = (0..<stepCount).map { "<step>Step \($0 + 1): work on the equation.</step>\n" }.joined()
        return "<think>\n\(steps)</think>\n<answer>The answer is \(answer)</answer>\(after)"
    }

    /// A PRM-CoT verification with one block per verdict and, unless nil, a final verdict line.
    static func cotReply(_ verdicts: [StepVerdict], final: String? = "Yes") -> RewardModelReply {
        var text = ""
        for (index, verdict) in verdicts.enumerated() {
            text += "## Step \(index + 1): Check\nThe work is examined.\n\n**This step is \(verdict.rawValue).**\n\n"
        }
        if let final { text += "**Verification: Is the answer correct (Yes/No)? \(final)**" }
        return RewardModelReply(parsing: text, variant: .prmCoT)
    }

    static func verdicts(_ labels: String) -> [StepVerdict] {
        labels.map { $0 == "c" ? .correct : .incorrect }
    }
}

/// SplitMix64: a small seeded generator, so random rewards are reproducible in tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    private(set) var draws = 0

    mutating func next() -> UInt64 {
        draws += 1
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
