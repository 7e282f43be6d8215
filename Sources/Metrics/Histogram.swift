// Observations counted into fixed buckets (latencies, prompt lengths), one set of buckets per
// combination of labels. Rendered as Prometheus expects: cumulative `_bucket{le="..."}` lines
// ending with `+Inf`, then `_sum` and `_count`.

import Synchronization

public final class Histogram: MetricFamily, Sendable {
    public let name: String
    public let help: String
    public let labelNames: [String]
    /// Upper bounds, strictly increasing, without `+Inf`.
    public let buckets: [Double]
    private let series: SeriesTable<Observations>

    struct Observations {
        /// Per bucket, not cumulative; the last entry counts what exceeds every bound.
        var bucketCounts: [UInt64]
        var sum: Double = 0
        var count: UInt64 = 0
    }

    init(name: String, help: String, labelNames: [String], buckets: [Double]) {
        validate(name: name, labelNames: labelNames)
        precondition(!labelNames.contains("le"), "histogram \(name) cannot have a label named le")
        let bounds = buckets.last == .infinity ? Array(buckets.dropLast()) : buckets
        precondition(
            zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 } && !bounds.contains(where: \.isNaN),
            "histogram \(name) needs strictly increasing buckets, got \(buckets)")
        self.name = name
        self.help = help
        self.labelNames = labelNames
        self.buckets = bounds
        self.series = SeriesTable(
            labelNames: labelNames, initial: Observations(bucketCounts: Array(repeating: 0, count: bounds.count + 1)))
    }

    public func observe(_ value: Double, _ labels: [String] = []) {
        // A NaN matches no bound and lands in +Inf only.
        let bucket = buckets.firstIndex { value <= $0 } ?? buckets.count
        series.update(labels) { observations in
            observations.bucketCounts[bucket] += 1
            observations.sum += value
            observations.count += 1
        }
    }

    /// `count` bounds from `start`, each `factor` times the last: (0.001, 2, 4) gives 0.001, 0.002, 0.004, 0.008.
    public static func exponentialBuckets(start: Double, factor: Double, count: Int) -> [Double] {
        precondition(start > 0 && factor > 1 && count >= 1, "exponential buckets need start > 0, factor > 1, count ≥ 1")
        var bounds = [start]
        while bounds.count < count { bounds.append(bounds[bounds.count - 1] * factor) }
        return bounds
    }

    var typeName: String { "histogram" }

    func isCompatible(with other: Histogram) -> Bool {
        labelNames == other.labelNames && buckets == other.buckets
    }

    func renderSamples(into text: inout String) {
        for (labels, observations) in series.sorted() {
            var cumulative: UInt64 = 0
            for (index, count) in observations.bucketCounts.enumerated() {
                cumulative += count
                let bound = index < buckets.count ? formatValue(buckets[index]) : "+Inf"
                text += name + "_bucket" + renderLabels(labelNames + ["le"], labels + [bound]) + " "
                text += String(cumulative) + "\n"
            }
            let labelText = renderLabels(labelNames, labels)
            text += name + "_sum" + labelText + " " + formatValue(observations.sum) + "\n"
            text += name + "_count" + labelText + " " + String(observations.count) + "\n"
        }
    }
}
