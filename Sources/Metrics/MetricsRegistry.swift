// A Prometheus registry: counters, gauges and histograms, each with optional labels, rendered in the
// text exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/).
// Families come out sorted by name and series sorted by label values, so the text is stable however
// the metrics were registered or observed. Safe to use from any thread.

import Synchronization

public final class MetricsRegistry: Sendable {
    private let families = Mutex<[String: any MetricFamily]>([:])

    public init() {}

    /// Registering a name again returns the metric already registered, if it is the same kind with
    /// the same labels; anything else is a programming error.
    @discardableResult
    public func counter(_ name: String, help: String, labels: [String] = []) -> Counter {
        register(Counter(name: name, help: help, labelNames: labels))
    }

    @discardableResult
    public func gauge(_ name: String, help: String, labels: [String] = []) -> Gauge {
        register(Gauge(name: name, help: help, labelNames: labels))
    }

    /// `buckets` are the upper bounds, strictly increasing; the `+Inf` bucket is added.
    @discardableResult
    public func histogram(_ name: String, help: String, labels: [String] = [], buckets: [Double]) -> Histogram {
        register(Histogram(name: name, help: help, labelNames: labels, buckets: buckets))
    }

    /// The text exposition format, `Content-Type: text/plain; version=0.0.4`.
    public func render() -> String {
        let sorted = families.withLock { $0.values.sorted { $0.name < $1.name } }
        var text = ""
        for family in sorted {
            text += "# HELP \(family.name) \(escapeHelp(family.help))\n"
            text += "# TYPE \(family.name) \(family.typeName)\n"
            family.renderSamples(into: &text)
        }
        return text
    }

    private func register<Family: MetricFamily>(_ family: Family) -> Family {
        families.withLock { families in
            guard let existing = families[family.name] else {
                families[family.name] = family
                return family
            }
            guard let same = existing as? Family, same.isCompatible(with: family) else {
                preconditionFailure(
                    "metric \(family.name) is already registered as a \(existing.typeName) with labels \(existing.labelNames)"
                )
            }
            return same
        }
    }
}

/// What the registry needs of each kind of metric.
protocol MetricFamily: AnyObject, Sendable {
    var name: String { get }
    var help: String { get }
    var typeName: String { get }
    var labelNames: [String] { get }
    func isCompatible(with other: Self) -> Bool
    func renderSamples(into text: inout String)
}
