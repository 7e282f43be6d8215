// Runs many reward-model verifications for one request: every item's prompt, n times, submitted to
// the scheduler together so that their shared prefixes are computed once, each sequence reading its
// verdict probabilities as it writes. Calls `completion` once, off the engine thread, with one
// outcome per sequence in submission order; a client that disconnects cancels them all.

import Dispatch
import Engine
import JSON
import Scheduler
import Synchronization

struct VerificationJob: Sendable {
    var promptIds: [Int32]
    var sampling: SamplingParameters
    var probes: [VerdictProbe]
}

struct VerificationOutcome: Sendable {
    var text = ""
    var readings: [VerdictReading] = []
    var reason: FinishReason = .cancelled
    var promptTokens = 0
    var completionTokens = 0
    var cachedPromptTokens = 0
    /// Why it could not be submitted, if it was not.
    var refusal: String?

    /// Whether the model finished its reply: not cut by a deadline or a cancellation, not refused.
    var isSettled: Bool { refusal == nil && reason != .timeout && reason != .cancelled }

    /// The verdict slots met, and in how many the model's most likely token was no verdict word: how
    /// often an unconstrained greedy reply would have broken its format there.
    static func verdictSlots(_ outcomes: [VerificationOutcome]) -> JSONValue {
        let readings = outcomes.flatMap(\.readings)
        return .object([
            "total": .int(readings.count),
            "most_likely_not_a_verdict": .int(readings.filter { !$0.mostLikelyIsCandidate }.count),
        ])
    }
}

final class VerificationBatch: Sendable {
    private struct State {
        var outcomes: [VerificationOutcome]
        var remaining: Int
        var handles: [SequenceHandle] = []
    }

    private let state: Mutex<State>
    private let jobs: [VerificationJob]
    private let scheduler: Scheduler
    private let completion: @Sendable ([VerificationOutcome]) -> Void

    init(
        jobs: [VerificationJob], scheduler: Scheduler,
        completion: @escaping @Sendable ([VerificationOutcome]) -> Void
    ) {
        self.jobs = jobs
        self.scheduler = scheduler
        self.completion = completion
        state = Mutex(
            State(outcomes: Array(repeating: VerificationOutcome(), count: jobs.count), remaining: jobs.count))
    }

    /// Submits every job with the given deadline; a job the scheduler refuses finishes at once with
    /// its reason. The jobs are cancelled when nobody waits for the exchange's answer any more.
    func start(deadline: ContinuousClock.Instant, exchange: Exchange?) {
        if jobs.isEmpty {
            DispatchQueue.global().async { [self] in completion([]) }
            return
        }
        var handles: [SequenceHandle] = []
        for (index, job) in jobs.enumerated() {
            let request = SequenceRequest(
                promptIds: job.promptIds, sampling: job.sampling, deadline: deadline, verdictProbes: job.probes)
            do {
                handles.append(try scheduler.submit(request) { [self] event in receive(event, index: index) })
            } catch {
                var refused = VerificationOutcome()
                refused.refusal = error.description
                finishOne(index, refused)
            }
        }
        let submitted = handles
        state.withLock { $0.handles = submitted }
        exchange?.onDisconnect { [self] in
            for handle in submitted { scheduler.cancel(handle) }
        }
    }

    private func receive(_ event: SequenceEvent, index: Int) {
        switch event {
        case .token(let output):
            if let verdict = output.verdict { state.withLock { $0.outcomes[index].readings.append(verdict) } }
        case .finished(let summary):
            var outcome = state.withLock { $0.outcomes[index] }
            outcome.text = summary.completion
            outcome.reason = summary.reason
            outcome.promptTokens = summary.usage.promptTokens
            outcome.completionTokens = summary.usage.completionTokens
            outcome.cachedPromptTokens = summary.usage.cachedPromptTokens
            finishOne(index, outcome)
        case .admitted, .promptLogprobs, .promptLogits:
            break
        }
    }

    private func finishOne(_ index: Int, _ outcome: VerificationOutcome) {
        let all: [VerificationOutcome]? = state.withLock { state in
            state.outcomes[index] = outcome
            state.remaining -= 1
            return state.remaining == 0 ? state.outcomes : nil
        }
        if let all { DispatchQueue.global().async { [self] in completion(all) } }
    }
}
