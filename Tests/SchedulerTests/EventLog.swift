// Collects the events of many sequences, delivered on the engine thread, for assertions.

import Foundation
import Scheduler
import Synchronization

final class EventLog: Sendable {
    private let events = Mutex<[UInt64: [SequenceEvent]]>([:])
    private let admitted = Mutex<[UInt64]>([])
    private let finishedCount = Mutex(0)

    /// A callback recording under `key` (the submission's own numbering).
    func callback(_ key: UInt64) -> @Sendable (SequenceEvent) -> Void {
        { event in
            self.events.withLock { $0[key, default: []].append(event) }
            if case .admitted = event { self.admitted.withLock { $0.append(key) } }
            if case .finished = event { self.finishedCount.withLock { $0 += 1 } }
        }
    }

    func events(_ key: UInt64) -> [SequenceEvent] { events.withLock { $0[key] ?? [] } }

    /// Keys in the order their sequences were admitted.
    var admissionOrder: [UInt64] { admitted.withLock { $0 } }

    var finished: Int { finishedCount.withLock { $0 } }

    func summary(_ key: UInt64) -> SequenceSummary? {
        for event in events(key) { if case .finished(let summary) = event { return summary } }
        return nil
    }

    func tokens(_ key: UInt64) -> [TokenOutput] {
        events(key).compactMap { if case .token(let output) = $0 { output } else { nil } }
    }

    /// Waits (polling) until `count` sequences have finished, for at most `seconds`.
    func waitForFinished(_ count: Int, seconds: Double = 30) -> Bool {
        let limit = Date().addingTimeInterval(seconds)
        while finished < count {
            if Date() > limit { return false }
            Thread.sleep(forTimeInterval: 0.001)
        }
        return true
    }
}
