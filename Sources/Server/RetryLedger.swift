// Retries of a request the server already has. RL clients retry on timeouts, 429 and 5xx; computing
// a reward again costs a whole verification and, where the reward model samples, may give the same
// response a different reward. A retry joins the original's work while it runs, or gets its stored
// answer for a window after it (final answers only: an error, or items cut short by a deadline, are
// worth trying again).
//
// A request is recognised only by its exact bytes (route, query and body), and only where the bytes
// prove a retry: identical scoring requests (verify, reward, classify, pooling) within the window get
// one answer (a client that wants a fresh sample sends another seed); an identical completion is
// normally a fresh rollout, so it counts as a retry only when the client says so, with the original's
// X-Request-Id or `x-stainless-retry-count` above 0 (what the OpenAI SDK sends on a retry).

import HTTPServer
import Synchronization

final class RetryLedger: Sendable {
    enum Kind: Sendable {
        /// Equal bytes suffice.
        case scoring
        /// Equal bytes and the client's word that this is a retry.
        case generation
    }

    private struct Key: Hashable, Sendable {
        var route: String
        var query: [String: String]
        var body: [UInt8]
        /// For completions, the X-Request-Id the client chose, if it chose one.
        var clientRequestId: String?
    }

    private struct Entry {
        /// The request doing the work, until it is answered.
        var leader: Exchange?
        var leaderRequestId: String
        var followers: [Exchange] = []
        var answer: HTTPResponse?
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        /// Answered keys, oldest first, for expiry.
        var answered: [(key: Key, at: ContinuousClock.Instant, bytes: Int)] = []
        var storedBytes = 0
    }

    private enum Decision {
        case lead
        case runApart
        case join(Exchange)
        case replay(HTTPResponse, original: String)
    }

    private let window: Duration
    private let byteLimit: Int
    private let metrics: ServerMetrics
    private let state = Mutex(State())

    /// Answers are kept `windowSeconds` (0: retries are not recognised), at most `byteLimit` bytes of
    /// requests and answers in all.
    init(windowSeconds: Double, byteLimit: Int, metrics: ServerMetrics) {
        window = .nanoseconds(Int64(windowSeconds * 1e9))
        self.byteLimit = byteLimit
        self.metrics = metrics
    }

    /// Whether the ledger answers this request, by joining it to the original or replaying the
    /// original's answer; if not, the caller does the work, and its answer is kept for retries.
    func absorb(_ exchange: Exchange, kind: Kind) -> Bool {
        guard window > .zero else { return false }
        let request = exchange.request
        let clientRequestId = kind == .generation ? request.header("x-request-id") : nil
        let key = Key(route: exchange.route, query: request.query, body: request.body, clientRequestId: clientRequestId)
        let saysRetry = request.header("x-stainless-retry-count").flatMap(Int.init).map { $0 > 0 } ?? false
        let decision = state.withLock { state -> Decision in
            expire(&state, now: .now)
            if var entry = state.entries[key] {
                guard kind == .scoring || clientRequestId != nil || saysRetry else { return .runApart }
                if let answer = entry.answer { return .replay(answer, original: entry.leaderRequestId) }
                if let leader = entry.leader, leader.attach(follower: exchange) {
                    entry.followers.append(exchange)
                    state.entries[key] = entry
                    return .join(leader)
                }
            }
            // No such request, or its client left before any retry came and its work is being cancelled:
            // this one does the work, and the abandoned one's answer goes to nobody.
            state.entries[key] = Entry(leader: exchange, leaderRequestId: exchange.requestId)
            return .lead
        }
        switch decision {
        case .lead:
            let leader = ObjectIdentifier(exchange)
            exchange.observeAnswer { [self] answer, isFinal in finish(key, answer, keep: isFinal, leader: leader) }
            return false
        case .runApart:
            return false
        case .join(let leader):
            leader.watch(follower: exchange)
            metrics.retriesDeduplicated.increment(["joined"])
            return true
        case .replay(let answer, let original):
            respond(exchange, answer, original: original)
            metrics.retriesDeduplicated.increment(["replayed"])
            return true
        }
    }

    /// Gives the leader's answer to its followers, and keeps it if it is final and fits; an abandoned
    /// leader that another request replaced has nobody to tell.
    private func finish(_ key: Key, _ answer: HTTPResponse, keep: Bool, leader: ObjectIdentifier) {
        let bytes = key.body.count + answer.body.count
        let (followers, original) = state.withLock { state -> ([Exchange], String) in
            guard var entry = state.entries[key], entry.leader.map(ObjectIdentifier.init) == leader else {
                return ([], "")
            }
            let followers = entry.followers
            if keep && bytes <= byteLimit {
                entry.leader = nil
                entry.followers = []
                entry.answer = answer
                state.entries[key] = entry
                state.answered.append((key, .now, bytes))
                state.storedBytes += bytes
                while state.storedBytes > byteLimit { forgetOldest(&state) }
            } else {
                state.entries[key] = nil
            }
            return (followers, entry.leaderRequestId)
        }
        for follower in followers { respond(follower, answer, original: original) }
    }

    private func respond(_ exchange: Exchange, _ answer: HTTPResponse, original: String) {
        var answer = answer
        answer.headers.append(("X-Retry-Of", original))
        exchange.respond(answer, note: "retry of \(original)")
    }

    private func expire(_ state: inout State, now: ContinuousClock.Instant) {
        while let oldest = state.answered.first, now - oldest.at > window { forgetOldest(&state) }
    }

    private func forgetOldest(_ state: inout State) {
        let oldest = state.answered.removeFirst()
        state.storedBytes -= oldest.bytes
        state.entries[oldest.key] = nil
    }
}
