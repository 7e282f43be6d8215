import Foundation
import HTTPClient
import JSON
import TestSupport
import Testing

/// Every verification and reward says where it came from, enough to reproduce it.
@Suite struct ProvenanceTests {
    @Test func aSampledVerificationNamesItsModelPromptParserAndSeedAndReproduces() throws {
        let server = try ServerProcess(arguments: ["--quiet"])
        let request = #"""
            {"items": [{"problem": "What is 2 + 3?", "steps": ["2 + 3 = 5"]}], "n": 2, "temperature": 0.8,
             "seed": 11, "max_tokens": 12
            """#
        let first = try #require(try post(HTTPConnection(port: server.port), "/v1/verify", request + "}").json)
        let provenance = try #require(first["provenance"]?.objectValue)
        #expect(provenance["checkpoint_sha256"] == .string(try sha256sumOfCheckpoint(server.modelDirectory)))
        #expect(provenance["model"] == .string(server.modelDirectory))
        #expect(provenance["parser_version"] == .int(1))
        let template = try #require(provenance["prompt_template"]?.stringValue)
        #expect(template.hasPrefix("prm_cot@") && template.count == "prm_cot@".count + 12)
        let sampling = try #require(provenance["sampling"]?.objectValue)
        #expect(sampling["seed"] == .int(11) && sampling["n"] == .int(2) && sampling["max_tokens"] == .int(12))
        #expect(sampling["temperature"]?.doubleValue.map { abs($0 - 0.8) < 1e-6 } == true)
        let item = try #require(first["items"]?.arrayValue?.first?.objectValue)
        let usage = try #require(item["usage"]?.objectValue)
        #expect(usage["completion_tokens"] == .int(24))

        // The same settings again (other bytes, so not a retry): the same verifications.
        let again = try #require(
            try post(HTTPConnection(port: server.port), "/v1/verify", request + #", "timeout_ms": 60000}"#).json)
        #expect(again["items"]?.arrayValue?.first?.objectValue?["verifications"] == item["verifications"])
        #expect(again["provenance"]?.objectValue?["checkpoint_sha256"] == provenance["checkpoint_sha256"])
    }

    @Test func theRandomDesignReportsTheSeedItDrewFrom() throws {
        let body: JSONValue = .object([
            "items": .array(
                (0..<6).map { _ in
                    .object(["problem": .string("p"), "response": .string(RewardRouteTests.response(steps: 2))])
                }), "design": .string("random"),
        ])
        let drawn = try RewardRouteTests.server.post("/v1/reward", body)
        let provenance = try #require(drawn["provenance"]?.objectValue)
        let seed = try #require(provenance["random_seed"]?.intValue)
        #expect(provenance["sampling"] == nil, "the random design asks no model")
        var seeded = body.objectValue!
        seeded["seed"] = .int(seed)
        let replayed = try RewardRouteTests.server.post("/v1/reward", .object(seeded))
        let scores = { (answer: JSONObject) in answer["items"]?.arrayValue?.map { $0.objectValue?["score"] } }
        #expect(scores(replayed) == scores(drawn))
    }
}
