// metrics.csv of an RL run: one row per step (empty cells where a value was not measured, such as
// held-out accuracy between evaluations or true accuracy without world problems), read back on
// resume, and rl.svg: the shares and rates of the run on one [0, 1] axis against the step.

import Foundation

public struct RLMetrics: Sendable, Equatable {
    public static let columns = [
        "step", "mean_reward", "judged_share", "true_accuracy", "true_accuracy_se", "held_out_accuracy",
        "held_out_sampled_accuracy",
        "invalid_format_share",
        "text_after_answer_share", "mean_steps", "steps_std", "step_count_mismatch_share", "mean_response_tokens",
        "yes_rate", "false_yes_rate", "loss", "kl", "clipped_share", "gradient_norm", "rollout_tokens_per_second",
        "reward_latency_seconds", "hacking_flag", "elapsed_seconds",
    ]
    /// The series rl.svg draws, all shares or rates in [0, 1].
    static let plotted = [
        ("mean_reward", "#1f77b4"), ("true_accuracy", "#2ca02c"), ("held_out_accuracy", "#d62728"),
        ("held_out_sampled_accuracy", "#7f7f7f"),
        ("invalid_format_share", "#9467bd"), ("text_after_answer_share", "#8c564b"),
        ("step_count_mismatch_share", "#e377c2"), ("yes_rate", "#ff7f0e"),
    ]

    /// Values by column name; NaN where not measured.
    public private(set) var rows: [[String: Double]] = []

    public init() {}

    public mutating func append(_ row: [String: Double]) {
        precondition(Set(row.keys).isSubset(of: Self.columns), "unknown metrics column")
        rows.append(row)
    }

    public var csv: String {
        var lines = [Self.columns.joined(separator: ",")]
        for row in rows {
            lines.append(
                Self.columns.map { column in
                    guard let value = row[column], value.isFinite else { return "" }
                    return column == "step" || column == "hacking_flag" ? String(Int(value)) : String(value)
                }.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Reads a metrics.csv this type wrote, also one from a version with fewer columns (a run resumed
    /// across an upgrade keeps its history).
    public init?(csv: String) {
        let lines = csv.split(separator: "\n").map(String.init)
        guard let header = lines.first?.split(separator: ",").map(String.init), header.first == "step",
            Set(header).isSubset(of: Self.columns)
        else { return nil }
        for line in lines.dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            guard cells.count == header.count else { return nil }
            var row: [String: Double] = [:]
            for (column, cell) in zip(header, cells) where !cell.isEmpty { row[column] = Double(cell) }
            rows.append(row)
        }
    }

    public var svg: String {
        let (width, height, left, right, top, bottom) = (760.0, 420.0, 48.0, 190.0, 30.0, 40.0)
        let steps = rows.compactMap { $0["step"] }
        let first = steps.min() ?? 0
        let last = max(steps.max() ?? 1, first + 1)
        func x(_ step: Double) -> Int { Int(left + (step - first) / (last - first) * (width - left - right)) }
        func y(_ value: Double) -> Int { Int(top + (1 - min(max(value, 0), 1)) * (height - top - bottom)) }
        var parts = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text x=\"\(Int(left))\" y=\"18\" font-size=\"13\">GRPO: reward, accuracy and hacking monitors</text>",
            "<line x1=\"\(Int(left))\" y1=\"\(y(0))\" x2=\"\(x(last))\" y2=\"\(y(0))\" stroke=\"black\"/>",
            "<line x1=\"\(Int(left))\" y1=\"\(y(0))\" x2=\"\(Int(left))\" y2=\"\(y(1))\" stroke=\"black\"/>",
            "<text x=\"\(Int(left) - 8)\" y=\"\(y(1) + 4)\" text-anchor=\"end\">1</text>",
            "<text x=\"\(Int(left) - 8)\" y=\"\(y(0) + 4)\" text-anchor=\"end\">0</text>",
            "<text x=\"\(x(first))\" y=\"\(y(0) + 16)\">step \(Int(first))</text>",
            "<text x=\"\(x(last))\" y=\"\(y(0) + 16)\" text-anchor=\"end\">step \(Int(last))</text>",
        ]
        for (index, (column, color)) in Self.plotted.enumerated() {
            let points = rows.compactMap { row -> String? in
                guard let step = row["step"], let value = row[column], value.isFinite else { return nil }
                return "\(x(step)),\(y(value))"
            }
            if !points.isEmpty {
                parts.append(
                    "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\"\(points.joined(separator: " "))\"/>"
                )
            }
            let legendY = Int(top) + 16 * index
            parts.append(
                "<line x1=\"\(Int(width - right) + 12)\" y1=\"\(legendY)\" x2=\"\(Int(width - right) + 32)\" y2=\"\(legendY)\" stroke=\"\(color)\" stroke-width=\"2\"/>"
            )
            parts.append("<text x=\"\(Int(width - right) + 38)\" y=\"\(legendY + 4)\">\(column)</text>")
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n") + "\n"
    }
}
