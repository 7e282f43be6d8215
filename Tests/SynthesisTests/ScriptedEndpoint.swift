// An OpenAI-compatible chat endpoint for tests: a real HTTP server on loopback that answers each call
// with the reply prepared for its seed (every Stage I call has a seed of its own, derived from its place
// in the run), after answering it first with any failures prepared for it. It records what it was sent.

import HTTPServer
import JSON
import Synchronization
import Synthesis
import TestSupport

final class ScriptedEndpoint {
    private let script: Script
    private let server: LoopbackServer

    init(replies: [UInt64: String], failures: [UInt64: [Failure]] = [:]) throws {
        let script = Script(replies: replies, failures: failures)
        self.script = script
        server = try LoopbackServer { script.answer($0) }
    }

    var url: String { "http://127.0.0.1:\(server.port)/v1" }

    var received: [Received] { script.received }
}

extension ScriptedEndpoint {
    struct Received: Sendable {
        let prompt: String
        let seed: UInt64
        let model: String
        let authorization: String?
    }

    /// A failure to answer with before the reply: a status, and a Retry-After header when given.
    struct Failure: Sendable {
        let status: Int
        var retryAfter: String?
    }

}

private final class Script: Sendable {
    typealias Received = ScriptedEndpoint.Received
    typealias Failure = ScriptedEndpoint.Failure

    private let replies: [UInt64: String]
    private let failures: Mutex<[UInt64: [Failure]]>
    private let log = Mutex<[Received]>([])

    init(replies: [UInt64: String], failures: [UInt64: [Failure]]) {
        self.replies = replies
        self.failures = Mutex(failures)
    }

    var received: [Received] { log.withLock { $0 } }

    func answer(_ request: HTTPRequest) -> HTTPResponse {
        guard request.method == "POST", request.path == "/v1/chat/completions",
            let body = try? JSONValue.parse(request.body).objectValue,
            let prompt = body["messages"]?.arrayValue?.first?.objectValue?["content"]?.stringValue,
            let seed = body["seed"]?.intValue
        else { return .error(status: 400, message: "not a chat completion request") }
        let key = UInt64(seed)
        log.withLock {
            $0.append(
                Received(
                    prompt: prompt, seed: key, model: body["model"]?.stringValue ?? "",
                    authorization: request.header("authorization")))
        }
        if let failure = failures.withLock({ $0[key]?.isEmpty == false ? $0[key]!.removeFirst() : nil }) {
            let headers = failure.retryAfter.map { [("Retry-After", $0)] } ?? []
            return .json(.object(["error": .string("scripted")]), status: failure.status, headers: headers)
        }
        guard let reply = replies[key] else { return .error(status: 500, message: "no reply scripted for seed \(key)") }
        return .json(
            .object([
                "id": .string("scripted"), "object": .string("chat.completion"),
                "choices": .array([
                    .object([
                        "index": .int(0), "finish_reason": .string("stop"),
                        "message": .object(["role": .string("assistant"), "content": .string(reply)]),
                    ])
                ]),
            ]))
    }
}
