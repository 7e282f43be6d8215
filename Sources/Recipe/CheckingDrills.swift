// Checking drills, part of the reader's text (WorldCorpus): equations of the worlds' kind, half with a
// wrong result, then each one checked in the verifier's own format: quoted as written under
// `## Step k:`, recomputed in words and in columns, compared digit by digit with the claim copied beside
// the result (`Recomputing: 96 divided by 8: 9 divided by 8 is 1 remainder 1; 16 divided by 8 is 2; so
// 12. The step has 60: 2 and 0 differ, 1 and 6 differ; it does not match.`) and judged, so that the
// model learns which of the two places asks for a copy and which for a computation. With the
// recomputation in symbols a base learned to copy the claim into it; in words, after four continuations,
// one computed it in the drills (0.98 of the right first digits, docs/recipe-notebook.md).
// `scripts/copy_tasks.py` writes and probes drills of this kind.

import Domain

public enum CheckingDrills {
    public static func drills(count: Int, seed: UInt64) -> [String] {
        var random = WorldRandom(seed: seed)
        return (0..<count).map { _ in
            var claims: [String] = []
            var checks: [String] = []
            for index in 0..<random.draw(3...8) {
                let fact = ArithmeticFact.random(&random)
                let claim = random.draw(0...1) == 0 ? fact.equation(claiming: wrongResult(fact.result, &random)) : fact
                claims.append(claim.text)
                let recomputed = VerificationWriter.check(
                    "Recomputing:", worked: fact.workedText, result: String(fact.result), claimed: String(claim.result))
                let verdict = claim.result == fact.result ? "correct" : "incorrect"
                checks.append("## Step \(index + 1): \(claim.text)\n\(recomputed)\n\n**This step is \(verdict).**")
            }
            return "Equations:\n" + claims.joined(separator: "\n") + "\n\nChecked:\n" + checks.joined(separator: "\n\n")
        }
    }

    /// Mostly a near miss, as a slip of arithmetic gives; otherwise any value of the worlds' range.
    private static func wrongResult(_ result: Int, _ random: inout WorldRandom) -> Int {
        while true {
            let wrong =
                random.draw(0...4) < 3
                ? max(0, result + (random.draw(0...1) == 0 ? -1 : 1) * random.draw(1...12))
                : random.draw(0...RecipeWorlds.valueLimit)
            if wrong != result { return wrong }
        }
    }
}
