// A value that only goes up (requests served, tokens generated), one per combination of labels.

import Synchronization

public final class Counter: MetricFamily, Sendable {
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

    /// `labels` are the values, in the order the label names were given.
    public func increment(_ labels: [String] = [], by amount: Double = 1) {
        precondition(amount >= 0, "counter \(name) cannot decrease (increment by \(amount))")
        series.update(labels) { $0 += amount }
    }

    public func value(_ labels: [String] = []) -> Double { series.value(labels) ?? 0 }

    var typeName: String { "counter" }

    func isCompatible(with other: Counter) -> Bool { labelNames == other.labelNames }

    func renderSamples(into text: inout String) {
        for (labels, value) in series.sorted() {
            text += name + renderLabels(labelNames, labels) + " " + formatValue(value) + "\n"
        }
    }
}
