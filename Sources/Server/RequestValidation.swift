// Every route's request decoding without a model to run: the body parsed as the route parses it and
// the prompts built and tokenized, up to the point where work would be submitted. What the fuzz
// targets drive (spark-fuzz): whatever the bytes, the answer is a value or an APIError, never a crash.

public enum RequestValidation {
    /// The routes that take a body.
    public static let routes = [
        "/v1/completions", "/v1/chat/completions", "/tokenize", "/detokenize", "/v1/verify", "/classify",
        "/pooling", "/v1/reward", "/get_reward",
    ]

    /// Decodes `body` as `route` would, with `query` as its URL query.
    public static func check(
        route: String, body: [UInt8], query: [String: String] = [:], model: ServedModel
    ) throws(APIError) {
        switch route {
        case "/v1/completions": _ = try CompletionRequest.parse(body, model: model)
        case "/v1/chat/completions": _ = try ChatCompletionRequest.parse(body, model: model)
        case "/tokenize": _ = try TokenizerRoutes(model: model).tokenize(body)
        case "/detokenize": _ = try TokenizerRoutes(model: model).detokenize(body)
        case "/v1/verify":
            let (items, options) = try VerifyRoute.parse(body, model: model)
            _ = try VerifyRoute.jobs(items, options, model: model)
        case "/classify", "/pooling":
            let (items, options) = try ScoringRoutes.parse(body, model: model)
            _ = try VerifyRoute.jobs(items, options, model: model)
        case "/v1/reward":
            let (items, options) = try RewardRoute.parse(body, model: model)
            _ = try RewardRoute.jobs(items, options, model: model)
        case "/get_reward":
            let (items, options) = try OpenRLHFRoute.parse(body, query: query, model: model)
            _ = try RewardRoute.jobs(items, options, model: model)
        default:
            throw .notFound("no route \(route) takes a body; see RequestValidation.routes")
        }
    }
}
