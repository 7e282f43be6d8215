import Reward
import Testing

/// The `steps` policy format on hand-worked solutions, one per way to break it.
@Suite struct StepsFormatTests {
    static let valid = "Step 1: 3 + 4 = 7\nStep 2: 7 * 2 = 14\nAnswer: 14\n"

    func violations(_ response: String) -> [FormatCheck.Violation] {
        FormatCheck(response: response, format: .steps).violations
    }

    @Test func aNumberedSolutionWithOneFinalAnswerPasses() {
        #expect(violations(Self.valid) == [])
        #expect(violations("Step 1: 5 - 2 = 3\nAnswer: 3") == [])
        // Text between steps is the step's own; whitespace after the answer is nothing.
        #expect(violations("Step 1: 3 + 4 = 7\nso seven.\nStep 2: 7 * 2 = 14\nAnswer: 14\n  \n") == [])
    }

    @Test func eachBreachIsNamed() {
        #expect(violations("3 + 4 = 7\nAnswer: 7") == [.noSteps])
        #expect(violations("Step 1: a\nStep 3: b\nStep 4: c\nAnswer: 1") == [.stepNumbering(expected: 2, found: 3)])
        #expect(violations("Step 2: a\nAnswer: 1") == [.stepNumbering(expected: 1, found: 2)])
        #expect(violations("Step 1: 3 + 4 = 7") == [.answerLineCount(0)])
        // Appending after the answer: the hack the gate exists for.
        #expect(violations(Self.valid + "Also, 2 + 2 = 4.") == [.textAfterAnswer(at: Self.valid.unicodeScalars.count)])
        #expect(
            violations("Step 1: a\nAnswer: 1\nAnswer: 2")
                == [.answerLineCount(2), .textAfterAnswer(at: "Step 1: a\nAnswer: 1\n".count)])
        #expect(
            violations("Step 1: a\nAnswer: 1\nStep 2: b") == [.textAfterAnswer(at: "Step 1: a\nAnswer: 1\n".count)])
    }

    @Test func theSparkFormatIsStillTheDefault() {
        #expect(FormatCheck(response: Self.valid).violations.contains(.boxedCount(0)))
    }
}
