import Foundation
import Reward
import Testing

/// Policy responses whose format counts, truncation and `<step>` spans were computed by Python's `re` with
/// the release's code (`make_response_corpus.py` writes `response_corpus.json`; regenerate, do not edit).
struct ResponseCase: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let response: String
    let boxedCount: Int
    let answerCount: Int
    let textAfterAnswerAt: Int?
    let valid: Bool
    let truncated: String
    let stepSpans: [[Int]]
    let stepSpansUtf8: [[Int]]

    var testDescription: String { name }

    enum CodingKeys: String, CodingKey {
        case name, response, valid, truncated
        case boxedCount = "boxed_count"
        case answerCount = "answer_count"
        case textAfterAnswerAt = "text_after_answer_at"
        case stepSpans = "step_spans"
        case stepSpansUtf8 = "step_spans_utf8"
    }

    static let all: [ResponseCase] = {
        struct Corpus: Decodable { let cases: [ResponseCase] }
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "response_corpus.json")
        return try! JSONDecoder().decode(Corpus.self, from: Data(contentsOf: path)).cases
    }()
}

@Suite struct ResponseCorpusTests {
    @Test(arguments: ResponseCase.all)
    func formatGateMatchesPython(_ example: ResponseCase) {
        var expected: [FormatCheck.Violation] = []
        if example.boxedCount != 1 { expected.append(.boxedCount(example.boxedCount)) }
        if example.answerCount != 1 { expected.append(.answerBlockCount(example.answerCount)) }
        if let offset = example.textAfterAnswerAt { expected.append(.textAfterAnswer(at: offset)) }
        let check = FormatCheck(response: example.response)
        #expect(check.violations == expected)
        #expect(check.isValid == example.valid)
    }

    @Test(arguments: ResponseCase.all)
    func truncationMatchesPython(_ example: ResponseCase) {
        #expect(RewardModelInput.solution(from: example.response) == example.truncated)
    }

    @Test(arguments: ResponseCase.all.filter { !$0.stepSpans.isEmpty })
    func stepTagSpansMatchPython(_ example: ResponseCase) {
        let steps = PolicySteps(response: example.response)
        #expect(steps.source == .stepTags)
        #expect(steps.spans.map { [$0.lowerBound, $0.upperBound] } == example.stepSpans)
        let offsets = TextOffsets(example.response)
        #expect(
            steps.spans.map { offsets.utf8Range(of: $0) }.map { [$0.lowerBound, $0.upperBound] }
                == example.stepSpansUtf8)
    }
}
