// loss.svg: train loss per step (a line) and eval loss (a line with dots) against the step, with
// the axes' ranges labelled. Plain SVG 1.1 that any browser shows; no scripting.

import Foundation

public enum LossPlot {
    public static func svg(_ log: MetricsLog, title: String) -> String {
        let (width, height) = (720.0, 400.0)
        let (left, right, top, bottom) = (64.0, 16.0, 36.0, 44.0)
        let train = log.rows.map { (Double($0.step), $0.loss) }.filter { $0.1.isFinite }
        let eval = log.rows.compactMap { row in row.evalLoss.map { (Double(row.step), $0) } }.filter { $0.1.isFinite }
        let points = train + eval
        let minimumStep = points.map(\.0).min() ?? 0
        let maximumStep = max(points.map(\.0).max() ?? 1, minimumStep + 1)
        let minimumLoss = min(points.map(\.1).min() ?? 0, 0)
        let maximumLoss = max(points.map(\.1).max() ?? 1, minimumLoss + 1e-6)
        func x(_ step: Double) -> Double {
            left + (step - minimumStep) / (maximumStep - minimumStep) * (width - left - right)
        }
        func y(_ loss: Double) -> Double {
            top + (maximumLoss - loss) / (maximumLoss - minimumLoss) * (height - top - bottom)
        }
        func polyline(_ series: [(Double, Double)], color: String) -> String {
            let coordinates = series.map { "\(rounded(x($0.0))),\(rounded(y($0.1)))" }.joined(separator: " ")
            return "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\"\(coordinates)\"/>"
        }
        var lines = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text x=\"\(Int(left))\" y=\"22\" font-size=\"14\">\(escaped(title))</text>",
            "<line x1=\"\(left)\" y1=\"\(height - bottom)\" x2=\"\(width - right)\" y2=\"\(height - bottom)\" stroke=\"black\"/>",
            "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(height - bottom)\" stroke=\"black\"/>",
            "<text x=\"\(left - 6)\" y=\"\(top + 4)\" text-anchor=\"end\">\(rounded(maximumLoss))</text>",
            "<text x=\"\(left - 6)\" y=\"\(height - bottom)\" text-anchor=\"end\">\(rounded(minimumLoss))</text>",
            "<text x=\"\(left)\" y=\"\(height - bottom + 16)\" text-anchor=\"middle\">\(Int(minimumStep))</text>",
            "<text x=\"\(width - right)\" y=\"\(height - bottom + 16)\" text-anchor=\"end\">\(Int(maximumStep))</text>",
            "<text x=\"\((left + width - right) / 2)\" y=\"\(height - 8)\" text-anchor=\"middle\">step</text>",
            "<text x=\"14\" y=\"\((top + height - bottom) / 2)\" transform=\"rotate(-90 14 \((top + height - bottom) / 2))\" text-anchor=\"middle\">loss (nats per token)</text>",
            polyline(train, color: "#1f77b4"),
        ]
        if !eval.isEmpty {
            lines.append(polyline(eval, color: "#d62728"))
            for point in eval {
                lines.append(
                    "<circle cx=\"\(rounded(x(point.0)))\" cy=\"\(rounded(y(point.1)))\" r=\"3\" fill=\"#d62728\"/>")
            }
        }
        lines.append("<text x=\"\(width - right - 150)\" y=\"22\" fill=\"#1f77b4\">train</text>")
        lines.append("<text x=\"\(width - right - 90)\" y=\"22\" fill=\"#d62728\">eval</text>")
        lines.append("</svg>")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func rounded(_ value: Double) -> String {
        String((value * 1000).rounded() / 1000)
    }

    private static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
