import Foundation
import Testing

@testable import Reward

/// Reward-model replies whose expected readings were computed by Python's `re` with the release's patterns
/// (`make_reply_corpus.py` writes `reply_corpus.json`; regenerate it rather than editing it).
struct ReplyCase: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let variant: String
    let reply: String
    let thinking: String
    let outcome: String?
    let outcomePattern: Int?
    let steps: [String]

    var testDescription: String { name }

    enum CodingKeys: String, CodingKey {
        case name, variant, reply, thinking, outcome, steps
        case outcomePattern = "outcome_pattern"
    }

    static let all: [ReplyCase] = {
        struct Corpus: Decodable { let cases: [ReplyCase] }
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "reply_corpus.json")
        return try! JSONDecoder().decode(Corpus.self, from: Data(contentsOf: path)).cases
    }()
}

@Suite struct ReplyCorpusTests {
    @Test func corpusIsLargeAndCoversEveryVariant() {
        #expect(ReplyCase.all.count >= 60)
        for variant in RewardModelVariant.allCases {
            #expect(ReplyCase.all.contains { $0.variant == variant.rawValue })
        }
    }

    @Test(arguments: ReplyCase.all)
    func readsLikePython(_ example: ReplyCase) throws {
        let variant = try #require(RewardModelVariant(rawValue: example.variant))
        let reply = RewardModelReply(parsing: example.reply, variant: variant)
        #expect(reply.thinking.rawValue == example.thinking)
        #expect(reply.outcome?.rawValue == example.outcome)
        #expect(reply.outcomePattern == example.outcomePattern)
        #expect(reply.stepVerdicts.map(\.rawValue) == example.steps)
        #expect(reply.isOutcomeParsed == (example.outcome != nil))
        #expect(reply.outcomeReward == (example.outcome == "yes" ? 1 : 0))
    }
}
