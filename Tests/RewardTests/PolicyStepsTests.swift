import Reward
import Testing

/// The fallbacks after `<step>` tags are the project's own rules, so they are checked by hand here; the
/// `<step>` spans themselves are checked against Python in `ResponseCorpusTests`.
@Suite struct PolicyStepsTests {
    /// The substrings that the spans cover.
    func stepTexts(_ response: String) -> [String] {
        let scalars = Array(response.unicodeScalars)
        return PolicySteps(response: response).spans.map { span in
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[span])
            return String(view)
        }
    }

    @Test func stepTagSpansRunToTheNextTag() {
        let response = "<think>\n<step>a</step>\n<step>b</step>\n</think>\n<answer>\\boxed{1}</answer>"
        #expect(stepTexts(response) == ["<step>a</step>\n", "<step>b</step>\n"])
        #expect(PolicySteps(response: response).count == 2)
    }

    @Test func stepTagsWinOverEveryFallback() {
        let response = "<think>\nStep 1: add.\n\n## Step 2\n<step>only this</step></think><answer>x</answer>"
        let steps = PolicySteps(response: response)
        #expect(steps.source == .stepTags)
        #expect(stepTexts(response) == ["<step>only this</step>"])
    }

    @Test func stepLinesSpanToTheNextStepLine() {
        let response = """
            <think>
            Let me solve this.
            Step 1: Write 3x + 5 = 20.
            So 3x is what is left.
            **Step 2:** Subtract 5.
              step 3 : Divide by 3.

            </think>
            <answer>\\boxed{5}</answer>
            """
        let steps = PolicySteps(response: response)
        #expect(steps.source == .stepLines)
        #expect(
            stepTexts(response) == [
                "Step 1: Write 3x + 5 = 20.\nSo 3x is what is left.", "**Step 2:** Subtract 5.",
                "step 3 : Divide by 3.",
            ])
    }

    @Test func stepLinesNeedAColonAndANumber() {
        #expect(PolicySteps(response: "Step one: add.\nStep 2 add.").source == .paragraphs)
    }

    @Test func markdownHeadersWhenThereAreNoStepLines() {
        let response = "## Step 1\nAdd the numbers.\n\n### Step 2 - divide\nDivide by 3.\n\n<answer>\\boxed{5}</answer>"
        let steps = PolicySteps(response: response)
        #expect(steps.source == .stepHeaders)
        #expect(stepTexts(response) == ["## Step 1\nAdd the numbers.", "### Step 2 - divide\nDivide by 3."])
    }

    @Test func paragraphsAsTheLastResort() {
        let response = "<think>\nFirst, add.\nStill adding.\n\n \t\nThen divide.\n</think>\n<answer>\\boxed{5}</answer>"
        let steps = PolicySteps(response: response)
        #expect(steps.source == .paragraphs)
        #expect(stepTexts(response) == ["First, add.\nStill adding.", "Then divide."])
    }

    @Test func fallbacksIgnoreTheAnswer() {
        // Without </think> the reasoning ends at <answer>; the answer is never a step.
        let response = "Add.\n\nDivide.\n\n<answer>Step 9: \\boxed{5}</answer>"
        #expect(stepTexts(response) == ["Add.", "Divide."])
    }

    @Test func noStepsAtAll() {
        for response in ["", "   \n\n", "<think></think><answer>\\boxed{1}</answer>"] {
            let steps = PolicySteps(response: response)
            #expect(steps.source == nil)
            #expect(steps.count == 0)
        }
    }

    @Test func utf8OffsetsRoundTrip() {
        let text = "a\u{e9}\u{4e2d}\u{1f642}b"  // 1, 2, 3 and 4 UTF-8 bytes
        let offsets = TextOffsets(text)
        #expect(offsets.scalarCount == 5)
        #expect((0...5).map { offsets.utf8Offset(ofScalarOffset: $0) } == [0, 1, 3, 6, 10, 11])
        #expect(
            (0...11).map { offsets.scalarOffset(ofUTF8Offset: $0) } == [0, 1, nil, 2, nil, nil, 3, nil, nil, nil, 4, 5])
        #expect(offsets.scalarOffset(ofUTF8Offset: 12) == nil)
        #expect(offsets.utf8Range(of: 2..<4) == 3..<10)
    }
}
