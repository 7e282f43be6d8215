import HTTPClient
import HTTPServer
import JSON
import Model
import Synchronization
import TestSupport
import Testing

@testable import RL

/// The RL loop's reward calls against a scripted /v1/reward on loopback: what is sent, how the answer
/// is read group by group, retries of transient failures, and which rollouts are trained on.
@Suite struct RewardClientTests {
    static let groups = [
        RewardClient.Group(id: "a", problem: "What is 2 + 3?", responses: ["Step 1: 2 + 3 = 5\nAnswer: 5", "x"]),
        RewardClient.Group(id: "b", problem: "What is 4 - 1?", responses: ["Answer: 3", "y", "z"]),
    ]

    /// Echoes each group's responses as judged items: the first response of every group unjudged.
    static func answer(_ body: JSONObject) -> HTTPResponse {
        let groups = body["groups"]?.arrayValue ?? []
        let counts = groups.map { $0.objectValue?["responses"]?.arrayValue?.count ?? 0 }
        let total = counts.reduce(0, +)
        var scores: [Double?] = []
        for count in counts { scores += [nil] + Array(repeating: 1.0, count: count - 1) }
        let advantages = scores.map { $0 == nil ? nil : Optional(0.5) }
        precondition(scores.count == total)
        return .json(.object(["items": ScriptedRewardServer.items(scores: scores, advantages: advantages)]))
    }

    static func options(retries: Int = 3) -> RewardClient.Options {
        var options = RewardClient.Options()
        options.apiKey = "secret"
        options.groupsPerRequest = 1
        options.concurrency = 2
        options.maxTokens = 64
        options.retry = RetryPolicy(retries: retries, backoffSeconds: 0.01)
        return options
    }

    @Test func sendsTheDesignAndReadsTheItemsGroupByGroup() throws {
        let server = try ScriptedRewardServer(answer: Self.answer)
        let client = try RewardClient(url: server.url, options: Self.options())
        let judged = try client.judge(Self.groups, reward: .selective, seed: 7)
        #expect(judged.map(\.count) == [2, 3])
        #expect(judged.allSatisfy { !$0[0].judged && $0[0].score == nil && $0[0].advantage == nil })
        #expect(judged.allSatisfy { $0.dropFirst().allSatisfy { $0.judged && $0.score == 1 && $0.advantage == 0.5 } })
        #expect(server.received.count == 2)
        for (body, authorization) in server.received {
            #expect(authorization == "Bearer secret")
            #expect(body["design"] == .string("selective_advantage"))
            #expect(body["variant"] == .string("prm_cot"))
            #expect(body["format"] == .string("steps"))
            #expect(body["seed"] == .int(7))
            #expect(body["max_tokens"] == .int(64))
        }
    }

    @Test func theSameStepSendsTheSameBytes() throws {
        let client = try RewardClient(url: "http://127.0.0.1:9", options: Self.options())
        #expect(
            client.body(Self.groups, reward: .hybrid, seed: 3) == client.body(Self.groups, reward: .hybrid, seed: 3))
        #expect(
            client.body(Self.groups, reward: .hybrid, seed: 3) != client.body(Self.groups, reward: .hybrid, seed: 4))
    }

    @Test func transientFailuresAreRetriedUntilAnAnswer() throws {
        let server = try ScriptedRewardServer(
            failures: [.init(status: 503), .init(status: 429, retryAfter: "0"), .init(status: 502)],
            answer: Self.answer)
        let heard = RetryLog()
        let client = try RewardClient(url: server.url, options: Self.options(retries: 5)) { heard.add($0) }
        let judged = try client.judge(Self.groups, reward: .outcomePRM, seed: 1)
        #expect(judged.map(\.count) == [2, 3])
        #expect(heard.count == 3)
        // A retry sends the very bytes of the failed attempt (the server deduplicates on them).
        let bodies = server.received.map { JSONValue.object($0.body).serialized }
        #expect(Set(bodies).count == 2)
    }

    @Test func aRefusalFailsAtOnceWithTheServersMessage() throws {
        let server = try ScriptedRewardServer(answer: { _ in .error(status: 400, message: "unknown design") })
        // One request at a time, so what is sent does not depend on how soon a second thread starts.
        var options = Self.options()
        options.concurrency = 1
        let client = try RewardClient(url: server.url, options: options)
        #expect(throws: RLError.self) { try client.judge(Self.groups, reward: .hybrid, seed: 1) }
        do {
            _ = try client.judge(Self.groups, reward: .hybrid, seed: 1)
        } catch {
            #expect(error.description.contains("answered 400"))
            #expect(error.description.contains("unknown design"))
        }
        // Each call: the first group refused once, not retried, and the second group never sent.
        #expect(server.received.count == 2)
    }

    @Test func retriesRunOutWithTheLastProblem() throws {
        let server = try ScriptedRewardServer(
            failures: Array(repeating: .init(status: 503), count: 10), answer: Self.answer)
        var options = Self.options(retries: 2)
        options.groupsPerRequest = 2
        let client = try RewardClient(url: server.url, options: options)
        do {
            _ = try client.judge(Self.groups, reward: .hybrid, seed: 1)
            Issue.record("expected the retries to run out")
        } catch {
            #expect(error.description.contains("no reply after 3 attempts; the last: status 503"))
        }
    }

    @Test func badURLsAreRefused() {
        for url in ["https://example.com:443", "http://localhost", "http://:80", "http://host:port"] {
            #expect(throws: RLError.self) { try RewardClient(url: url, options: RewardClient.Options()) }
        }
    }

    @Test func unjudgedRolloutsAreNotTrainedOnAndStepAdvantagesGoOnTheirTokens() throws {
        let tokenizer = try Tokenizer(contentsOfFile: Fixtures.model("qwen2-gqa-tied") + "/tokenizer.json")
        let response = "Step 1: 2 + 3 = 5\nStep 2: 5 - 1 = 4\nAnswer: 4"
        let ids = tokenizer.encode(response, addSpecialTokens: false)
        let steps = [
            TokenAdvantages.Step(span: 0..<17, advantage: 0.75), TokenAdvantages.Step(span: 18..<35, advantage: -0.5),
        ]
        var judgement = RewardJudgement(
            status: "ok", judged: true, score: 1, formatValid: true, steps: 2, verdicts: 2,
            saidYes: true, advantage: 0.25, stepAdvantages: steps, advantageAfterLastStep: 0.1)

        let tango = try #require(
            PolicySample(
                promptIds: [1], completionIds: ids, judgement: judgement, reward: .globalStep, tokenizer: tokenizer))
        #expect(
            tango.advantages
                == TokenAdvantages.place(steps: steps, afterLastStep: 0.1, tokens: ids, tokenizer: tokenizer))
        #expect(Set(tango.advantages) == [0.75, -0.5, 0.1])

        let outcome = try #require(
            PolicySample(
                promptIds: [1], completionIds: ids, judgement: judgement, reward: .hybrid, tokenizer: tokenizer))
        #expect(outcome.advantages == Array(repeating: 0.25, count: ids.count))

        judgement.judged = false
        judgement.score = nil
        #expect(
            PolicySample(
                promptIds: [1], completionIds: ids, judgement: judgement, reward: .hybrid, tokenizer: tokenizer)
                == nil)
    }
}

/// Retries heard from the request threads.
private final class RetryLog: Sendable {
    private let problems = Mutex<[String]>([])
    func add(_ problem: String) { problems.withLock { $0.append(problem) } }
    var count: Int { problems.withLock { $0.count } }
}
