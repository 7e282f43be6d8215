import HTTPClient
import Testing

/// HTTPClient's retry schedule, which spark-rl's reward calls and Stage I's endpoint calls share.
@Suite struct RetryPolicyTests {
    @Test func pausesDoubleWithJitterInTheirUpperHalf() {
        let policy = RetryPolicy(retries: 6, backoffSeconds: 0.5)
        for attempt in 1...6 {
            let nominal = 0.5 * Double(1 << (attempt - 1))
            let pauses = (0..<200).map { _ in policy.pauseSeconds(beforeRetry: attempt) }
            #expect(pauses.allSatisfy { $0 >= nominal / 2 && $0 <= nominal })
            // Jitter: clients that failed together do not all come back together.
            #expect(Set(pauses).count > 100)
        }
    }

    @Test func withoutJitterThePauseIsNominalAndRetryAfterWins() {
        let policy = RetryPolicy(retries: 3, backoffSeconds: 1, jitter: false)
        #expect(policy.pauseSeconds(beforeRetry: 3) == 4)
        #expect(policy.pauseSeconds(beforeRetry: 1, retryAfterSeconds: 7) == 7)
        #expect(policy.pauseSeconds(beforeRetry: 40) == 3600)
    }

    @Test func onlyStatusesThatMayPassAreRetried() {
        #expect([408, 429, 500, 502, 503, 504].allSatisfy(RetryPolicy.isTransient))
        #expect(![200, 400, 401, 404, 413, 422].contains(where: RetryPolicy.isTransient))
    }
}
