// The series of one metric family, keyed by label values, behind a lock.

import Synchronization

final class SeriesTable<Value: Sendable>: Sendable {
    private let labelNames: [String]
    private let initial: Value
    private let values: Mutex<[[String]: Value]>

    /// A family without labels has its one series from the start, so that it renders as 0 before
    /// anything happened, as Prometheus clients do.
    init(labelNames: [String], initial: Value) {
        self.labelNames = labelNames
        self.initial = initial
        self.values = Mutex(labelNames.isEmpty ? [[]: initial] : [:])
    }

    func update(_ labels: [String], _ change: (inout Value) -> Void) {
        precondition(
            labels.count == labelNames.count,
            "expected \(labelNames.count) label values for \(labelNames), got \(labels.count): \(labels)")
        values.withLock { values in change(&values[labels, default: initial]) }
    }

    func value(_ labels: [String]) -> Value? { values.withLock { $0[labels] } }

    /// Ordered by label values, first label first.
    func sorted() -> [(labels: [String], value: Value)] {
        values.withLock { values in
            values.map { (labels: $0.key, value: $0.value) }.sorted { $0.labels.lexicographicallyPrecedes($1.labels) }
        }
    }
}
