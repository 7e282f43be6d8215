// The two problem distributions of the recipe. The policy's world is where the generator solves, Stage
// I runs and the benchmark is drawn (fresh seeds each); the verifier learns on another world (other
// story themes, larger numbers), so that on the policy's world its single verifications are noisy, as a
// general-purpose LLM verifier's are on a new domain.

import Domain

public enum RecipeWorlds {
    public static let policyThemes = ["farm", "savings", "workshop"]
    public static let policyStart = 10...60
    public static let policyOperands = 2...12
    public static let verifierThemes = ["market", "library"]
    public static let verifierStart = 40...120
    public static let verifierOperands = 3...15
    public static let stepCounts = 2...5

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
        return settings
    }

    /// `spark-train synth`'s world options for the policy's world.
    public static var policySynthArguments: [String] {
        [
            "--world-themes", policyThemes.joined(separator: ","), "--world-start", text(policyStart),
            "--world-operands", text(policyOperands), "--world-steps", text(stepCounts),
        ]
    }

    private static func text(_ range: ClosedRange<Int>) -> String { "\(range.lowerBound)-\(range.upperBound)" }
}
