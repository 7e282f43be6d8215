// The comparison of reward designs the experiment script makes (issue 9, item 6; the paper's Table 1
// on the built-in world): from each run's metrics.csv, a Markdown table of held-out accuracy (greedy at
// the start, at the end, the best; sampled, avg@k, at the start and the end) beside the reward and the
// hacking monitors of the last step, and an SVG chart of held-out accuracy against the step, one line
// per design.

public struct RLComparison: Sendable {
    public var runs: [(name: String, metrics: RLMetrics)]

    public init(runs: [(name: String, metrics: RLMetrics)]) { self.runs = runs }

    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]

    private static func heldOut(_ metrics: RLMetrics, _ column: String = "held_out_accuracy") -> [(
        step: Double, accuracy: Double
    )] {
        metrics.rows.compactMap { row in
            guard let step = row["step"], let accuracy = row[column], accuracy.isFinite else { return nil }
            return (step, accuracy)
        }
    }

    public var markdown: String {
        func cell(_ value: Double?, percent: Bool = true) -> String {
            guard let value, value.isFinite else { return "–" }
            return percent ? String(format: "%.1f %%", 100 * value) : String(format: "%.2f", value)
        }
        var lines = [
            "| design | held-out start | held-out end | held-out best | sampled start | sampled end | reward (last step) | true accuracy (last step) | invalid format | text after answer | mean K | K ≠ P | RM Yes rate | RM false Yes | hacking flagged |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for (name, metrics) in runs {
            let accuracy = Self.heldOut(metrics).map(\.accuracy)
            let sampled = Self.heldOut(metrics, "held_out_sampled_accuracy").map(\.accuracy)
            let last = metrics.rows.last { ($0["step"] ?? 0) > 0 } ?? [:]
            let flagged = metrics.rows.filter { $0["hacking_flag"] == 1 }.compactMap { $0["step"] }.map {
                String(Int($0))
            }
            lines.append(
                "| \(name) | \(cell(accuracy.first)) | \(cell(accuracy.last)) | \(cell(accuracy.max())) | \(cell(sampled.first)) | \(cell(sampled.last)) | \(cell(last["mean_reward"], percent: false)) | \(cell(last["true_accuracy"])) | \(cell(last["invalid_format_share"])) | \(cell(last["text_after_answer_share"])) | \(cell(last["mean_steps"], percent: false)) | \(cell(last["step_count_mismatch_share"])) | \(cell(last["yes_rate"])) | \(cell(last["false_yes_rate"])) | \(flagged.isEmpty ? "no" : "steps " + flagged.joined(separator: ", ")) |"
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The chart draws the sampled accuracy where the runs measured it (avg@k reads finer than greedy
    /// answers to the same problems), on an axis from the tenth below the lowest value to the tenth
    /// above the highest, so that designs a few points apart stay apart.
    public var svg: String {
        let (width, height, left, right, top, bottom) = (760.0, 420.0, 56.0, 170.0, 30.0, 40.0)
        let sampled = runs.contains { !Self.heldOut($0.metrics, "held_out_sampled_accuracy").isEmpty }
        let column = sampled ? "held_out_sampled_accuracy" : "held_out_accuracy"
        let series = runs.map { (name: $0.name, points: Self.heldOut($0.metrics, column)) }
        let steps = series.flatMap { $0.points.map(\.step) }
        let last = max(steps.max() ?? 1, 1)
        let values = series.flatMap { $0.points.map(\.accuracy) }
        let lowest = ((values.min() ?? 0) * 10).rounded(.down) / 10
        let highest = max(((values.max() ?? 1) * 10).rounded(.up) / 10, lowest + 0.1)
        func x(_ step: Double) -> Int { Int(left + step / last * (width - left - right)) }
        func y(_ accuracy: Double) -> Int {
            Int(top + (highest - accuracy) / (highest - lowest) * (height - top - bottom))
        }
        let title =
            sampled
            ? "held-out accuracy of sampled answers (avg@k) by reward design" : "held-out accuracy by reward design"
        var parts = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text x=\"\(Int(left))\" y=\"18\" font-size=\"13\">\(title)</text>",
            "<polyline fill=\"none\" stroke=\"black\" points=\"\(Int(left)),\(y(highest)) \(Int(left)),\(y(lowest)) \(x(last)),\(y(lowest))\"/>",
            "<text x=\"\(Int(left) - 6)\" y=\"\(y(highest) + 4)\" text-anchor=\"end\">\(String(format: "%.0f%%", 100 * highest))</text>",
            "<text x=\"\(Int(left) - 6)\" y=\"\(y(lowest) + 4)\" text-anchor=\"end\">\(String(format: "%.0f%%", 100 * lowest))</text>",
            "<text x=\"\(x(last))\" y=\"\(y(lowest) + 16)\" text-anchor=\"end\">step \(Int(last))</text>",
        ]
        for (index, run) in series.enumerated() {
            let color = Self.colors[index % Self.colors.count]
            let points = run.points.map { "\(x($0.step)),\(y($0.accuracy))" }.joined(separator: " ")
            parts.append("<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\"\(points)\"/>")
            let legendY = Int(top) + 16 * index
            parts.append(
                "<text x=\"\(Int(width - right) + 14)\" y=\"\(legendY + 4)\" fill=\"\(color)\">\(run.name)</text>")
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n") + "\n"
    }
}
