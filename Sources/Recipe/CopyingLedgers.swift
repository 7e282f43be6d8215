// Copying ledgers, part of the base's text (WorldCorpus): numbered equations whose results are mostly
// random, then some of them quoted by number in any order (`## Step 4: 63 - 8 = 17`). Only copying
// predicts a quoted random result, and a digit can be found only by the line it stands on, since every
// digit recurs in the list. A verifier that had not learned this misquoted one step in ten of the
// solutions it graded, correct steps too (`2 × 7 = 14` quoted as `2 × 7 = 12`), where the shipped
// lineage's misquoted one in 170 (docs/recipe-notebook.md).

import Domain

public enum CopyingLedgers {
    public static func ledgers(count: Int, seed: UInt64) -> [String] {
        var random = WorldRandom(seed: seed)
        return (0..<count).map { _ in
            let lines = (0..<random.draw(6...12)).map { _ in
                let fact = ArithmeticFact.random(&random)
                let claimed = random.draw(0...2) == 0 ? fact.result : random.draw(0...RecipeWorlds.valueLimit)
                return fact.equation(claiming: claimed).text
            }
            let listed = lines.enumerated().map { "Step \($0.offset + 1): \($0.element)" }
            let quoted = (0..<random.draw(3...6)).map { _ in
                let index = random.draw(0...(lines.count - 1))
                return "## Step \(index + 1): \(lines[index])"
            }
            return "Ledger:\n" + listed.joined(separator: "\n") + "\n\nQuoted:\n" + quoted.joined(separator: "\n")
        }
    }
}
