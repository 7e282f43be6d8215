// When a request's work must be over. The request's own `timeout_ms` (or `timeout`) wins; without
// one, the client's read timeout as the OpenAI SDK announces it in `x-stainless-read-timeout`, since
// work the client has stopped waiting for is wasted; then the server's default. The clock starts when
// the request arrived, as the client's does.

import HTTPServer

struct RequestDeadline: Sendable {
    let seconds: Double
    let instant: ContinuousClock.Instant

    init(requested: Double?, request: HTTPRequest, received: ContinuousClock.Instant, defaultSeconds: Double) {
        seconds = requested ?? Self.clientReadTimeout(request) ?? defaultSeconds
        instant = received.advanced(by: .nanoseconds(Int64(min(seconds, 1e9) * 1e9)))
    }

    /// Work the server starts itself (canaries): `seconds` from now.
    init(seconds: Double) {
        self.seconds = seconds
        instant = .now.advanced(by: .nanoseconds(Int64(seconds * 1e9)))
    }

    /// The SDK writes the read timeout in seconds (`str(timeout.read)`: "600" or "0.5"). A value that
    /// does not read as a positive number is the SDK's business, not a request error: it is ignored.
    static func clientReadTimeout(_ request: HTTPRequest) -> Double? {
        guard let text = request.header("x-stainless-read-timeout"), let seconds = Double(text),
            seconds.isFinite, seconds > 0
        else { return nil }
        return seconds
    }

    var milliseconds: Int { Int((seconds * 1000).rounded()) }
}
