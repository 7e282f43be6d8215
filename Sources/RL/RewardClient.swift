// The RL loop's calls to spark-server's /v1/reward: GRPO groups, a few per request, `concurrency`
// requests in flight on keep-alive connections of their own, each bounded by a timeout and retried
// by HTTPClient's RetryPolicy (backoff with jitter, Retry-After honoured). A request's bytes depend
// only on the step, so a retry after a timeout or a restart is the same body, which the server
// deduplicates: a reward server that restarts mid-run costs the run time, never a step.

import HTTPClient
import JSON
import Kernels
import Synchronization

public struct RewardClient: Sendable {
    public struct Options: Sendable {
        public var apiKey: String?
        public var concurrency = 4
        /// Groups per request.
        public var groupsPerRequest = 4
        /// Bounds each read and write of a request.
        public var timeoutSeconds = 600.0
        public var retry = RetryPolicy(retries: 10, backoffSeconds: 1)
        /// The policy's answer format the server gates on: steps, spark or none.
        public var format = "steps"
        /// Tokens the reward model may write per verification.
        public var maxTokens = 4096

        public init() {}
    }

    public struct Group: Sendable {
        public var id: String
        public var problem: String
        public var responses: [String]

        public init(id: String, problem: String, responses: [String]) {
            self.id = id
            self.problem = problem
            self.responses = responses
        }
    }

    public let host: String
    public let port: Int
    public let options: Options
    /// Called from the request threads with what a retried failure met.
    public let onRetry: @Sendable (String) -> Void

    /// `url` is `http://host:port`.
    public init(url: String, options: Options, onRetry: @escaping @Sendable (String) -> Void = { _ in })
        throws(RLError)
    {
        guard url.hasPrefix("http://") else { throw .invalidInput("--reward-url \(url): expected http://host:port") }
        var authority = url.dropFirst("http://".count)
        while authority.hasSuffix("/") { authority.removeLast() }
        let parts = authority.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, !parts[0].isEmpty, let port = Int(parts[1]), port > 0 else {
            throw .invalidInput("--reward-url \(url): expected http://host:port")
        }
        host = String(parts[0])
        self.port = port
        self.options = options
        self.onRetry = onRetry
    }

    /// The judgements of every response of every group, in order; `seed` seeds the random design.
    public func judge(_ groups: [Group], reward: PolicyReward, seed: UInt64) throws(RLError) -> [[RewardJudgement]] {
        precondition(reward.serverDesign != nil, "\(reward.rawValue) needs no reward server")
        let requests = stride(from: 0, to: groups.count, by: options.groupsPerRequest).map {
            Array(groups[$0..<min($0 + options.groupsPerRequest, groups.count)])
        }
        let results = Mutex<[[[RewardJudgement]]?]>(Array(repeating: nil, count: requests.count))
        let failure = Mutex<RLError?>(nil)
        let next = Atomic<Int>(0)
        Threads.run(max(1, min(options.concurrency, requests.count))) { _ in
            let connection = HTTPConnection(host: host, port: port, timeoutSeconds: options.timeoutSeconds)
            while failure.withLock({ $0 == nil }) {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < requests.count else { return }
                do throws(RLError) {
                    let judged = try send(requests[index], reward: reward, seed: seed, on: connection)
                    results.withLock { $0[index] = judged }
                } catch {
                    failure.withLock { $0 = $0 ?? error }
                    return
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        return results.withLock { $0.flatMap { $0! } }
    }

    func body(_ groups: [Group], reward: PolicyReward, seed: UInt64) -> [UInt8] {
        var object: JSONObject = [
            "groups": .array(
                groups.map {
                    .object([
                        "id": .string($0.id), "problem": .string($0.problem),
                        "responses": .array($0.responses.map { .string($0) }),
                    ])
                }),
            "design": .string(reward.serverDesign!), "format": .string(options.format), "seed": .int(Int(seed)),
            "max_tokens": .int(options.maxTokens),
        ]
        if let variant = reward.variant { object["variant"] = .string(variant) }
        return Array(JSONValue.object(object).serialized.utf8)
    }

    private func send(_ groups: [Group], reward: PolicyReward, seed: UInt64, on connection: HTTPConnection)
        throws(RLError) -> [[RewardJudgement]]
    {
        var headers = [("Content-Type", "application/json")]
        if let apiKey = options.apiKey { headers.append(("Authorization", "Bearer \(apiKey)")) }
        let response: ClientResponse
        do {
            response = try connection.send(
                "POST", "/v1/reward", headers: headers, body: body(groups, reward: reward, seed: seed),
                retrying: options.retry, onRetry: onRetry)
        } catch {
            throw .rewardServer("http://\(host):\(port)/v1/reward: \(error)")
        }
        guard response.status == 200 else {
            throw .rewardServer("/v1/reward answered \(response.status): \(response.text.prefix(300))")
        }
        guard let items = (try? JSONValue.parse(response.body))?.objectValue?["items"]?.arrayValue else {
            throw .rewardServer("/v1/reward answered 200 without items: \(response.text.prefix(300))")
        }
        var judgements: [RewardJudgement] = []
        for item in items {
            guard let object = item.objectValue else { throw .rewardServer("a reward item that is not an object") }
            judgements.append(try RewardJudgement(item: object))
        }
        let expected = groups.reduce(0) { $0 + $1.responses.count }
        guard judgements.count == expected else {
            throw .rewardServer("/v1/reward judged \(judgements.count) responses of \(expected)")
        }
        var grouped: [[RewardJudgement]] = []
        var start = 0
        for group in groups {
            grouped.append(Array(judgements[start..<(start + group.responses.count)]))
            start += group.responses.count
        }
        return grouped
    }
}
