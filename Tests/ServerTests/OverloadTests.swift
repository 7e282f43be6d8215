import Foundation
import HTTPClient
import JSON
import Scheduler
import Server
import TestSupport
import Testing

/// A server that runs one sequence at a time and lets one wait: a third is refused with what the
/// OpenAI SDK needs to retry on its own.
@Suite struct OverloadTests {
    @Test func aFullQueueAnswers429WithRetryHints() throws {
        var configuration = SchedulerConfiguration(kvCacheBlocks: 4096)
        configuration.maxRunning = 1
        var options = ServerOptions()
        options.maxWaitingSequences = 1
        // Replies long enough that the queue is still full seconds later: with replies of a second and
        // a half, a loaded machine once admitted the third request after the queue had drained.
        let server = try InProcessServer(
            replies: [("", String(repeating: "Still thinking. ", count: 1000))], forwardDelay: .milliseconds(5),
            configuration: configuration, options: options)
        let items: JSONValue = .array(
            (0..<3).map { .object(["problem": .string("Problem \($0)"), "solution": .string("It is.")]) })
        let busy = Thread { _ = try? server.post("/v1/verify", .object(["items": items, "timeout_ms": .int(20000)])) }
        busy.start()
        let start = Date()
        while server.scheduler.statistics.waiting < 2 && Date().timeIntervalSince(start) < 30 {
            Thread.sleep(forTimeInterval: 0.005)
        }
        let response = try HTTPConnection(port: server.http.port).send(
            "POST", "/v1/verify", headers: [("Content-Type", "application/json")],
            body: Array(JSONValue.object(["items": items]).serialized.utf8))
        #expect(response.status == 429)
        #expect(response.header("retry-after").flatMap(Int.init).map { $0 >= 1 } == true)
        #expect(response.header("x-should-retry") == "true")
        #expect(response.text.contains("rate_limit_error"))
    }
}
