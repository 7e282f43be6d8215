import Foundation
import HTTPClient
import JSON
import Testing

/// The reward telemetry on /metrics after one reward request whose every item is known: a server of
/// its own, so that no other test's requests are counted.
@Suite struct RewardTelemetryTests {
    @Test func metricsCountWhatTheRewardModelSaid() throws {
        let server = try InProcessServer(replies: [
            ("Problem: Right", RewardRouteTests.reply([true, true, true, true], final: "Yes")),
            ("Problem: Wrong", RewardRouteTests.reply([true, true, false, false], final: "No")),
            ("Problem: Short", RewardRouteTests.reply([true, true, true], final: "Yes")),
            ("", "no idea"),
        ])
        let response = RewardRouteTests.response(steps: 4)
        let items: [(String, String)] = [
            ("Right", response), ("Wrong", response), ("Short", response),
            ("Right", RewardRouteTests.response(steps: 4, answer: "\\boxed{5} or \\boxed{6}")), ("Lost", response),
        ]
        let body = try server.post(
            "/v1/reward",
            .object([
                "items": .array(items.map { .object(["problem": .string($0.0), "response": .string($0.1)]) })
            ]))
        let statuses = body["items"]?.arrayValue?.compactMap { $0.objectValue?["status"]?.stringValue }
        #expect(statuses == ["ok", "ok", "ok", "format_rejected", "unparseable"])

        let metrics = try HTTPConnection(port: server.http.port).send("GET", "/metrics").text
        func value(_ series: String) -> Double? {
            metrics.split(separator: "\n").first { $0.hasPrefix(series + " ") }
                .flatMap { Double($0.split(separator: " ").last ?? "") }
        }
        #expect(value(#"spark_reward_items_total{route="/v1/reward",status="ok"}"#) == 3)
        #expect(value(#"spark_reward_items_total{route="/v1/reward",status="format_rejected"}"#) == 1)
        #expect(value(#"spark_reward_items_total{route="/v1/reward",status="unparseable"}"#) == 1)
        #expect(value(#"spark_reward_step_verdicts_total{verdict="correct"}"#) == 9)  // 4 + 2 + 3
        #expect(value(#"spark_reward_step_verdicts_total{verdict="incorrect"}"#) == 2)
        #expect(value(#"spark_reward_outcomes_total{outcome="yes"}"#) == 2)
        #expect(value(#"spark_reward_outcomes_total{outcome="no"}"#) == 1)
        #expect(value(#"spark_reward_format_violations_total{kind="boxed_count"}"#) == 1)
        // Every response past the gate has K = 4, the unparseable one too.
        #expect(value("spark_reward_policy_steps_count") == 4)
        #expect(value(#"spark_reward_policy_steps_bucket{le="3"}"#) == 0)
        #expect(value(#"spark_reward_policy_steps_bucket{le="4"}"#) == 4)
        #expect(value("spark_reward_step_count_mismatches_total") == 1)
        // 5 + 5 + 4 verdict slots; the scripted model's most likely token is always the verdict word.
        #expect(value(#"spark_reward_verdict_slots_total{most_likely="verdict_word"}"#) == 14)
        #expect(value(#"spark_reward_verdict_slots_total{most_likely="other"}"#) == 0)
    }
}
