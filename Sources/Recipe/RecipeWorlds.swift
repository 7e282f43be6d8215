// The two problem distributions of the recipe. The policy's world is where the generator solves, Stage
// I runs and the benchmark is drawn (fresh seeds each); the verifier learns on another world (other
// start values, two more themes), so that on the policy's world its single verifications are noisy, as a
// general-purpose LLM verifier's are on a new domain. The verifier's world tells stories of every
// theme: fine-tuned on other themes alone, it wrote stories of its own themes (other people, other
// items) instead of reading the policy's solutions. Every value stays below 100: a model of a few
// million parameters learns sums of two-digit numbers in minutes, and three-digit ones not in hours
// (1000 steps on sums up to 1000 left it adding 21 + 2 = 22). The worlds share their operands: a
// verifier that never saw 2 as an operand (3-9) divided 22 by 2 as `2 divided by 2 is 0 remainder 2`
// and flagged the policy's correct halvings, which are frequent (2 divides most totals), as wrong:
// Stage I's step-consistency outcomes agreed with the checker on 45 % of solutions, and 95 % once the
// verifier learned on 2-9 too.

import Domain

public enum RecipeWorlds {
    public static let policyThemes = ["farm", "savings", "workshop"]
    public static let policyStart = 10...40
    public static let policyOperands = 2...9
    public static let verifierThemes = ["market", "library"] + policyThemes
    public static let verifierStart = 15...33
    public static let verifierOperands = 2...9
    public static let stepCounts = 2...5
    /// No running total or group product of either world goes above this.
    public static let valueLimit = 99
    /// The largest operand of either world, and so the largest group product is its square.
    public static let largestOperand = 9

    public static var policy: WorldSettings {
        settings(themes: policyThemes, start: policyStart, operands: policyOperands)
    }

    public static var verifier: WorldSettings {
        settings(themes: verifierThemes, start: verifierStart, operands: verifierOperands)
    }

    private static func settings(themes: [String], start: ClosedRange<Int>, operands: ClosedRange<Int>)
        -> WorldSettings
    {
        var settings = WorldSettings()
        settings.themes = themes
        settings.startRange = start
        settings.operandRange = operands
        settings.stepCounts = stepCounts
        settings.valueLimit = valueLimit
        return settings
    }

    /// `spark-train synth`'s world options for the policy's world.
    public static var policySynthArguments: [String] {
        [
            "--world-themes", policyThemes.joined(separator: ","), "--world-start", text(policyStart),
            "--world-operands", text(policyOperands), "--world-steps", text(stepCounts),
            "--world-limit", String(valueLimit),
        ]
    }

    private static func text(_ range: ClosedRange<Int>) -> String { "\(range.lowerBound)-\(range.upperBound)" }
}
