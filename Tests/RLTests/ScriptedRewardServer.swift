// A /v1/reward endpoint for tests: a real HTTP server on loopback that answers each request with what
// `answer` makes of its JSON body, after first failing the number of requests asked for with a status
// (and a Retry-After). It records the bodies and Authorization headers it was sent.

import HTTPServer
import JSON
import Synchronization
import TestSupport

final class ScriptedRewardServer {
    struct Failure: Sendable {
        var status: Int
        var retryAfter: String?
    }

    private let script: Script
    private let server: LoopbackServer

    init(failures: [Failure] = [], answer: @escaping @Sendable (JSONObject) -> HTTPResponse) throws {
        let script = Script(failures: failures, answer: answer)
        self.script = script
        server = try LoopbackServer { script.respond($0) }
    }

    var url: String { "http://127.0.0.1:\(server.port)" }

    /// Every request's body and Authorization header, failed ones included.
    var received: [(body: JSONObject, authorization: String?)] { script.log.withLock { $0 } }

    /// Items of `count` responses as the server writes them: judged with `score` and `advantage`.
    static func items(scores: [Double?], advantages: [Double?], extra: [JSONObject] = []) -> JSONValue {
        .array(
            scores.indices.map { index in
                var item: JSONObject = [
                    "index": .int(index), "status": .string(scores[index] == nil ? "timeout" : "ok"),
                    "score": scores[index].map { .double($0) } ?? .null, "mask": .bool(scores[index] != nil),
                    "valid": .bool(true), "violations": .array([]), "outcome": .string("yes"), "K": .int(2),
                    "P": .int(2), "steps": .array([]),
                ]
                if let advantage = advantages[index] { item["advantage"] = .double(advantage) }
                if index < extra.count { for key in extra[index].keys { item[key] = extra[index][key] } }
                return .object(item)
            })
    }
}

private final class Script: Sendable {
    let failures: Mutex<[ScriptedRewardServer.Failure]>
    let answer: @Sendable (JSONObject) -> HTTPResponse
    let log = Mutex<[(body: JSONObject, authorization: String?)]>([])

    init(failures: [ScriptedRewardServer.Failure], answer: @escaping @Sendable (JSONObject) -> HTTPResponse) {
        self.failures = Mutex(failures)
        self.answer = answer
    }

    func respond(_ request: HTTPRequest) -> HTTPResponse {
        guard request.method == "POST", request.path == "/v1/reward",
            let body = try? JSONValue.parse(request.body).objectValue
        else { return .error(status: 400, message: "not a reward request") }
        log.withLock { $0.append((body, request.header("authorization"))) }
        if let failure = failures.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
            let headers = failure.retryAfter.map { [("Retry-After", $0)] } ?? []
            return .json(.object(["error": .string("scripted")]), status: failure.status, headers: headers)
        }
        return answer(body)
    }
}
