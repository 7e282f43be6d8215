import Reward
import Testing

@Suite struct RuleBasedVerifierTests {
    static let equalPairs: [(String, String)] = [
        ("1,000", "1000"), ("1,234,567.5", "1234567.50"), ("1000.0", "1000"), ("-0", "0"), ("+5", "5"),
        ("-0.0", "0"), (".5", "0.5"), ("3.", "3"),
        ("\\frac{1}{2}", "0.5"), ("\\dfrac{2}{4}", "1/2"), ("\\tfrac{1}{3}", "2/6"), ("-\\frac{3}{4}", "\\frac{-3}{4}"),
        ("\\frac{3}{-4}", "-0.75"), ("1/-2", "-\\frac{1}{2}"), ("\\frac{1,000}{2}", "500"),
        ("\\left(1, 2\\right)", "(1,2)"), ("\\left[0,1\\right)", "[0,1)"), ("5\\!", "5"), ("1\\,000", "1000"),
        ("$5$", "5"), ("\\text{5 apples}", "5apples"), ("\\mathrm{(B)}", "(B)"), ("90^\\circ", "90"),
        ("90^{\\circ}", "90"), ("50\\%", "50"), ("5.", "5"), ("{5}", "5"),
        ("x \\in \\left\\{1\\right\\}", "x\\in\\{1\\}"),
        ("\\sqrt{2}", "\\sqrt{2}"), ("x^2 + 1", "x^2+1"),
    ]

    static let unequalPairs: [(String, String)] = [
        ("0.333", "\\frac{1}{3}"), ("1,00", "100"), ("50\\%", "0.5"), ("x+1", "1+x"), ("\\frac12", "0.5"),
        ("x=5", "5"), ("A", "a"), ("5", "-5"), ("1/0", "0"), ("(1,2)", "(2,1)"), ("\\rightarrow", "\\to"),
        ("1e3", "1000"), ("2\\sqrt{2}", "\\sqrt{8}"), ("\\pi", "3.14159"), ("\\rightarrow", "arrow"),
    ]

    @Test(arguments: equalPairs)
    func equalAfterNormalisation(_ first: String, _ second: String) {
        #expect(RuleBasedVerifier.isEquivalent(first, second))
        #expect(RuleBasedVerifier.isEquivalent(second, first))
    }

    @Test(arguments: unequalPairs)
    func stillDifferentAfterNormalisation(_ first: String, _ second: String) {
        #expect(!RuleBasedVerifier.isEquivalent(first, second))
    }

    @Test func extractsTheLastBalancedBoxedAnswer() {
        #expect(RuleBasedVerifier.lastBoxedAnswer(in: "\\boxed{1} then \\boxed{\\frac{1}{2}}") == "\\frac{1}{2}")
        #expect(RuleBasedVerifier.lastBoxedAnswer(in: "\\boxed {7}") == "7")
        // A boxed answer cut off before its closing brace is skipped.
        #expect(RuleBasedVerifier.lastBoxedAnswer(in: "\\boxed{3} and \\boxed{\\frac{1}{2}") == "3")
        #expect(RuleBasedVerifier.lastBoxedAnswer(in: "no answer here") == nil)
        #expect(RuleBasedVerifier.lastBoxedAnswer(in: "\\boxed{}") == "")
    }

    @Test func scoresWithoutAFormatGate() {
        let appended = "<answer>\\boxed{1,000}</answer>\nSomething appended, and a second <answer></answer>"
        #expect(RuleBasedVerifier.score(response: appended, groundTruth: "1000") == 1)
        #expect(RuleBasedVerifier.score(response: "x = 5, so \\boxed{5}", groundTruth: "\\boxed{5.0}") == 1)
        #expect(RuleBasedVerifier.score(response: "\\boxed{4} \\boxed{5}", groundTruth: "4") == 0)
        #expect(RuleBasedVerifier.score(response: "The answer is 5.", groundTruth: "5") == 0)
    }
}
