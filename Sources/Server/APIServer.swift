// The HTTP routes of spark-server and the server's life cycle: loading (the socket listens, /health
// answers 503), ready, draining (no new work, in-flight requests finish). Routing, authentication,
// request ids and limits are handled here once; each route's work is in its own type.
//
// HTTP threads never touch the model: requests are parsed and tokenized on a worker queue and handed
// to the scheduler, whose engine thread owns the model.

import Dispatch
import HTTPServer
import JSON
import Scheduler
import Synchronization

public struct ServerOptions: Sendable {
    /// Keys accepted in `Authorization: Bearer` or `X-Api-Key`; empty: no authentication.
    public var apiKeys: [String] = []
    public var defaultTimeoutSeconds: Double = 600
    /// Sequences that may wait for admission before new requests get 429.
    public var maxWaitingSequences = 4096
    public var accessLog = true
    /// How long answers are kept for retries of the same request (0: retries are computed again).
    public var retryWindowSeconds: Double = 60
    /// Request and answer bytes kept for retries, at most.
    public var retryStoreBytes = 64 << 20
    /// Seconds between rounds of master-key canaries (0: none).
    public var canaryIntervalSeconds: Double = 0
    /// Tokens each canary verification may write.
    public var canaryMaxTokens = 1024
    /// Request bodies and the messages of 400 errors in the access log: both can hold prompt text.
    public var logRequests = false

    public init() {}
}

/// What serves requests once the model is loaded.
public struct ServingRuntime: Sendable {
    public let model: ServedModel
    public let scheduler: Scheduler

    public init(model: ServedModel, scheduler: Scheduler) {
        self.model = model
        self.scheduler = scheduler
    }
}

public final class APIServer: HTTPHandler {
    private enum Phase: Sendable {
        case loading
        case ready(ServingRuntime)
        case draining(ServingRuntime)
        case failed(String)
    }

    private let options: ServerOptions
    private let phase = Mutex(Phase.loading)
    private let metrics = ServerMetrics()
    private let log: AccessLog
    private let inFlight = InFlightCount()
    private let work = DispatchQueue(label: "spark-requests", attributes: .concurrent)
    private let apiKeys: [[UInt8]]
    private let retries: RetryLedger
    private let canaries: Canaries?

    public init(options: ServerOptions) {
        self.options = options
        log = AccessLog(enabled: options.accessLog, logsRequests: options.logRequests)
        retries = RetryLedger(
            windowSeconds: options.retryWindowSeconds, byteLimit: options.retryStoreBytes, metrics: metrics)
        canaries =
            options.canaryIntervalSeconds > 0
            ? Canaries(
                interval: options.canaryIntervalSeconds, maxTokens: options.canaryMaxTokens, registry: metrics.registry)
            : nil
        apiKeys = options.apiKeys.map { Array($0.utf8) }
    }

    deinit { canaries?.stop() }

    public func becomeReady(_ runtime: ServingRuntime) {
        phase.withLock { $0 = .ready(runtime) }
        canaries?.start(runtime)
    }

    public func loadingFailed(_ reason: String) { phase.withLock { $0 = .failed(reason) } }

    /// Stops taking generation requests (they get 503), and returns the runtime so that the caller can
    /// drain the scheduler; nil if the model never loaded.
    public func beginDraining() -> ServingRuntime? {
        canaries?.stop()
        return phase.withLock { phase in
            switch phase {
            case .ready(let runtime):
                phase = .draining(runtime)
                return runtime
            case .draining(let runtime): return runtime
            case .loading, .failed: return nil
            }
        }
    }

    /// Requests received and not yet answered.
    public var requestsInFlight: Int { inFlight.value }

    public func handle(_ request: HTTPRequest, responder: Responder) {
        let route = Self.route(request.path)
        let exchange = Exchange(
            request: request, route: route ?? "other", responder: responder, log: log, metrics: metrics,
            inFlight: inFlight)
        guard let route else {
            exchange.fail(.notFound("no route \(request.path); see api/openapi.yaml for the routes"))
            return
        }
        let method = Self.methods[route]!
        guard request.method == method else {
            exchange.fail(.methodNotAllowed(request.method, path: request.path, allowed: [method]))
            return
        }
        switch route {
        case "/health": health(exchange)
        case "/metrics":
            exchange.respond(
                HTTPResponse.text(
                    metrics.render(runtime(acceptDraining: true)?.scheduler.statistics),
                    contentType: "text/plain; version=0.0.4; charset=utf-8"))
        default:
            guard authorized(request) else {
                exchange.fail(.unauthorized())
                return
            }
            guard let runtime = runtime(acceptDraining: false) else {
                exchange.fail(unavailableError())
                return
            }
            work.async { [self] in serve(route, exchange: exchange, runtime: runtime) }
        }
    }

    private static let methods: [String: String] = [
        "/health": "GET", "/metrics": "GET", "/v1/models": "GET", "/v1/completions": "POST",
        "/v1/chat/completions": "POST", "/tokenize": "POST", "/detokenize": "POST", "/v1/verify": "POST",
        "/v1/reward": "POST", "/get_reward": "POST", "/classify": "POST", "/pooling": "POST",
    ]

    private static func route(_ path: String) -> String? {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return methods[path] != nil ? path : nil
    }

    private func serve(_ route: String, exchange: Exchange, runtime: ServingRuntime) {
        let body = exchange.request.body
        let tokenizerRoutes = TokenizerRoutes(model: runtime.model)
        do throws(APIError) {
            switch route {
            case "/v1/models": exchange.respond(tokenizerRoutes.models())
            case "/tokenize": exchange.respond(try tokenizerRoutes.tokenize(body))
            case "/detokenize": exchange.respond(try tokenizerRoutes.detokenize(body))
            case "/v1/completions", "/v1/chat/completions":
                let chat = route == "/v1/chat/completions"
                let (spec, name) =
                    chat
                    ? try ChatCompletionRequest.parse(body, model: runtime.model)
                    : try CompletionRequest.parse(body, model: runtime.model)
                if !spec.stream && retries.absorb(exchange, kind: .generation) { return }
                try admit(sequences: spec.prompts.count * spec.samplesPerPrompt, runtime: runtime)
                let text = TokenText(tokenizer: runtime.model.tokenizer)
                let modelName = name ?? runtime.model.primaryName
                let created = Int(AccessLog.unixTime())
                let shape: GenerationRun.Shape =
                    chat
                    ? .chat(
                        ChatCompletionResponse(
                            id: ResponseIdentifier.make("chatcmpl"), created: created, modelName: modelName,
                            tokenText: text))
                    : .completion(
                        CompletionResponse(
                            id: ResponseIdentifier.make("cmpl"), created: created, modelName: modelName, tokenText: text
                        ))
                GenerationRun(
                    shape: shape, spec: spec, model: runtime.model, scheduler: runtime.scheduler, exchange: exchange,
                    metrics: metrics, deadline: requestDeadline(spec.timeoutSeconds, exchange)
                ).start()
            case "/v1/verify", "/classify", "/pooling":
                if retries.absorb(exchange, kind: .scoring) { return }
                let (items, verifyOptions) =
                    route == "/v1/verify"
                    ? try VerifyRoute.parse(body, model: runtime.model)
                    : try ScoringRoutes.parse(body, model: runtime.model)
                let jobs = try VerifyRoute.jobs(items, verifyOptions, model: runtime.model)
                try admit(sequences: jobs.count, runtime: runtime)
                let started = ContinuousClock.now
                let deadline = requestDeadline(verifyOptions.timeoutSeconds, exchange)
                let model = runtime.model
                VerificationBatch(jobs: jobs, scheduler: runtime.scheduler) { outcomes in
                    let response = VerifyRoute.response(
                        items, verifyOptions, outcomes: outcomes, model: model, modelName: model.primaryName,
                        seconds: seconds(started, .now), deadline: deadline)
                    self.metrics.rewards.observe(response, route: route)
                    let isFinal = outcomes.allSatisfy(\.isSettled)
                    if route == "/v1/verify" {
                        exchange.respond(response, isFinal: isFinal)
                    } else {
                        exchange.respond(
                            ScoringRoutes.response(
                                response, pooling: route == "/pooling", modelName: model.primaryName,
                                created: AccessLog.unixTime()), isFinal: isFinal)
                    }
                }.start(deadline: deadline.instant, exchange: exchange)
            case "/v1/reward", "/get_reward":
                if retries.absorb(exchange, kind: .scoring) { return }
                let openRLHF = route == "/get_reward"
                let (items, rewardOptions) =
                    openRLHF
                    ? try OpenRLHFRoute.parse(body, query: exchange.request.query, model: runtime.model)
                    : try RewardRoute.parse(body, model: runtime.model)
                let (jobs, jobOfItem) = try RewardRoute.jobs(items, rewardOptions, model: runtime.model)
                try admit(sequences: jobs.count, runtime: runtime)
                let started = ContinuousClock.now
                let deadline = requestDeadline(rewardOptions.timeoutSeconds, exchange)
                let model = runtime.model
                VerificationBatch(jobs: jobs, scheduler: runtime.scheduler) { outcomes in
                    let reward = RewardRoute.response(
                        items, rewardOptions, jobOfItem: jobOfItem, outcomes: outcomes, model: model,
                        modelName: model.primaryName, seconds: seconds(started, .now), deadline: deadline)
                    self.metrics.rewards.observe(reward, route: route)
                    exchange.respond(
                        openRLHF ? OpenRLHFRoute.response(reward) : reward,
                        isFinal: outcomes.allSatisfy(\.isSettled))
                }.start(deadline: deadline.instant, exchange: exchange)
            default:
                exchange.fail(.notFound("no route \(route)"))
            }
        } catch {
            exchange.fail(error)
        }
    }

    private func requestDeadline(_ requested: Double?, _ exchange: Exchange) -> RequestDeadline {
        RequestDeadline(
            requested: requested, request: exchange.request, received: exchange.received,
            defaultSeconds: options.defaultTimeoutSeconds)
    }

    /// Refuses new work when the queue is already long: the client should come back later rather
    /// than wait behind thousands of sequences.
    private func admit(sequences asked: Int, runtime: ServingRuntime) throws(APIError) {
        let waiting = runtime.scheduler.statistics.waiting
        guard waiting + asked <= options.maxWaitingSequences || waiting == 0 else {
            throw .queueFull(retryAfterSeconds: max(1, min(60, waiting / 64)))
        }
    }

    private func health(_ exchange: Exchange) {
        switch phase.withLock({ $0 }) {
        case .ready: exchange.respond(.object(["status": .string("ok")]))
        default: exchange.fail(unavailableError())
        }
    }

    private func unavailableError() -> APIError {
        switch phase.withLock({ $0 }) {
        case .loading: .unavailable("the model is loading; retry shortly", retryAfterSeconds: 5)
        case .draining: .unavailable("the server is shutting down; retry on another replica")
        case .failed(let reason): .unavailable("the model failed to load: \(reason)")
        case .ready: .internalError("unexpected state")
        }
    }

    private func runtime(acceptDraining: Bool) -> ServingRuntime? {
        switch phase.withLock({ $0 }) {
        case .ready(let runtime): runtime
        case .draining(let runtime): acceptDraining ? runtime : nil
        case .loading, .failed: nil
        }
    }

    /// Bearer token or X-Api-Key, compared in constant time against every configured key.
    private func authorized(_ request: HTTPRequest) -> Bool {
        guard !apiKeys.isEmpty else { return true }
        var offered: [UInt8]?
        if let header = request.header("authorization"), header.lowercased().hasPrefix("bearer ") {
            offered = Array(header.dropFirst(7).utf8)
        } else if let key = request.header("x-api-key") {
            offered = Array(key.utf8)
        }
        guard let offered else { return false }
        var matched = false
        for key in apiKeys where constantTimeEquals(key: key, offered: offered) { matched = true }
        return matched
    }
}

/// Whether `offered` equals `key`, in time that depends only on the offered length: neither where the
/// first difference lies nor the key's length shows in the timing. `key` is not empty.
func constantTimeEquals(key: [UInt8], offered: [UInt8]) -> Bool {
    precondition(!key.isEmpty, "an empty API key would match nothing")
    var difference = key.count ^ offered.count
    for index in offered.indices { difference |= Int(key[index % key.count] ^ offered[index]) }
    return difference == 0
}
