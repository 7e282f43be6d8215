import Reward
import Testing

@testable import Synthesis

@Suite struct StageOnePromptsTests {
    /// The few-shot verifications teach the format the parser reads, with the labels they mean to teach.
    @Test func theExamplesParseToTheirLabels() {
        let allCorrect = RewardModelReply(parsing: VerifierExamples.allCorrect.verification, variant: .prmCoT)
        #expect(allCorrect.stepVerdicts == [.correct, .correct] && allCorrect.outcome == .yes)
        let propagated = RewardModelReply(parsing: VerifierExamples.propagatedError.verification, variant: .prmCoT)
        #expect(propagated.stepVerdicts == [.incorrect, .incorrect, .incorrect] && propagated.outcome == .no)
        for example in VerifierExamples.all {
            let steps = example.solution.split(separator: "\n").filter { $0.hasPrefix("Step ") }
            let verdicts = RewardModelReply(parsing: example.verification, variant: .prmCoT).stepVerdicts
            #expect(steps.count == verdicts.count)
        }
    }

    @Test func theVerifierPromptEndsAsTheReleasesDoes() {
        let prompt = StageOnePrompts.verifier(problem: "Q", solution: "S")
        #expect(
            prompt.hasPrefix(
                "You are a math teacher grading student work. Your task is to verify the student's solution step by step and identify any errors."
            ))
        #expect(
            prompt.hasSuffix(
                "Now, grade the following student solution step by step as follows:\n\nQuestion: Q \n\nStudent Solution: S\n\nTeacher Verification:"
            ))
        #expect(!prompt.contains("Expected Answer"))
        let guided = StageOnePrompts.verifier(problem: "Q", solution: "S", expectedAnswer: "7")
        #expect(guided.hasSuffix("Student Solution: S\n\nExpected Answer: 7\n\nTeacher Verification:"))
        #expect(guided.components(separatedBy: "Expected Answer: ").count == 4)
    }

    @Test func theGeneratorIsToldToNumberItsStepsAndEndWithTheAnswer() {
        let prompt = StageOnePrompts.generator(problem: "Q")
        #expect(prompt.contains("\n\nProblem: Q\n\n"))
        #expect(
            prompt.contains(
                "Break down your solution into clear, numbered steps (Step 1, Step 2, etc.).\nExplain your reasoning for each step."
            ))
        #expect(prompt.hasSuffix("you do not need to use a \\boxed command.\n\nSolution:"))
    }
}
