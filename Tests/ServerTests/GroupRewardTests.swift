import Foundation
import HTTPClient
import JSON
import TestSupport
import Testing

/// A GRPO group in one /v1/reward request, on the real engine: the problem is computed once for the
/// whole group, and every response scores exactly as it does alone.
@Suite(.serialized) struct GroupRewardTests {
    static let problem =
        "A train leaves the station at nine and travels at sixty kilometres an hour; a second train leaves the same station an hour later at ninety. "
        + String(repeating: "Count every hour carefully, and say when the second train catches the first. ", count: 8)

    static func responses(_ count: Int) -> [String] {
        (0..<count).map { "<step>The gap is sixty.</step> <answer>\\boxed{\($0 + 1)}</answer>" }
    }

    static let settings = #""design": "outcome", "variant": "orm", "format": "none", "max_tokens": 6"#

    static func groupBody(_ responses: [String]) -> String {
        let list = responses.map { JSONValue.string($0).serialized }.joined(separator: ",")
        return
            #"{"groups": [{"problem": \#(JSONValue.string(problem).serialized), "responses": [\#(list)]}], \#(settings)}"#
    }

    static func itemBody(_ response: String) -> String {
        #"{"items": [{"problem": \#(JSONValue.string(problem).serialized), "response": \#(JSONValue.string(response).serialized)}], \#(settings)}"#
    }

    /// What a response's judgement consists of, without its position in the request.
    static func judgement(_ item: JSONObject) -> [JSONValue?] {
        ["status", "score", "p_yes", "reply", "outcome", "steps"].map { item[$0] }
    }

    @Test func aGroupOf16ComputesItsProblemOnceAndScoresAsSixteenRequests() throws {
        let server = try ServerProcess(arguments: ["--quiet"])
        let connection = HTTPConnection(port: server.port)
        let responses = Self.responses(16)

        let computedBefore = try metric(server, "spark_prompt_tokens_total")
        let group = try post(connection, "/v1/reward", Self.groupBody(responses))
        #expect(group.status == 200, "\(group.response.text)")
        let computed = try metric(server, "spark_prompt_tokens_total") - computedBefore
        let usage = try #require(group.json?["usage"]?.objectValue)
        let promptTokens = try #require(usage["prompt_tokens"]?.intValue)
        let cached = try #require(usage["prompt_tokens_details"]?.objectValue?["cached_tokens"]?.intValue)
        let single = try post(connection, "/v1/reward", Self.itemBody(responses[0]))
        let onePrompt = try #require(single.json?["usage"]?.objectValue?["prompt_tokens"]?.intValue)
        let tailTokens = try tokens(connection, Self.responses(1)[0]) + 40
        // The shared problem prefix (all but each prompt's tail and a partial block) came from the cache
        // fifteen times; the engine computed it once.
        #expect(cached >= 15 * (onePrompt - tailTokens - 16), "cached \(cached) of \(promptTokens)")
        #expect(Int(computed) == promptTokens - cached)
        #expect(Int(computed) < 2 * onePrompt + 15 * (tailTokens + 16))

        let items = (group.json?["items"]?.arrayValue ?? []).compactMap(\.objectValue)
        try #require(items.count == 16)
        for (index, response) in responses.enumerated() {
            let alone = try post(connection, "/v1/reward", Self.itemBody(response))
            let item = try #require(alone.json?["items"]?.arrayValue?.first?.objectValue)
            #expect(Self.judgement(item) == Self.judgement(items[index]), "response \(index)")
            #expect(items[index]["p_yes"]?.doubleValue != nil, "the ORM reads P(Yes) at its first token")
        }
        let stats = try #require(group.json?["groups"]?.arrayValue?.first?.objectValue)
        #expect(stats["group"] == .string("0"))
        #expect(stats["items"] == .array((0..<16).map { .int($0) }))
    }

    func tokens(_ connection: HTTPConnection, _ text: String) throws -> Int {
        let body = try post(connection, "/tokenize", #"{"prompt": \#(JSONValue.string(text).serialized)}"#)
        return try #require(body.json?["count"]?.intValue)
    }
}
