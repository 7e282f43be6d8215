// Retries of a request that failed in a way that may pass: no connection or a broken one, a timeout,
// 408, 429 or a 5xx (a server that restarts, drains or is overloaded). Any other answer is final and
// goes back to the caller. The pause before retry k is backoff · 2^(k−1), times a uniform jitter in
// [0.5, 1] so that the many clients a restart failed at once do not all come back at once, and at
// least the server's `Retry-After`. Safe for spark-server's routes: it joins or replays a retried body
// it has already seen, so a retry never makes the model judge twice.

#if canImport(Glibc)
    import Glibc
#endif

public struct RetryPolicy: Sendable, Equatable {
    /// Attempts after the first.
    public var retries: Int
    /// The pause before the first retry; each later pause doubles it.
    public var backoffSeconds: Double
    /// Whether pauses are drawn in [0.5, 1] of their nominal length.
    public var jitter: Bool

    public init(retries: Int = 6, backoffSeconds: Double = 1, jitter: Bool = true) {
        self.retries = retries
        self.backoffSeconds = backoffSeconds
        self.jitter = jitter
    }

    /// Statuses worth another attempt.
    public static func isTransient(status: Int) -> Bool { status == 408 || status == 429 || status >= 500 }

    /// The pause before retry `attempt` (1 for the first retry), in seconds.
    public func pauseSeconds(beforeRetry attempt: Int, retryAfterSeconds: Double = 0) -> Double {
        let nominal = backoffSeconds * Double(1 << min(attempt - 1, 20))
        let drawn = jitter ? nominal * Double.random(in: 0.5...1) : nominal
        return min(max(drawn, retryAfterSeconds), 3600)
    }
}

/// Every attempt failed in a way that might have passed.
public struct RetriesExhausted: Error, CustomStringConvertible {
    public let attempts: Int
    /// What the last attempt met (a transport error, or a status with the start of its body).
    public let lastProblem: String

    public var description: String { "no reply after \(attempts) attempts; the last: \(lastProblem)" }
}

extension HTTPConnection {
    /// Sends the request until it gets an answer that is not transient, and returns that answer
    /// (whatever its status); `onRetry` hears of each failure that is retried.
    public func send(
        _ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = [],
        retrying policy: RetryPolicy, onRetry: (String) -> Void = { _ in }
    ) throws(RetriesExhausted) -> ClientResponse {
        var attempt = 0
        while true {
            let problem: String
            var retryAfterSeconds = 0.0
            do {
                let response = try send(method, path, headers: headers, body: body)
                guard RetryPolicy.isTransient(status: response.status) else { return response }
                problem = "status \(response.status): \(response.text.prefix(300))"
                retryAfterSeconds = response.header("retry-after").flatMap(Double.init) ?? 0
            } catch {
                close()
                problem = error.description
            }
            attempt += 1
            guard attempt <= policy.retries else { throw RetriesExhausted(attempts: attempt, lastProblem: problem) }
            onRetry(problem)
            usleep(UInt32(policy.pauseSeconds(beforeRetry: attempt, retryAfterSeconds: retryAfterSeconds) * 1e6))
        }
    }
}
