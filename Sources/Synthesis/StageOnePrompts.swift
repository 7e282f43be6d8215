// The user messages of Stage I (SPARK-FORMATS.md §2; spark-paper.md §2.2, §2.4, §2.8, §2.9).
//
// Verbatim from the release: the generator's instruction lines, the verifier's instruction and its
// closing `Now, grade the following student solution step by step as follows:\n\nQuestion: {q}
// \n\nStudent Solution: {s}\n\nTeacher Verification:` (with the space before the first `\n\n`), and the
// four output-format rules of the merge. Inferred, because the digest quotes lines but not the text
// between them: the generator's lines are joined as paragraphs, the reference-guided instruction is
// the verifier's with the two quoted insertions, and the critique and merge instructions are written
// here after the release's description (missed errors, false alarms, wrong reasoning, a verdict that
// does not follow; merged "as if generated in one go"). The few-shot examples are this project's own
// (`VerifierExamples`).

public enum StageOnePrompts {
    public static func generator(problem: String) -> String {
        """
        Solve the following math problem step by step. The last line of your response should be of the form Answer: $ANSWER (without quotes) where $ANSWER is the answer to the problem.

        Problem: \(problem)

        Break down your solution into clear, numbered steps (Step 1, Step 2, etc.).
        Explain your reasoning for each step.

        Remember to put your answer on its own line after "Answer:", and you do not need to use a \\boxed command.

        Solution:
        """
    }

    static let verifierInstruction = """
        You are a math teacher grading student work. Your task is to verify the student's solution step by step and identify any errors. For each step, provide your analysis followed by a verdict. You must check the mathematical reasoning, calculations, and logic independently for each step.

        Important: Each step must be marked as either "correct" or "incorrect" - no partial credit. If a step has any errors or omissions, mark it as incorrect.

        At the end of your verification, provide your final verdict in the form: 'Verification: Is the answer correct (Yes/No)? X', where X is either Yes or No.
        """

    static let referenceInstruction = """
        You are a math teacher grading student work. Your task is to verify the student's solution step by step, checking if it leads to the expected answer and identify any errors. Use the Expected Answer to help determine if the student's work is correct. For each step, provide your analysis followed by a verdict. You must check the mathematical reasoning, calculations, and logic independently for each step.

        Important: Each step must be marked as either "correct" or "incorrect" - no partial credit. If a step has any errors or omissions, mark it as incorrect.

        At the end of your verification, provide your final verdict in the form: 'Verification: Is the answer correct (Yes/No)? X', where X is either Yes or No.
        """

    /// The verifier's message; with `expectedAnswer`, the reference-guided baseline's.
    public static func verifier(problem: String, solution: String, expectedAnswer: String? = nil) -> String {
        var parts = [expectedAnswer == nil ? verifierInstruction : referenceInstruction]
        for (number, example) in VerifierExamples.all.enumerated() {
            var block =
                "Example \(number + 1):\n\nQuestion: \(example.question)\n\nStudent Solution:\n\(example.solution)"
            if expectedAnswer != nil { block += "\n\nExpected Answer: \(example.answer)" }
            parts.append(block + "\n\nTeacher Verification:\n\(example.verification)")
        }
        var target =
            "Now, grade the following student solution step by step as follows:\n\nQuestion: \(problem) \n\nStudent Solution: \(solution)"
        if let expectedAnswer { target += "\n\nExpected Answer: \(expectedAnswer)" }
        parts.append(target + "\n\nTeacher Verification:")
        return parts.joined(separator: "\n\n")
    }

    public static func critique(problem: String, solution: String, verification: String) -> String {
        """
        You are reviewing a teacher's step-by-step verification of a student's solution. Check the verification itself, step by step, and look for these kinds of mistakes:
        1. Missing errors: a step marked correct that is in fact incorrect.
        2. False positives: a step marked incorrect that is in fact correct.
        3. Wrong reasoning: a step given the right verdict for the wrong reason.
        4. Inconsistent final verdict: a final verdict that does not follow from the analysis of the steps.
        For each step, either verify it again by a different method or critique the original analysis directly. Remember that a step that builds on an earlier incorrect result is itself incorrect.

        \(reviewed(problem: problem, solution: solution, verification: verification))

        Write "**Critique of the original verification**:" followed by your critique, step by step, and end by giving your final judgement on whether the verification correctly analyzed each step.
        """
    }

    public static func merge(problem: String, solution: String, verification: String, critique: String) -> String {
        """
        Below are a student's solution, a teacher's verification of it, and a critique of that verification. Merge the verification and the critique into one improved verification, written as if it were generated in one go: use transitional and reflective phrasing where the analysis changes its mind, and never mention "the original verification" or "the critique". If the critique found errors, fix them: update the step verdicts and make the final verdict consistent with them. Otherwise keep the verdicts and add explanation where the critique adds some.

        \(reviewed(problem: problem, solution: solution, verification: verification))

        <Critique of the Verification>
        \(critique)
        </Critique of the Verification>

        Output format requirements:
        - Start with "Teacher Verification:" (if present in original)
        - Use "## Step X:" headers for each step analysis
        - End each step with "**This step is correct.**" or "**This step is incorrect.**"
        - Conclude with "**Verification: Is the answer correct (Yes/No)? X**"
        - Do NOT add any additional sections, reflections, or commentary beyond this format
        """
    }

    /// The problem, solution and verification under review, tagged as the release's critique and merge
    /// prompts tag them.
    private static func reviewed(problem: String, solution: String, verification: String) -> String {
        """
        <Problem>
        \(problem)
        </Problem>

        <Solution Path>
        \(solution)
        </Solution Path>

        <Original Verification>
        \(verification)
        </Original Verification>
        """
    }
}
