// The per-step record of a run, written as metrics.csv beside the checkpoint (one row per optimiser
// step; eval_loss filled on the steps that evaluated) and read back when a run resumes.

public struct MetricsRow: Sendable, Equatable {
    public var step: Int
    public var epoch: Int
    public var loss: Double
    public var evalLoss: Double?
    public var learningRate: Double
    public var gradientNorm: Double
    public var tokensPerSecond: Double
    public var elapsedSeconds: Double
}

public struct MetricsLog: Sendable, Equatable {
    public private(set) var rows: [MetricsRow] = []

    static let header = "step,epoch,loss,eval_loss,learning_rate,grad_norm,tokens_per_second,elapsed_seconds"

    public init() {}

    public mutating func append(_ row: MetricsRow) { rows.append(row) }

    /// Records an eval loss on the last row.
    public mutating func setEvalLoss(_ loss: Double) {
        if !rows.isEmpty { rows[rows.count - 1].evalLoss = loss }
    }

    public var csv: String {
        var text = Self.header + "\n"
        for row in rows {
            let fields: [String] = [
                "\(row.step)", "\(row.epoch)", "\(row.loss)", row.evalLoss.map { "\($0)" } ?? "",
                "\(row.learningRate)", "\(row.gradientNorm)", "\(row.tokensPerSecond)", "\(row.elapsedSeconds)",
            ]
            text += fields.joined(separator: ",") + "\n"
        }
        return text
    }

    /// Parses what `csv` wrote; nil if the text is not such a file.
    public init?(csv: String) {
        var lines = csv.split(separator: "\n")
        guard lines.first.map(String.init) == Self.header else { return nil }
        lines.removeFirst()
        for line in lines {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 8, let step = Int(fields[0]), let epoch = Int(fields[1]),
                let loss = Double(fields[2]), let rate = Double(fields[4]), let norm = Double(fields[5]),
                let speed = Double(fields[6]), let elapsed = Double(fields[7])
            else { return nil }
            rows.append(
                MetricsRow(
                    step: step, epoch: epoch, loss: loss, evalLoss: Double(fields[3]), learningRate: rate,
                    gradientNorm: norm, tokensPerSecond: speed, elapsedSeconds: elapsed))
        }
    }
}
