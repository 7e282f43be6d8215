import Foundation
import HTTPClient
import JSON
import Server
import TestSupport
import Testing

/// Deadlines on the verification and reward routes, with a reward model that takes 5 ms per forward
/// pass: the quick reply finishes in a few passes, the slow one would take seconds. Serialized, so
/// that one test's work does not lengthen another's iterations.
@Suite(.serialized) struct DeadlineTests {
    static let forwardDelay = Duration.milliseconds(5)
    static let slowReply = String(repeating: "Checking this step once more, carefully. ", count: 60)

    static let quickReply = "**This step is correct.**\n\n**Verification: Is the answer correct (Yes/No)? Yes**"

    static let sharedServer = try! InProcessServer(
        replies: [("Yes or no?", quickReply), ("", slowReply)], forwardDelay: forwardDelay)

    var server: InProcessServer { Self.sharedServer }

    /// Loads the server before a test starts its clock.
    init() { _ = Self.sharedServer }

    static func verifyBody(_ problems: [String], extra: JSONObject = [:]) -> JSONValue {
        var body: JSONObject = [
            "items": .array(problems.map { .object(["problem": .string($0), "solution": .string("It is.")]) })
        ]
        for (key, value) in extra.pairs { body[key] = value }
        return .object(body)
    }

    /// Time to the answer must stay within the deadline plus 100 ms plus one engine iteration.
    func expectAnsweredInTime(_ elapsed: Double, deadline: Double) {
        let iteration = server.model.longestForward
        #expect(elapsed >= deadline - 0.005, "answered before the deadline: \(elapsed) s")
        #expect(
            elapsed <= deadline + 0.1 + iteration,
            "answered \(elapsed - deadline) s after the deadline; the longest iteration took \(iteration) s")
    }

    func blocksComeBack() -> Bool {
        let start = Date()
        while Date().timeIntervalSince(start) < 2 {
            if server.scheduler.statistics.kvBlocksInUse == 0 && server.scheduler.statistics.running == 0 {
                return true
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return false
    }

    @Test func unfinishedItemsTimeOutAndFinishedOnesAreKept() throws {
        let start = Date()
        let body = try server.post(
            "/v1/verify", Self.verifyBody(["Yes or no?", "How long is a proof?"], extra: ["timeout_ms": .int(1000)]))
        expectAnsweredInTime(Date().timeIntervalSince(start), deadline: 1)
        let items = (body["items"]?.arrayValue ?? []).compactMap(\.objectValue)
        try #require(items.count == 2)
        #expect(items.map { $0["status"] } == [.string("ok"), .string("timeout")])
        #expect(items[1]["score"] == .null)
        #expect(body["timeout_ms"] == .int(1000))
        #expect(blocksComeBack())
    }

    @Test func theOpenAISDKReadTimeoutHeaderIsTheDefault() throws {
        let start = Date()
        let body = try server.post(
            "/v1/verify", Self.verifyBody(["How long is a proof?"]), headers: [("x-stainless-read-timeout", "0.25")])
        expectAnsweredInTime(Date().timeIntervalSince(start), deadline: 0.25)
        #expect(body["items"]?.arrayValue?.first?.objectValue?["status"] == .string("timeout"))
        #expect(body["timeout_ms"] == .int(250))
        // The request's own field wins over the header.
        let own = try server.post(
            "/v1/verify", Self.verifyBody(["Yes or no?"], extra: ["timeout": .double(20)]),
            headers: [("x-stainless-read-timeout", "0.25")])
        #expect(own["timeout_ms"] == .int(20_000))
        #expect(own["items"]?.arrayValue?.first?.objectValue?["status"] == .string("ok"))
        #expect(blocksComeBack())
    }

    @Test func aTimedOutRewardIsNullAndMasked() throws {
        let start = Date()
        let response = "We add.\n\n<answer>\\boxed{5}</answer>"
        let body = try server.post(
            "/v1/reward",
            .object([
                "items": .array([.object(["problem": .string("How long is a proof?"), "response": .string(response)])]),
                "timeout_ms": .int(200),
            ]))
        expectAnsweredInTime(Date().timeIntervalSince(start), deadline: 0.2)
        let item = try #require(body["items"]?.arrayValue?.first?.objectValue)
        #expect(item["status"] == .string("timeout"))
        #expect(item["score"] == .null)
        #expect(item["mask"] == .bool(false))
        #expect(blocksComeBack())
    }

    @Test func aGenerationPastItsDeadlineIs408() throws {
        let response = try HTTPConnection(port: server.http.port).send(
            "POST", "/v1/completions", headers: [("Content-Type", "application/json")],
            body: Array(
                JSONValue.object([
                    "prompt": .string("<|im_start|>assistant\n"), "max_tokens": .int(200), "timeout_ms": .int(100),
                ]).serialized.utf8))
        #expect(response.status == 408)
        #expect(response.text.contains("timeout"))
    }

    @Test func timeoutFieldsAreChecked() throws {
        for (extra, parameter) in [
            (["timeout_ms": JSONValue.int(0)], "timeout_ms"), (["timeout_ms": .string("soon")], "timeout_ms"),
            (["timeout_ms": .int(100), "timeout": .int(1)], "timeout_ms"),
        ] as [(JSONObject, String)] {
            let response = try HTTPConnection(port: server.http.port).send(
                "POST", "/v1/verify", headers: [("Content-Type", "application/json")],
                body: Array(Self.verifyBody(["Yes or no?"], extra: extra).serialized.utf8))
            #expect(response.status == 400)
            let error = try JSONValue.parse(response.body).objectValue?["error"]?.objectValue
            #expect(error?["param"] == .string(parameter), "\(extra)")
        }
    }
}
