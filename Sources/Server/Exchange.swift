// One HTTP request and its answer, as the routes see it: every answer goes out with the request id,
// is counted in the metrics and written to the access log once, and leaves the count of requests in
// flight (which a draining server waits on).
//
// Retries of a request may join it as followers (RetryLedger): its work is then abandoned, and
// cancelled, only when its own client and every follower's have gone.

import HTTPServer
import JSON
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

final class Exchange: Sendable {
    let request: HTTPRequest
    let requestId: String
    let route: String
    private let responder: Responder
    let received = ContinuousClock.now
    private let log: AccessLog
    private let metrics: ServerMetrics
    private let inFlight: InFlightCount
    private let answered = Atomic<Bool>(false)
    private let audience = Mutex(Audience())
    /// Told of the answer (without this exchange's request id) and whether it is final, to share it
    /// with retries.
    private let answerObserver = Mutex<(@Sendable (HTTPResponse, _ isFinal: Bool) -> Void)?>(nil)

    private struct Audience {
        var followers: [Exchange] = []
        var abandonCallbacks: [@Sendable () -> Void] = []
        var watchingOwnClient = false
        var abandoned = false
    }

    init(
        request: HTTPRequest, route: String, responder: Responder, log: AccessLog, metrics: ServerMetrics,
        inFlight: InFlightCount
    ) {
        self.request = request
        self.route = route
        self.responder = responder
        self.log = log
        self.metrics = metrics
        self.inFlight = inFlight
        requestId =
            request.header("x-request-id").flatMap { $0.isEmpty || $0.count > 200 ? nil : $0 }
            ?? ResponseIdentifier.make("req")
        inFlight.enter()
    }

    /// Called once when nobody waits for the answer any more.
    func onDisconnect(_ callback: @escaping @Sendable () -> Void) {
        let watch = audience.withLock { audience in
            audience.abandonCallbacks.append(callback)
            defer { audience.watchingOwnClient = true }
            return !audience.watchingOwnClient
        }
        if watch { responder.onDisconnect { [self] in checkAbandoned() } }
        checkAbandoned()
    }

    /// Takes a retry of this request as a follower that waits for the same answer, unless this request
    /// was already abandoned (its work is being cancelled): then the retry must do the work itself.
    /// `watch(follower)` must follow, outside any lock that answering this request takes.
    func attach(follower: Exchange) -> Bool {
        audience.withLock { audience in
            guard !audience.abandoned else { return false }
            audience.followers.append(follower)
            return true
        }
    }

    func watch(follower: Exchange) {
        follower.responder.onDisconnect { [self] in checkAbandoned() }
    }

    func observeAnswer(_ observer: @escaping @Sendable (HTTPResponse, _ isFinal: Bool) -> Void) {
        answerObserver.withLock { $0 = observer }
    }

    /// Abandons the work when nobody waits for the answer any more: the client and every follower have
    /// gone. Decided under the same lock as `attach`, so a retry is either counted here or refused there.
    private func checkAbandoned() {
        let callbacks = audience.withLock { audience -> [@Sendable () -> Void] in
            guard !audience.abandoned, !audience.abandonCallbacks.isEmpty, responder.isDisconnected,
                audience.followers.allSatisfy(\.responder.isDisconnected)
            else { return [] }
            audience.abandoned = true
            return audience.abandonCallbacks
        }
        for callback in callbacks { callback() }
    }

    /// `isFinal` false: work was cut short (a deadline, a refusal), so a retry should do it again.
    func respond(
        _ value: JSONValue, status: Int = 200, headers: [(name: String, value: String)] = [], isFinal: Bool = true
    ) {
        respond(
            HTTPResponse(status: status, headers: headers + [jsonType], body: Array(value.serialized.utf8)),
            isFinal: isFinal)
    }

    func fail(_ error: APIError) {
        var headers: [(name: String, value: String)] = []
        if let seconds = error.retryAfterSeconds {
            // The OpenAI SDK retries on `x-should-retry: true` after `Retry-After`, whatever the status.
            headers += [("Retry-After", String(seconds)), ("x-should-retry", "true")]
        }
        if let methods = error.allowedMethods { headers.append(("Allow", methods.joined(separator: ", "))) }
        metrics.errors.increment([String(error.status)])
        respond(error.json, status: error.status, headers: headers, note: error.message)
    }

    func respond(_ value: JSONValue, status: Int, headers: [(name: String, value: String)], note: String) {
        respond(
            HTTPResponse(status: status, headers: headers + [jsonType], body: Array(value.serialized.utf8)), note: note)
    }

    func respond(_ response: HTTPResponse, note: String = "", isFinal: Bool = true) {
        guard markAnswered() else { return }
        // Retries are told first: one sent after this client has its answer must not join the work.
        let observer = answerObserver.withLock { observer in
            defer { observer = nil }
            return observer
        }
        observer?(response, isFinal && response.status == 200)
        var sent = response
        sent.headers.append(("X-Request-Id", requestId))
        count(status: response.status)
        responder.respond(sent)
        finished(status: response.status, note: note)
    }

    /// Starts a server-sent event stream; `finishStream` ends the exchange.
    func startEventStream() -> ResponseStream {
        responder.startStream(
            status: 200,
            headers: [
                ("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"), ("X-Request-Id", requestId),
            ])
    }

    func finishStream(_ stream: ResponseStream, note: String = "") {
        guard markAnswered() else {
            stream.finish()
            return
        }
        count(status: 200)
        stream.finish()
        finished(status: 200, note: note)
    }

    /// The first answer only. The work's callbacks are let go then: they hold the work, which holds
    /// this exchange, and nothing is left to cancel.
    private func markAnswered() -> Bool {
        guard answered.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return false }
        audience.withLock { audience in
            audience.abandonCallbacks = []
            audience.followers = []
        }
        return true
    }

    /// Counted before it goes out, so that a client reading /metrics after its answer sees it.
    private func count(status: Int) { metrics.httpRequests.increment([route, String(status)]) }

    private func finished(status: Int, note: String) {
        log.record(
            remote: request.remoteAddress, method: request.method, path: request.path, status: status,
            seconds: seconds(received, .now), requestId: requestId, note: note, body: request.body)
        inFlight.leave()
    }

    private var jsonType: (name: String, value: String) { ("Content-Type", "application/json") }
}

/// Requests received and not yet answered.
final class InFlightCount: Sendable {
    private let count = Atomic<Int>(0)
    func enter() { count.add(1, ordering: .relaxed) }
    func leave() { count.subtract(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}

/// One line per request on standard error: time, client, request line, status, duration, request id and
/// a note (an error message, or token counts). Prompt text stays out unless `logsRequests`: request
/// bodies are left out, and so are the messages of 400 errors, which may quote the body (a JSON parser's
/// "near '…'", a value that was not understood); the client still gets the message. Control characters
/// are escaped, so that a crafted path or name cannot forge a log line.
final class AccessLog: Sendable {
    let enabled: Bool
    let logsRequests: Bool
    /// Bytes of each request body logged with `logsRequests`.
    static let bodyBytesLogged = 4096

    init(enabled: Bool, logsRequests: Bool = false) {
        self.enabled = enabled
        self.logsRequests = logsRequests
    }

    func record(
        remote: String, method: String, path: String, status: Int, seconds: Double, requestId: String, note: String,
        body: [UInt8]
    ) {
        guard enabled else { return }
        var line =
            "\(Self.timestamp()) \(remote) \"\(method) \(Self.printable(path))\" \(status) \(Int((seconds * 1000).rounded())) ms id=\(Self.printable(requestId))"
        if status == 400 && !logsRequests {
            line += " (message withheld: it may quote the request; --log-requests logs it)"
        } else if !note.isEmpty {
            line += " " + Self.printable(note)
        }
        if logsRequests && !body.isEmpty {
            line += " body=" + Self.printable(String(decoding: body.prefix(Self.bodyBytesLogged), as: UTF8.self))
            if body.count > Self.bodyBytesLogged { line += "...(\(body.count) bytes)" }
        }
        line += "\n"
        // One write(2) per line: lines from concurrent requests never interleave.
        _ = line.withCString { Glibc.write(STDERR_FILENO, $0, strlen($0)) }
    }

    /// `text` with control characters written as escapes (`\n`, `\u{1b}`).
    static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            result += isControl(scalar) ? scalar.escaped(asASCII: true) : String(scalar)
        }
        return result
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value)
    }

    static func unixTime() -> Int { time(nil) }

    static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
