import Reward
import Testing

@Suite struct PromptTests {
    @Test func ormPromptIsTheReleaseTemplate() {
        #expect(
            RewardModelVariant.orm.prompt(problem: "What is 1+1?", solution: "<answer>\\boxed{2}</answer>")
                == "Problem: What is 1+1?\n\nSolution: <answer>\\boxed{2}</answer>\n\nIs the answer correct (Yes/No)?")
    }

    @Test(arguments: [RewardModelVariant.prm, .prmCoT])
    func prmVariantsShareThePrmPrompt(_ variant: RewardModelVariant) {
        #expect(
            variant.prompt(problem: "Find x.", solution: "x = 5")
                == "Problem: Find x.\n\nStudent Solution: x = 5\n\nLet's verify step by step.")
    }

    @Test func textIsInsertedVerbatim() {
        // Python's str.format inserts the values as they are: braces, backslashes and newlines included.
        let problem = "Let {a} = \\frac{1}{2}.\n"
        #expect(
            RewardModelVariant.prm.prompt(problem: problem, solution: "")
                == "Problem: Let {a} = \\frac{1}{2}.\n\n\nStudent Solution: \n\nLet's verify step by step.")
    }
}
