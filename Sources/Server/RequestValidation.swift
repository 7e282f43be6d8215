// Every route's request decoding without a model to run: the body parsed as the route parses it, the
// prompts built and tokenized, and, for the scoring routes, the answer built as if the reward model
// had written `reply` for every prompt. What the fuzz targets drive (spark-fuzz): whatever the bytes,
// the result is an answer or an APIError, never a crash.

import JSON

public enum RequestValidation {
    /// The routes that take a body.
    public static let routes = [
        "/v1/completions", "/v1/chat/completions", "/tokenize", "/detokenize", "/v1/verify", "/classify",
        "/pooling", "/v1/reward", "/get_reward",
    ]

    /// Decodes `body` as `route` would, with `query` as its URL query, and builds the scoring routes'
    /// answers from `reply`.
    public static func check(
        route: String, body: [UInt8], query: [String: String] = [:], model: ServedModel, reply: String = ""
    ) throws(APIError) {
        let deadline = RequestDeadline(seconds: 1)
        func outcomes(_ count: Int) -> [VerificationOutcome] {
            var outcome = VerificationOutcome()
            outcome.text = reply
            outcome.reason = .stop
            return Array(repeating: outcome, count: count)
        }
        switch route {
        case "/v1/completions": _ = try CompletionRequest.parse(body, model: model)
        case "/v1/chat/completions": _ = try ChatCompletionRequest.parse(body, model: model)
        case "/tokenize": _ = try TokenizerRoutes(model: model).tokenize(body)
        case "/detokenize": _ = try TokenizerRoutes(model: model).detokenize(body)
        case "/v1/verify", "/classify", "/pooling":
            let (items, options) =
                route == "/v1/verify"
                ? try VerifyRoute.parse(body, model: model) : try ScoringRoutes.parse(body, model: model)
            let jobs = try VerifyRoute.jobs(items, options, model: model)
            let answer = VerifyRoute.response(
                items, options, outcomes: outcomes(jobs.count), model: model, modelName: model.primaryName,
                seconds: 0, deadline: deadline)
            if route != "/v1/verify" {
                _ = ScoringRoutes.response(
                    answer, pooling: route == "/pooling", modelName: model.primaryName, created: 0)
            }
        case "/v1/reward", "/get_reward":
            let (items, options) =
                route == "/v1/reward"
                ? try RewardRoute.parse(body, model: model)
                : try OpenRLHFRoute.parse(body, query: query, model: model)
            let (jobs, jobOfItem) = try RewardRoute.jobs(items, options, model: model)
            let answer = RewardRoute.response(
                items, options, jobOfItem: jobOfItem, outcomes: outcomes(jobs.count), model: model,
                modelName: model.primaryName, seconds: 0, deadline: deadline)
            if route == "/get_reward" { _ = OpenRLHFRoute.response(answer) }
        default:
            throw .notFound("no route \(route) takes a body; see RequestValidation.routes")
        }
    }
}
