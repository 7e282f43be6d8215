import Foundation
import Reward
import Testing

/// Groups whose per-step advantages were computed in torch by the release's own `tango_grpo` code
/// (`make_tango_corpus.py` writes `tango_corpus.json`; regenerate, do not edit). Torch works in float32,
/// hence the tolerance.
struct TangoCase: Decodable, Sendable, CustomTestStringConvertible {
    struct Response: Decodable, Sendable {
        let steps: Int
        let verdicts: String
        let final: String?
        let valid: Bool
    }

    struct Expected: Decodable, Sendable {
        let stepAdvantages: [Double]
        let afterLastStep: Double

        enum CodingKeys: String, CodingKey {
            case stepAdvantages = "step_advantages"
            case afterLastStep = "after_last_step"
        }
    }

    let name: String
    let design: String
    let responses: [Response]
    let expected: [Expected]

    var testDescription: String { name }

    static let all: [TangoCase] = {
        struct Corpus: Decodable { let cases: [TangoCase] }
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "tango_corpus.json")
        return try! JSONDecoder().decode(Corpus.self, from: Data(contentsOf: path)).cases
    }()
}

@Suite struct TangoCorpusTests {
    @Test(arguments: TangoCase.all)
    func matchesTheReleaseTrainer(_ example: TangoCase) throws {
        let design = try #require(RewardDesign(rawValue: example.design))
        let responses = try example.responses.map { response in
            guard response.valid else {
                return try ResponseReward(
                    design: design, response: Builders.response(steps: response.steps, after: "!"), reply: nil)
            }
            return try ResponseReward(
                design: design, response: Builders.response(steps: response.steps),
                reply: Builders.cotReply(Builders.verdicts(response.verdicts), final: response.final))
        }
        let group = TangoGroup(responses: responses)
        for (index, expected) in example.expected.enumerated() {
            let advantages = group.stepAdvantages(of: index)
            #expect(abs(advantages.afterLastStep - expected.afterLastStep) < 1e-5, "response \(index)")
            if example.responses[index].valid {
                #expect(advantages.steps.count == expected.stepAdvantages.count, "response \(index)")
                for (actual, reference) in zip(advantages.steps, expected.stepAdvantages) {
                    #expect(abs(actual.advantage - reference) < 1e-5, "response \(index)")
                }
            } else {
                // A refused response has no steps; the release gives each of its tokens the tail's value.
                #expect(advantages.steps.isEmpty)
                #expect(expected.stepAdvantages.allSatisfy { abs($0 - expected.afterLastStep) < 1e-6 })
            }
        }
    }
}
