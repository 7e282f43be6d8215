// Stage I calls against any OpenAI-compatible endpoint (`POST …/v1/chat/completions`), as the release
// makes them: one user message, `n` = 1, the call's own seed. `concurrency` calls are in flight at once,
// each on its own keep-alive connection. A call that fails in a way that may pass (no connection, a
// timeout, 408, 429, 5xx) is retried as HTTPClient's RetryPolicy says (exponential backoff with jitter,
// or the server's `Retry-After` when that is longer). A 400 that says the prompt plus max_tokens exceed
// the model's context, with the numbers, gets the room there is, as in process: the call is asked again
// with that max_tokens, or, when the prompt alone fills the context, its reply is empty (and counts as
// unparsed). Any other answer fails the run at once, with the server's message.
// Plain http only: put a TLS proxy in front of an https endpoint.

import HTTPClient
import JSON
import Kernels
import Synchronization

public struct EndpointBackend: CompletionBackend, Sendable {
    public struct Options: Sendable {
        public var concurrency = 8
        /// Bounds each read and write of a call.
        public var timeoutSeconds = 600.0
        /// Attempts after the first.
        public var retries = 6
        /// The pause before the first retry; each later pause doubles it.
        public var backoffSeconds = 1.0
        public var apiKey: String?

        public init() {}
    }

    public let url: String
    public let model: String
    public let options: Options
    public let host: String
    public let port: Int
    /// The chat completions route under the base URL.
    public let path: String

    /// `url` is the server (`http://host:port`) or its OpenAI base URL (`http://host:port/v1`).
    public init(url: String, model: String, options: Options = Options()) throws(SynthesisError) {
        guard url.hasPrefix("http://") else {
            throw .backend("endpoint \(url): expected http://host:port[/v1] (plain http; use a TLS proxy for https)")
        }
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        var base = String(rest.dropFirst(authority.count))
        while base.hasSuffix("/") { base.removeLast() }
        let hostPart = authority.split(separator: ":", maxSplits: 1)
        guard let name = hostPart.first, !name.isEmpty, let port = hostPart.count == 2 ? Int(hostPart[1]) : 80 else {
            throw .backend("endpoint \(url): expected http://host:port[/v1]")
        }
        self.url = url
        self.model = model
        self.options = options
        host = String(name)
        self.port = port
        path = (base.hasSuffix("/v1") ? base : base + "/v1") + "/chat/completions"
    }

    /// The model name alone: the same model served elsewhere (another port, a replica) answers the same
    /// seeded calls, so a run can move to it and keep its journal.
    public var identity: String { "model \(model)" }

    public func complete(_ calls: [ModelCall], deliver: @escaping @Sendable (Int, String) -> Void)
        throws(SynthesisError)
    {
        let next = Atomic<Int>(0)
        let failure = Mutex<SynthesisError?>(nil)
        Threads.run(max(1, min(options.concurrency, calls.count))) { _ in
            let connection = HTTPConnection(host: host, port: port, timeoutSeconds: options.timeoutSeconds)
            while failure.withLock({ $0 == nil }) {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < calls.count else { return }
                do throws(SynthesisError) {
                    deliver(index, try reply(to: calls[index], on: connection))
                } catch {
                    failure.withLock { $0 = $0 ?? error }
                    return
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
    }

    func requestBody(_ call: ModelCall) -> [UInt8] {
        let body: JSONObject = [
            "model": .string(model),
            "messages": .array([.object(["role": .string("user"), "content": .string(call.prompt)])]),
            "temperature": .double(call.temperature), "top_p": .double(call.topP), "max_tokens": .int(call.maxTokens),
            "seed": .int(Int(call.seed)), "n": .int(1),
        ]
        return Array(JSONValue.object(body).serialized.utf8)
    }

    private func reply(to call: ModelCall, on connection: HTTPConnection) throws(SynthesisError) -> String {
        var headers = [("Content-Type", "application/json")]
        if let apiKey = options.apiKey { headers.append(("Authorization", "Bearer \(apiKey)")) }
        let response: ClientResponse
        do {
            response = try connection.send(
                "POST", path, headers: headers, body: requestBody(call),
                retrying: RetryPolicy(retries: options.retries, backoffSeconds: options.backoffSeconds))
        } catch {
            throw .call("\(url): \(error)")
        }
        guard response.status == 200 else {
            if let room = ContextLengthRefusal(status: response.status, body: response.body)?.room,
                room < call.maxTokens
            {
                guard room > 0 else { return "" }
                let shorter = ModelCall(
                    prompt: call.prompt, temperature: call.temperature, topP: call.topP, maxTokens: room,
                    seed: call.seed)
                return try reply(to: shorter, on: connection)
            }
            throw .call("\(url) answered \(response.status): \(response.text.prefix(300))")
        }
        return try content(of: response)
    }

    private func content(of response: ClientResponse) throws(SynthesisError) -> String {
        let object = try? JSONValue.parse(response.body).objectValue
        guard let choice = object?["choices"]?.arrayValue?.first?.objectValue,
            let text = choice["message"]?.objectValue?["content"]?.stringValue
        else {
            throw .call("\(url) answered 200 without choices[0].message.content: \(response.text.prefix(300))")
        }
        return text
    }
}
