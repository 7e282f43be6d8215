import Foundation
import HTTPClient
import Server
import Testing

/// The canary metrics of a reward model that says "Yes" to anything, and of one that says "No".
@Suite struct CanaryTests {
    static func verdictReply(_ final: String) -> String {
        "## Step 1: Check\nChecked.\n**This step is correct.**\n\n**Verification: Is the answer correct (Yes/No)? \(final)**"
    }

    /// The canary series of a server whose reward model always gives `final`, after its first round.
    func canaryMetrics(final: String) throws -> [String: Double] {
        var options = ServerOptions()
        options.canaryIntervalSeconds = 0.05
        let server = try InProcessServer(replies: [("", Self.verdictReply(final))], options: options)
        let start = Date()
        var series: [String: Double] = [:]
        while Date().timeIntervalSince(start) < 20 {
            let text = try HTTPConnection(port: server.http.port).send("GET", "/metrics").text
            series = [:]
            for line in text.split(separator: "\n") where line.hasPrefix("spark_canary_") {
                let parts = line.split(separator: " ")
                series[String(parts[0])] = Double(parts[1])
            }
            if series["spark_canary_checks_total{canary=\"colon\"}", default: 0] >= 1 { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return series
    }

    @Test func aRewardModelThatSaysYesToAnythingShowsInTheCanaries() throws {
        let weak = try canaryMetrics(final: "Yes")
        #expect(weak["spark_canary_false_positive_rate"] == 1)
        for name in ["colon", "step_by_step", "empty", "appended_solved_problem"] {
            #expect(weak["spark_canary_false_positives_total{canary=\"\(name)\"}", default: 0] >= 1, "\(name)")
        }
        let sound = try canaryMetrics(final: "No")
        #expect(sound["spark_canary_false_positive_rate"] == 0)
        #expect(sound["spark_canary_checks_total{canary=\"empty\"}", default: 0] >= 1)
        #expect(sound["spark_canary_false_positives_total{canary=\"empty\"}", default: 0] == 0)
    }
}
