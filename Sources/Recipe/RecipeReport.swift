// The recipe's result, laid out like the paper's Figure 3: for every Stage I method and reward-model
// variant, the held-out benchmark's accuracy on erroneous and on correct samples and their F1, as a
// Markdown table and as an SVG bar chart of the F1 (one group of bars per method, one bar per variant).
// A (method, variant) whose Stage I data had no usable row has no model and is shown as "no data".

public struct RecipeScore: Sendable, Equatable {
    public let method: String
    public let variant: String
    /// nil when no model was trained (no data).
    public let erroneousAccuracy: Double?
    public let correctAccuracy: Double?
    public let f1: Double?
    public let trainingRows: Int

    public init(
        method: String, variant: String, erroneousAccuracy: Double?, correctAccuracy: Double?, f1: Double?,
        trainingRows: Int
    ) {
        self.method = method
        self.variant = variant
        self.erroneousAccuracy = erroneousAccuracy
        self.correctAccuracy = correctAccuracy
        self.f1 = f1
        self.trainingRows = trainingRows
    }
}

public enum RecipeReport {
    public static func markdown(_ scores: [RecipeScore], benchmarkRecords: Int, note: String) -> String {
        var lines = [
            "# SPARK recipe on the math world", "", note, "",
            "Held-out benchmark: \(benchmarkRecords) records (ProcessBench format, labelled by the checker).", "",
            "| method | variant | training rows | erroneous acc | correct acc | F1 |", "|---|---|---:|---:|---:|---:|",
        ]
        for score in scores {
            lines.append(
                "| \(score.method) | \(score.variant) | \(score.trainingRows) | \(percent(score.erroneousAccuracy)) | \(percent(score.correctAccuracy)) | \(percent(score.f1)) |"
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The shipped PRM-CoT's card: how it was made, the table it was chosen from, what it cannot do.
    public static func modelCard(best: RecipeScore, report: String) -> String {
        """
        # spark-prm-cot

        A generative process reward model in SPARK's PRM-CoT format (one `## Step k:` section per step
        ending in `**This step is correct.**` or `**This step is incorrect.**`, then
        `**Verification: Is the answer correct (Yes/No)? X**`), chat template ChatML, float32.

        Made by `spark-train recipe`: a tokenizer and a small Llama-shaped base model trained from nothing
        on the built-in math world's text; a generator and a verifier fine-tuned from it (the verifier on
        other starting numbers and two more story themes than the ones it then verifies); SPARK's Stage I
        on fresh problems; this model fine-tuned from the verifier on the `\(best.method)` method's PRM-CoT
        data (\(best.trainingRows) rows). Held-out F1 \(percent(best.f1)).

        Limits: it judges the arithmetic word problems of this project's math world (additions,
        subtractions, multiplications and exact divisions of whole numbers below 100 in a few story
        templates), nothing else. On any other text its verdicts mean nothing.

        ## The table it was chosen from


        """ + report
    }

    /// F1 bars grouped by method, 0 to 100 on the vertical axis.
    public static func svg(_ scores: [RecipeScore]) -> String {
        var methods: [String] = []
        var variants: [String] = []
        for score in scores {
            if !methods.contains(score.method) { methods.append(score.method) }
            if !variants.contains(score.variant) { variants.append(score.variant) }
        }
        let colours = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759"]
        let (barWidth, gap, left, top, plotHeight) = (18, 24, 50, 30, 200)
        let groupWidth = variants.count * barWidth + gap
        let width = left + methods.count * groupWidth + 20
        let height = top + plotHeight + 70
        var parts = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" font-family=\"sans-serif\" font-size=\"11\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text x=\"\(left)\" y=\"16\" font-size=\"13\">ProcessBench-format F1 on the held-out benchmark</text>",
        ]
        for tick in stride(from: 0, through: 100, by: 25) {
            let y = top + plotHeight - tick * plotHeight / 100
            parts.append(
                "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(width - 20)\" y2=\"\(y)\" stroke=\"#ddd\"/><text x=\"\(left - 6)\" y=\"\(y + 4)\" text-anchor=\"end\">\(tick)</text>"
            )
        }
        for (methodIndex, method) in methods.enumerated() {
            let groupLeft = left + gap / 2 + methodIndex * groupWidth
            for (variantIndex, variant) in variants.enumerated() {
                guard let f1 = scores.first(where: { $0.method == method && $0.variant == variant })?.f1 else {
                    continue
                }
                let barHeight = Int((f1 * Double(plotHeight)).rounded())
                parts.append(
                    "<rect x=\"\(groupLeft + variantIndex * barWidth)\" y=\"\(top + plotHeight - barHeight)\" width=\"\(barWidth - 2)\" height=\"\(barHeight)\" fill=\"\(colours[variantIndex % colours.count])\"><title>\(method) \(variant): \(percent(f1))</title></rect>"
                )
            }
            parts.append(
                "<text x=\"\(groupLeft + variants.count * barWidth / 2)\" y=\"\(top + plotHeight + 16)\" text-anchor=\"middle\">\(method)</text>"
            )
        }
        for (variantIndex, variant) in variants.enumerated() {
            let x = left + variantIndex * 90
            parts.append(
                "<rect x=\"\(x)\" y=\"\(height - 28)\" width=\"12\" height=\"12\" fill=\"\(colours[variantIndex % colours.count])\"/><text x=\"\(x + 16)\" y=\"\(height - 18)\">\(variant)</text>"
            )
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n") + "\n"
    }

    static func percent(_ value: Double?) -> String {
        guard let value else { return "no data" }
        let tenths = Int((value * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
