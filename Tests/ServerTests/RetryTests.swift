import Foundation
import HTTPClient
import JSON
import Server
import TestSupport
import Testing

/// Retries over loopback, with a reward model that takes 5 ms per forward pass so that a retry sent
/// a moment after its original finds it still running. The tokens fed to the model tell
/// whether the model ran again. Serialized: the counts are read before and after each exchange.
@Suite(.serialized) struct RetryTests {
    static let reply = "**This step is correct.**\n\n**Verification: Is the answer correct (Yes/No)? Yes**"
    static let server = try! InProcessServer(replies: [("", reply)], forwardDelay: .milliseconds(5))

    var server: InProcessServer { Self.server }

    func send(_ path: String, _ body: JSONValue, headers: [(String, String)] = []) throws -> ClientResponse {
        try HTTPConnection(port: server.http.port).send(
            "POST", path, headers: [("Content-Type", "application/json")] + headers,
            body: Array(body.serialized.utf8))
    }

    var tokensFed: Int { server.model.tokensFed }

    func deduplicated(_ how: String) throws -> Double {
        let text = try HTTPConnection(port: server.http.port).send("GET", "/metrics").text
        let line = text.split(separator: "\n").first {
            $0.hasPrefix("spark_retries_deduplicated_total{how=\"\(how)\"}")
        }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    }

    static func rewardBody(_ problem: String) -> JSONValue {
        .object([
            "items": .array([.object(["problem": .string(problem), "response": .string("It is 5.")])]),
            "format": .string("none"),
        ])
    }

    static func verifyBody(_ problem: String) -> JSONValue {
        .object(["items": .array([.object(["problem": .string(problem), "solution": .string("It is.")])])])
    }

    /// Sends `body` from a new thread after `delay`; the result is read after `wait()`.
    func sendLater(
        _ path: String, _ body: JSONValue, after delay: Double, headers: [(String, String)] = []
    ) -> (DispatchGroup, Box<ClientResponse>) {
        let result = Box<ClientResponse>()
        let group = startConcurrently(1) { _ in
            Thread.sleep(forTimeInterval: delay)
            result.value = try? send(path, body, headers: headers)
        }
        return (group, result)
    }

    @Test func aRetryJoinsTheRunningRequestOrGetsItsAnswer() throws {
        _ = try send("/v1/reward", Self.rewardBody("What is 2 + 1?"))  // caches the prompt's shared start
        let before = tokensFed
        _ = try send("/v1/reward", Self.rewardBody("What is 2 + 2?"))
        let oneRun = tokensFed - before

        let (joined, replayed) = (try deduplicated("joined"), try deduplicated("replayed"))
        let start = tokensFed
        let body = Self.rewardBody("What is 2 + 3?")
        let (group, retry) = sendLater("/v1/reward", body, after: 0.05)
        let original = try send("/v1/reward", body)
        group.wait()
        let later = try send("/v1/reward", body)

        #expect(tokensFed - start == oneRun, "the model ran more than once")
        let concurrent = try #require(retry.value)
        let statuses: [Int] = [original.status, concurrent.status, later.status]
        #expect(statuses == [200, 200, 200])
        #expect(concurrent.body == original.body)
        #expect(later.body == original.body)
        let originalId = try #require(original.header("x-request-id"))
        #expect(concurrent.header("x-retry-of") == originalId)
        #expect(later.header("x-retry-of") == originalId)
        #expect(concurrent.header("x-request-id") != originalId)
        #expect(try deduplicated("joined") == joined + 1)
        #expect(try deduplicated("replayed") == replayed + 1)
    }

    @Test func identicalCompletionsAreFreshSamplesUnlessMarkedAsRetries() throws {
        let body: JSONValue = .object([
            "prompt": .string("Is 7 prime?"), "max_tokens": .int(8), "temperature": .double(1), "seed": .int(3),
        ])
        let before = tokensFed
        let first = try send("/v1/completions", body)
        let oneRun = tokensFed - before
        _ = try send("/v1/completions", body)
        #expect(tokensFed - before == 2 * oneRun, "an identical completion without a retry mark was replayed")

        let marked = try send("/v1/completions", body, headers: [("x-stainless-retry-count", "1")])
        #expect(tokensFed - before == 2 * oneRun)
        #expect(marked.header("x-retry-of") == first.header("x-request-id"))

        let chosenId = [("X-Request-Id", "rollout-17")]
        let original = try send("/v1/completions", body, headers: chosenId)
        let again = try send("/v1/completions", body, headers: chosenId)
        #expect(tokensFed - before == 3 * oneRun)
        #expect(again.header("x-retry-of") == "rollout-17")
        #expect(again.body == original.body)
    }

    /// The client that sent the original hangs up while a retry waits: the work goes on for the retry.
    @Test func theOriginalLeavingDoesNotCancelAWaitingRetry() throws {
        let body = RetryTests.verifyBody("How many steps has this proof?")
        let socket = try RawSocket(port: server.http.port)
        let text = body.serialized
        socket.send(
            "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(text.utf8.count)\r\n\r\n\(text)"
        )
        Thread.sleep(forTimeInterval: 0.02)
        let (group, retry) = sendLater("/v1/verify", body, after: 0)
        Thread.sleep(forTimeInterval: 0.02)
        socket.close()
        group.wait()
        let answer = try #require(retry.value)
        #expect(answer.status == 200)
        let item = try JSONValue.parse(answer.body).objectValue?["items"]?.arrayValue?.first?.objectValue
        #expect(item?["status"] == .string("ok"))
    }

    /// The original's client leaves before any retry comes, and its work is being cancelled when the
    /// retry arrives (a forward pass takes 300 ms here, and the cancellation waits for it to end): the
    /// retry does the work again rather than join the abandoned original and get its cut-short answer.
    @Test func aRetryAfterTheOriginalWasAbandonedDoesTheWork() throws {
        let slow = try InProcessServer(replies: [("", Self.reply)], forwardDelay: .milliseconds(300))
        let text = RetryTests.verifyBody("Was the original abandoned?").serialized
        let socket = try RawSocket(port: slow.http.port)
        socket.send(
            "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(text.utf8.count)\r\n\r\n\(text)"
        )
        Thread.sleep(forTimeInterval: 0.1)
        socket.close()
        Thread.sleep(forTimeInterval: 0.05)
        let answer = try HTTPConnection(port: slow.http.port).send(
            "POST", "/v1/verify", headers: [("Content-Type", "application/json")], body: Array(text.utf8))
        #expect(answer.status == 200)
        let item = try JSONValue.parse(answer.body).objectValue?["items"]?.arrayValue?.first?.objectValue
        #expect(item?["status"] == .string("ok"), "\(answer.text)")
    }

    /// An answer cut short by its deadline is not kept: the retry does the work.
    @Test func anAnswerCutByItsDeadlineIsComputedAgain() throws {
        var body = Self.rewardBody("What is 1 + 1?").objectValue!
        body["timeout_ms"] = .int(20)
        let first = try send("/v1/reward", .object(body))
        let status = try JSONValue.parse(first.body).objectValue?["items"]?.arrayValue?.first?.objectValue?["status"]
        #expect(status == .string("timeout"))
        let second = try send("/v1/reward", .object(body))
        #expect(second.header("x-retry-of") == nil)
    }
}

final class Box<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value?
    var value: Value? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
