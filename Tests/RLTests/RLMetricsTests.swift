import Testing

@testable import RL

/// metrics.csv read back as written (resume relies on it), and the comparison of designs built from
/// such files.
@Suite struct RLMetricsTests {
    static func run(heldOut: [Double], rewards: [Double]) -> RLMetrics {
        var metrics = RLMetrics()
        metrics.append([
            "step": 0, "held_out_accuracy": heldOut[0], "held_out_sampled_accuracy": heldOut[0] / 2,
            "elapsed_seconds": 0,
        ])
        for (index, reward) in rewards.enumerated() {
            var row: [String: Double] = [
                "step": Double(index + 1), "mean_reward": reward, "true_accuracy": 0.5, "hacking_flag": 0,
                "invalid_format_share": 0.25,
            ]
            if index + 1 < heldOut.count {
                row["held_out_accuracy"] = heldOut[index + 1]
                row["held_out_sampled_accuracy"] = heldOut[index + 1] / 2
            }
            metrics.append(row)
        }
        return metrics
    }

    @Test func csvReadsBackAsWritten() throws {
        let metrics = Self.run(heldOut: [0.1, 0.2, 0.4], rewards: [0.5, 0.625, 0.75])
        let read = try #require(RLMetrics(csv: metrics.csv))
        #expect(read == metrics)
        #expect(RLMetrics(csv: "step,loss\n1,2\n")?.rows == [["step": 1, "loss": 2]])
        #expect(RLMetrics(csv: "step,lost\n1,2\n") == nil)
        #expect(RLMetrics(csv: "loss,step\n2,1\n") == nil)
        #expect(RLMetrics(csv: "step,loss\n1,2,3\n") == nil)
    }

    /// A run saved before a column existed resumes with its history.
    @Test func csvWithoutTheNewerColumnsReadsBack() throws {
        let metrics = Self.run(heldOut: [0.1, 0.2], rewards: [0.5])
        let older = RLMetrics.columns.filter { $0 != "held_out_sampled_accuracy" }
        let lines = metrics.csv.split(separator: "\n").map { line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            return zip(RLMetrics.columns, cells).filter { older.contains($0.0) }.map { String($0.1) }.joined(
                separator: ",")
        }
        let read = try #require(RLMetrics(csv: lines.joined(separator: "\n") + "\n"))
        #expect(read.rows.map { $0["held_out_accuracy"] } == metrics.rows.map { $0["held_out_accuracy"] })
        #expect(read.rows.allSatisfy { $0["held_out_sampled_accuracy"] == nil })
    }

    @Test func theComparisonHasARowPerDesignAndALinePerDesign() {
        let comparison = RLComparison(runs: [
            ("rlvr", Self.run(heldOut: [0.1, 0.2, 0.4], rewards: [0.5, 0.75])),
            ("random", Self.run(heldOut: [0.1, 0.05, 0.1], rewards: [0.5, 0.5])),
        ])
        let rows = comparison.markdown.split(separator: "\n")
        #expect(rows.count == 4)
        #expect(rows[2].hasPrefix("| rlvr | 10.0 % | 40.0 % | 40.0 % | 5.0 % | 20.0 % | 0.75 | 50.0 % | 25.0 % |"))
        #expect(rows[3].hasPrefix("| random | 10.0 % | 10.0 % | 10.0 % | 5.0 % | 5.0 % | 0.50 |"))
        #expect(comparison.svg.components(separatedBy: "<polyline").count == 1 + 3)
        // The runs measured sampled accuracy (0.025 to 0.2), so the chart draws it, on an axis of 0 to 20 %.
        #expect(comparison.svg.contains("sampled answers (avg@k)"))
        #expect(comparison.svg.contains(">20%</text>") && comparison.svg.contains(">0%</text>"))
    }
}
