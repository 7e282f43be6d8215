import Foundation
import HTTPClient
import JSON
import TestSupport
import Testing

/// spark-server as a process on loopback, driven over HTTP.
@Suite(.serialized) struct ServerEndToEndTests {
    /// The whole API against api/openapi.yaml, and the official openai client the way SPARK calls it.
    @Test func conformsToTheSpecAndTheOpenAIClient() throws {
        let server = try ServerProcess(arguments: ["--api-key", "test-key", "--quiet"])
        let script = CommandRunner.packageRoot.appendingPathComponent("scripts/check_api.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", script, "--base-url", "http://127.0.0.1:\(server.port)", "--model-path", server.modelDirectory,
            "--api-key", "test-key",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
    }

    @Test func greedyTokensDoNotDependOnConcurrentRequests() throws {
        let server = try ServerProcess(arguments: ["--quiet"])
        let probe =
            #"{"prompt": "Step 1: 12 + 7 = 19\nStep 2:", "max_tokens": 24, "temperature": 0, "ignore_eos": true}"#
        let alone = try #require(try post(HTTPConnection(port: server.port), "/v1/completions", probe).json)
        let results = Results()
        concurrently(64) { index in
            let body =
                index % 8 == 0
                ? probe
                : #"{"prompt": [\#(index), 5, 9, \#(index % 7)], "max_tokens": \#(8 + index % 17), "temperature": 0.9, "seed": \#(index), "n": \#(1 + index % 3)}"#
            let json = try? post(HTTPConnection(port: server.port), "/v1/completions", body).json
            if index % 8 == 0 { results.append(json) }
        }
        #expect(results.all.count == 8)
        for json in results.all {
            #expect(json?["choices"] == alone["choices"])
        }
    }

    /// /v1/verify on the real engine: n = 8 verifications share their prompt (computed once), and an
    /// item's verification is the same alone and among 64.
    @Test func verificationsShareTheirPromptAndDoNotDependOnTheBatch() throws {
        let server = try ServerProcess(arguments: ["--quiet"])
        let connection = HTTPConnection(port: server.port)
        let item = #"{"problem": "What is 12 + 7?", "steps": ["12 + 7 = 19", "So the answer is 19."]}"#
        let eight = try post(connection, "/v1/verify", #"{"items": [\#(item)], "n": 8, "max_tokens": 24}"#)
        #expect(eight.status == 200)
        let promptTokens = try #require(eight.json?["usage"]?.objectValue?["prompt_tokens"]?.intValue)
        // Eight sequences, one prompt: the engine computed it about once, the rest came from the cache.
        #expect(try metric(server, "spark_prompt_tokens_total") < Double(2 * promptTokens))
        #expect(try metric(server, "spark_prefix_cache_hit_tokens_total") >= Double(7 * (promptTokens - 16)))

        let alone = try post(connection, "/v1/verify", #"{"items": [\#(item)], "max_tokens": 24}"#).json
        let others = (0..<63).map {
            #"{"problem": "Problem \#($0): what is \#($0) + 1?", "solution": "It is \#($0 + 1)."}"#
        }
        let crowd = try post(
            connection, "/v1/verify",
            #"{"items": [\#((others[..<20] + [item] + others[20...]).joined(separator: ","))], "max_tokens": 24}"#
        ).json
        let mine = try #require(crowd?["items"]?.arrayValue?[20].objectValue)
        let single = try #require(alone?["items"]?.arrayValue?[0].objectValue)
        #expect(mine["verifications"] == single["verifications"])
        #expect(mine["status"] == single["status"])
    }

    @Test func aClientThatDisconnectsGetsItsWorkCancelled() throws {
        let server = try ServerProcess(arguments: ["--quiet", "--max-running", "4"])
        for stream in [false, true] {
            let body = #"{"prompt": "Step 1:", "max_tokens": 20000, "ignore_eos": true, "stream": \#(stream)}"#
            let socket = try RawSocket(port: server.port)
            socket.send("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            // Wait until the work is running (and, streamed, has started to arrive), then hang up.
            if stream { _ = socket.receive(until: "data: ") }
            let started = Date().addingTimeInterval(10)
            while try metric(server, "spark_requests_running") == 0 && Date() < started { usleep(10_000) }
            socket.close()
            let deadline = Date().addingTimeInterval(10)
            while try metric(server, "spark_kv_blocks_in_use") > 0 && Date() < deadline { usleep(20_000) }
            #expect(try metric(server, "spark_kv_blocks_in_use") == 0, "stream: \(stream)")
            #expect(try metric(server, "spark_requests_running") == 0)
            #expect(Date() < deadline.addingTimeInterval(-9), "blocks came back late (stream: \(stream))")
        }
    }

    @Test func sigtermDrainsInFlightRequestsAndExitsZero() throws {
        // One long request runs, and five short ones queue behind it before the server is asked to stop:
        // when six equal requests raced instead, a loaded machine let some finish before the last
        // arrived, and the drain found none waiting. The grace period is long enough for all six on a
        // loaded machine: the test is about every answer arriving, not about the default grace period.
        let server = try ServerProcess(arguments: ["--quiet", "--max-running", "1", "--drain-seconds", "180"])
        let results = Results()
        @Sendable func complete(_ index: Int, maxTokens: Int) {
            let body = #"{"prompt": [\#(index + 1), 2, 3], "max_tokens": \#(maxTokens), "ignore_eos": true}"#
            results.append(try? post(HTTPConnection(port: server.port), "/v1/completions", body).json)
        }
        let long = startConcurrently(1) { complete($0, maxTokens: 12000) }
        let deadline = Date().addingTimeInterval(30)
        while try metric(server, "spark_requests_running") == 0, Date() < deadline { usleep(5_000) }
        let short = startConcurrently(5) { complete($0 + 1, maxTokens: 16) }
        while try metric(server, "spark_requests_waiting") < 5, results.all.isEmpty, Date() < deadline {
            usleep(5_000)
        }
        #expect(try metric(server, "spark_requests_waiting") == 5, "the drain must find work still waiting")
        kill(server.process.processIdentifier, SIGTERM)
        long.wait()
        short.wait()
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0)
        #expect(results.all.count == 6)
        for json in results.all {
            #expect(json?["choices"]?.arrayValue?.first?.objectValue?["finish_reason"] == .string("length"))
        }
        #expect(server.log.contains("SIGTERM: draining"))
    }

    @Test func everyErrorStatusHasTheEnvelopeAndAReason() throws {
        let server = try ServerProcess(arguments: [
            "--quiet", "--api-key", "k", "--max-running", "1", "--max-waiting", "2", "--max-body-mb", "1",
        ])
        let connection = HTTPConnection(port: server.port)
        let auth = [("Authorization", "Bearer k")]
        func expectError(
            _ status: Int, _ outcome: (status: Int, json: JSONObject?, response: ClientResponse), _ text: String
        ) {
            #expect(outcome.status == status, "\(outcome.response.text)")
            let message = outcome.json?["error"]?.objectValue?["message"]?.stringValue ?? ""
            #expect(message.contains(text), "\(message)")
            #expect(outcome.json?["error"]?.objectValue?["code"] == .int(status))
            #expect(outcome.response.header("x-request-id") != nil)
        }
        expectError(401, try post(connection, "/v1/completions", #"{"prompt": "x"}"#), "missing or wrong API key")
        expectError(
            401, try post(connection, "/v1/completions", #"{"prompt": "x"}"#, headers: [("X-Api-Key", "nope")]),
            "API key")
        #expect(try post(connection, "/tokenize", #"{"prompt": "x"}"#, headers: [("X-Api-Key", "k")]).status == 200)
        expectError(404, try post(connection, "/v2/nothing", "{}", headers: auth), "no route /v2/nothing")
        let wrongMethod = try connection.send("GET", "/v1/completions", headers: auth)
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.header("allow") == "POST")
        expectError(
            400, try post(connection, "/v1/completions", #"{"prompt": "x", "max_tokens": 40000}"#, headers: auth),
            "max_tokens")
        expectError(
            408,
            try post(
                connection, "/v1/completions",
                #"{"prompt": "x", "max_tokens": 5000, "ignore_eos": true, "timeout": 0.05}"#, headers: auth),
            "timeout of 0.05 s")
        // A declared body over the limit is refused from the headers alone.
        let oversized = try RawSocket(port: server.port)
        oversized.send(
            "POST /v1/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\nContent-Length: \(2 << 20)\r\n\r\n")
        let answer = oversized.receive(until: "}}")
        #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer)")
        #expect(answer.contains("exceeds the limit of 1048576 bytes"))
        // Fill the queue: one long request runs, more wait, the next is refused with Retry-After.
        // One request of three long samples: one runs, two wait; the server ends it after 5 s.
        let busy = startConcurrently(1) { _ in
            _ = try? post(
                HTTPConnection(port: server.port), "/v1/completions",
                #"{"prompt": "x", "n": 3, "max_tokens": 30000, "ignore_eos": true, "timeout": 5}"#, headers: auth)
        }
        let deadline = Date().addingTimeInterval(10)
        while try metric(server, "spark_requests_waiting") < 2 && Date() < deadline { usleep(10_000) }
        let refused = try post(connection, "/v1/completions", #"{"prompt": "x", "max_tokens": 5}"#, headers: auth)
        expectError(429, refused, "queue is full")
        #expect(refused.response.header("retry-after") != nil)
        busy.wait()
    }

    @Test func healthIsPublicAndMetricsCountRequests() throws {
        let server = try ServerProcess(arguments: ["--quiet", "--api-key", "k"])
        let connection = HTTPConnection(port: server.port)
        #expect(try connection.send("GET", "/health").status == 200)
        _ = try post(
            connection, "/v1/completions", #"{"prompt": [1, 2], "max_tokens": 3}"#, headers: [("X-Api-Key", "k")])
        let metrics = try connection.send("GET", "/metrics").text
        for name in [
            "spark_requests_running", "spark_requests_waiting", "spark_request_queue_seconds_bucket",
            "spark_time_to_first_token_seconds_bucket", "spark_request_latency_seconds_count",
            "spark_prompt_tokens_total", "spark_generation_tokens_total", "spark_prefix_cache_hit_tokens_total",
            "spark_kv_blocks_in_use", "spark_preemptions_total", "spark_errors_total",
        ] {
            #expect(metrics.contains(name), "\(name)")
        }
        #expect(metrics.contains(#"spark_http_requests_total{route="/v1/completions",status="200"} 1"#))
        // The engine publishes its counts after the iteration that answered; give it a moment.
        let start = Date()
        while try metric(server, "spark_generation_tokens_total") < 3 && Date().timeIntervalSince(start) < 5 {
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(try metric(server, "spark_generation_tokens_total") == 3)
    }

    @Test func aModelThatCannotLoadExitsWithTheReason() throws {
        let outcome = try CommandRunner.run("spark-server", ["--model", "/nonexistent", "--port", "0"])
        #expect(outcome.status == 1)
        #expect(outcome.errorOutput.contains("cannot load the model: /nonexistent: not a directory"))
    }
}

/// Runs `body(0 ..< count)` on as many threads (not on Dispatch's pool, which on Linux grows slowly
/// when its threads block in network reads) and returns when all are done.
func concurrently(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    startConcurrently(count, body).wait()
}

func startConcurrently(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) -> DispatchGroup {
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        Thread {
            body(index)
            group.leave()
        }.start()
    }
    return group
}

/// Results gathered from concurrent requests.
final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [JSONObject?] = []
    func append(_ value: JSONObject?) { lock.withLock { values.append(value) } }
    var all: [JSONObject?] { lock.withLock { values } }
}
