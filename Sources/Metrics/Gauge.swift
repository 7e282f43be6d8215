// A value that goes up and down (requests in flight, KV-cache blocks free), one per combination of
// labels.

import Synchronization

public final class Gauge: MetricFamily, Sendable {
    public let name: String
    public let help: String
    public let labelNames: [String]
    private let series: SeriesTable<Double>

    init(name: String, help: String, labelNames: [String]) {
        validate(name: name, labelNames: labelNames)
        self.name = name
        self.help = help
        self.labelNames = labelNames
        self.series = SeriesTable(labelNames: labelNames, initial: 0)
    }

    public func set(_ value: Double, _ labels: [String] = []) {
        series.update(labels) { $0 = value }
    }

    public func increment(_ labels: [String] = [], by amount: Double = 1) {
        series.update(labels) { $0 += amount }
    }

    public func decrement(_ labels: [String] = [], by amount: Double = 1) {
        series.update(labels) { $0 -= amount }
    }

    public func value(_ labels: [String] = []) -> Double { series.value(labels) ?? 0 }

    var typeName: String { "gauge" }

    func isCompatible(with other: Gauge) -> Bool { labelNames == other.labelNames }

    func renderSamples(into text: inout String) {
        for (labels, value) in series.sorted() {
            text += name + renderLabels(labelNames, labels) + " " + formatValue(value) + "\n"
        }
    }
}
