import Domain
import Testing

/// Hand-labelled solutions of one hand-made problem, one or more per error kind.
@Suite struct StepCheckerTests {
    /// "Mia has 20 apples. She buys 3 bags with 4 apples in each. She sells 5 apples.": 3 × 4 = 12,
    /// 20 + 12 = 32, 32 − 5 = 27.
    static let problem = WorldProblem(
        id: "hand", theme: "market", items: "apples",
        text:
            "Mia has 20 apples. She buys 3 bags with 4 apples in each. She sells 5 apples. How many apples does Mia have now?",
        givens: [20, 3, 4, 5],
        plan: [
            PlanStep(operation: .multiply, left: .given(1), right: .given(2), value: 12, narration: "The bags hold"),
            PlanStep(operation: .add, left: .given(0), right: .step(0), value: 32, narration: "Mia has"),
            PlanStep(operation: .subtract, left: .step(1), right: .given(3), value: 27, narration: "Mia has"),
        ])

    func judge(_ solution: String) -> SolutionJudgement { StepChecker(problem: Self.problem).judge(solution) }

    @Test func aCorrectSolutionInOtherWordsAndOrder() {
        let judgement = judge(
            """
            Let me work it out.
            Step 1: The bags hold 4 × 3 = 12 apples.
            Step 2: 20 apples + 12 apples = 32 apples.
            **Step 3:** So Mia has 32 apples before selling.
            ### Step 4: Selling 5 leaves 32 - 5 = 27.
            Answer: 27 apples
            """)
        #expect(judgement.steps.count == 4)
        #expect(judgement.steps[0] == "The bags hold 4 × 3 = 12 apples.")
        #expect(judgement.stepErrors == [nil, nil, nil, nil])
        #expect(judgement.firstError == -1 && judgement.isFinalAnswerCorrect)
    }

    @Test func wrongArithmeticAndTheStepsBuiltOnIt() {
        let judgement = judge(
            """
            Step 1: 3 × 4 = 12 apples are in the bags.
            Step 2: 20 + 12 = 30.
            Step 3: So she has 30 apples.
            Step 4: 30 - 5 = 25.
            Answer: 25
            """)
        #expect(judgement.stepErrors == [nil, .wrongArithmetic, .buildsOnWrongResult, .buildsOnWrongResult])
        #expect(judgement.firstError == 1 && !judgement.isFinalAnswerCorrect && judgement.finalAnswer == 25)
    }

    @Test func aStatedNumberUsedInTheWrongPlace() {
        // 5 is a number of the problem, but the bags hold 3 × 4.
        let judgement = judge("Step 1: 3 × 5 = 15.\nStep 2: 20 + 15 = 35.\nStep 3: 35 - 5 = 30.\nAnswer: 30")
        #expect(judgement.stepErrors == [.wrongQuantity, .buildsOnWrongResult, .buildsOnWrongResult])
        #expect(judgement.firstError == 0)
    }

    @Test func aMisreadNumber() {
        // 21 is stated nowhere; the arithmetic itself is right.
        let judgement = judge("Step 1: 3 × 4 = 12.\nStep 2: 21 + 12 = 33.\nStep 3: 33 - 5 = 28.\nAnswer: 28")
        #expect(judgement.stepErrors == [nil, .wrongQuantity, .buildsOnWrongResult])
    }

    @Test func aValueFromNowhereAfterAnError() {
        // Step 3 starts again from 32, which no correct step computed: wrong, not "built on" step 2.
        let judgement = judge("Step 1: 3 × 4 = 12.\nStep 2: 20 + 12 = 33.\nStep 3: 32 - 5 = 27.\nAnswer: 27")
        #expect(judgement.stepErrors == [nil, .wrongArithmetic, .wrongQuantity])
        #expect(judgement.isFinalAnswerCorrect)
    }

    @Test func aComputationTheProblemDoesNotCallFor() {
        // Right arithmetic on stated numbers, but the bags hold 3 × 4 apples, not 3, and 5 are sold, not bought.
        let judgement = judge("Step 1: 20 + 3 = 23.\nStep 2: 23 - 5 = 18.\nAnswer: 18")
        #expect(judgement.stepErrors == [.wrongQuantity, .buildsOnWrongResult])
        let added = judge("Step 1: 3 × 4 = 12.\nStep 2: 20 + 5 = 25.\nStep 3: 25 + 12 = 37.\nAnswer: 37")
        #expect(added.stepErrors == [nil, .wrongQuantity, .buildsOnWrongResult])
    }

    @Test func additionsAndSubtractionsInAnotherOrder() {
        let sellingFirst = judge("Step 1: 20 - 5 = 15.\nStep 2: 3 × 4 = 12.\nStep 3: 15 + 12 = 27.\nAnswer: 27")
        #expect(sellingFirst.stepErrors == [nil, nil, nil])
        let combined = judge("Step 1: 3 × 4 = 12.\nStep 2: 12 - 5 = 7.\nStep 3: 20 + 7 = 27.\nAnswer: 27")
        #expect(combined.stepErrors == [nil, nil, nil])
        // The group must be counted before it is added: 12 is no stated number.
        let early = judge("Step 1: 20 + 12 = 32.\nStep 2: 32 - 5 = 27.\nAnswer: 27")
        #expect(early.stepErrors == [.wrongQuantity, .buildsOnWrongResult])
    }

    @Test func theOperandsOfSubtractionKeepTheirOrder() {
        let judgement = judge("Step 1: 3 × 4 = 12.\nStep 2: 12 + 20 = 32.\nStep 3: 5 - 32 = -27.\nAnswer: 27")
        // `5 - 32` is not `32 - 5`, though its arithmetic is right.
        #expect(judgement.stepErrors == [nil, nil, .wrongQuantity])
    }

    @Test func severalOperationsInOneEquation() {
        let judgement = judge("Step 1: 20 + 3 x 4 = 32.\nStep 2: (20 + 12) - 5 = 27.\nAnswer: 27")
        // Step 2 uses 12, which step 1 never wrote down as a result: a number from nowhere.
        #expect(judgement.stepErrors == [nil, .wrongQuantity])
        let direct = judge("Step 1: 20 + 3 * 4 - 5 = 27.\nAnswer: 27")
        #expect(direct.stepErrors == [nil])
    }

    @Test func rightStepsWithAWrongAnswerLine() {
        let judgement = judge("Step 1: 3 × 4 = 12.\nStep 2: 20 + 12 = 32.\nStep 3: 32 - 5 = 27.\nAnswer: 26")
        #expect(judgement.firstError == -1 && !judgement.isFinalAnswerCorrect)
        let missing = judge("Step 1: 3 × 4 = 12.\nStep 2: 20 + 12 = 32.")
        #expect(missing.finalAnswer == nil && !missing.isFinalAnswerCorrect)
    }

    @Test func aResultSaidInWords() {
        let judgement = judge(
            "Step 1: The bags hold 12 apples, three bags of 4.\nStep 2: With her 20 she has 32.\nStep 3: Selling 5 leaves 28.\nAnswer: 28"
        )
        #expect(judgement.stepErrors == [nil, nil, .wrongQuantity])
        // 28 is no planned result; a later step that uses it builds on a wrong result.
        let built = judge("Step 1: 3 × 4 = 12.\nStep 2: So 20 and 12 make 33.\nStep 3: 33 - 5 = 28.\nAnswer: 28")
        #expect(built.stepErrors == [nil, .wrongQuantity, .buildsOnWrongResult])
    }

    @Test func paragraphsWhenThereAreNoStepMarkers() {
        let judgement = judge("The bags hold 3 × 4 = 12.\n\nNow 20 + 12 = 32.\n\nFinally 32 - 5 = 29.\nAnswer: 29")
        #expect(judgement.steps == ["The bags hold 3 × 4 = 12.", "Now 20 + 12 = 32.", "Finally 32 - 5 = 29."])
        #expect(judgement.stepErrors == [nil, nil, .wrongArithmetic])
    }

    @Test func aStepReferenceIsNotAValue() {
        let judgement = judge(
            "Step 1: 3 × 4 = 12.\nStep 2: Using step 1, 20 + 12 = 32.\nStep 3: From step 2, 32 - 5 = 27.\nAnswer: 27")
        #expect(judgement.stepErrors == [nil, nil, nil])
    }

    @Test func numbersWithSeparatorsAndCurrency() {
        let arithmetic = StepArithmetic(parsing: "She pays $1,200 + $35.50 = $1,235.50, then 2, 3 and 4.")
        #expect(arithmetic.equations.first?.operands == [1200, 35.5])
        #expect(arithmetic.equations.first?.claimed == 1235.5)
        #expect(arithmetic.mentionedNumbers == [1200, 35.5, 1235.5, 2, 3, 4])
    }
}
