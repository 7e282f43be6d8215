// One problem, four solutions and every reply the run will ask for, chosen so that each vote, tie and
// step-count mismatch is known in advance (the expected labels are in AggregationTests).

import Synthesis

enum AggregationScenario {
    static let problem = SynthesisProblem(
        id: "p0",
        text:
            "Mia has 20 apples. She buys 3 bags with 4 apples in each. She sells 5 apples. How many apples does Mia have now?",
        answer: "27")

    static let solutions = [
        "Step 1: The bags hold 3 × 4 = 12 apples.\nStep 2: Mia then has 20 + 12 = 32 apples.\nStep 3: After selling, 32 - 5 = 27.\nAnswer: 27",
        "Step 1: The bags hold 3 × 4 = 12 apples.\nStep 2: Mia then has 20 + 12 = 30 apples.\nStep 3: After selling, 30 - 5 = 25.\nAnswer: 25",
        "Step 1: The bags hold 3 × 4 = 12 apples.\nStep 2: Mia has 20 - 12 = 8 apples.\nStep 3: After selling, 8 - 5 = 3.\nAnswer: 3",
        "Step 1: The bags hold 3 + 4 = 7 apples.\nStep 2: Mia then has 20 + 7 = 27 apples.\nStep 3: She has 27 apples.\nAnswer: 27",
    ]

    /// A PRM-CoT verification with one `C` (correct) or `I` (incorrect) per step and a final verdict.
    static func verification(_ steps: String, _ verdict: String) -> String {
        let blocks = steps.enumerated().map { index, mark in
            "## Step \(index + 1): Check\nThe computation is \(mark == "C" ? "right" : "wrong").\n\n**This step is \(mark == "C" ? "correct" : "incorrect").**"
        }
        return (blocks + ["**Verification: Is the answer correct (Yes/No)? \(verdict)**"]).joined(separator: "\n\n")
    }

    /// The N = 4 verifications of each solution.
    static let verifications: [[String]] = [
        // Outcome 3 Yes : 1 No, pick 1; steps C C C (step 2 at 3/4).
        [
            verification("CIC", "No"), verification("CCC", "Yes"), verification("CCC", "Yes"),
            verification("CCC", "Yes"),
        ],
        // Outcome 2 : 2, a tie, so No, pick 0; the fourth has 2 step verdicts and does not vote on steps.
        [verification("CII", "No"), verification("CII", "No"), verification("CCC", "Yes"), verification("CC", "Yes")],
        // Outcome 1 : 3, No; step 2 splits 2 : 2, a tie, so incorrect.
        [verification("CIC", "No"), verification("CCC", "Yes"), verification("ICC", "No"), verification("CIC", "No")],
        // Steps vote C C C from three voters that each disagree once: no verification carries the vote.
        [verification("CCI", "No"), verification("CIC", "No"), verification("ICC", "No"), verification("CCCC", "Yes")],
    ]

    static let references: [[String]] = [
        Array(repeating: verification("CCC", "Yes"), count: 4), Array(repeating: verification("CII", "No"), count: 4),
        Array(repeating: verification("CCI", "No"), count: 4), Array(repeating: verification("CCC", "Yes"), count: 4),
    ]

    static let critiqueMerges = [
        verification("CCC", "Yes"), verification("CII", "No"), verification("CIC", "No"), verification("CC", "Yes"),
    ]
    static let critiqueOutcomeMerges = [
        verification("CCC", "Yes"), verification("CCI", "No"), verification("CCC", "Yes"), verification("CCC", "Yes"),
    ]

    static func critique(_ method: String, _ solution: Int) -> String { "Critique \(method) \(solution)." }

    /// Every reply by the seed of its call, for a run seeded `seed`.
    static func replies(seed: UInt64) -> [UInt64: String] {
        func key(_ place: String) -> UInt64 { ModelCall.seed(run: seed, place: place) }
        var replies: [UInt64: String] = [:]
        for (index, solution) in solutions.enumerated() {
            replies[key("generate/0/\(index)")] = solution
            for verification in 0..<4 {
                replies[key("verify/0/\(index)/\(verification)")] = verifications[index][verification]
                replies[key("reference/0/\(index)/\(verification)")] = references[index][verification]
            }
            for (method, merges) in [("critique", critiqueMerges), ("critique-outcome", critiqueOutcomeMerges)] {
                replies[key("critique/\(method)/0/\(index)")] = critique(method, index)
                replies[key("merge/\(method)/0/\(index)")] = merges[index]
            }
        }
        return replies
    }
}
