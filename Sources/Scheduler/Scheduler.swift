// The engine thread and its mailbox. One dedicated thread owns the model, the KV cache and every
// sequence; it is not a task on Swift concurrency's pool, whose one thread per core a forward pass of
// up to a second would block. Other threads submit, cancel and read statistics through a
// lock-protected mailbox; the engine thread sleeps on its condition when there is nothing to do.
// Events are delivered by calling each submitter's callback on the engine thread.

import Engine
import Foundation
import Model

public final class Scheduler: Sendable {
    public let configuration: SchedulerConfiguration
    private let limits: SubmissionLimits
    private let mailbox = Mailbox()

    /// Starts the engine thread. The model belongs to that thread from now until `shutdown` returns:
    /// do not use it elsewhere meanwhile.
    public init<Model: ModelRunner>(model: Model, tokenizer: Tokenizer?, configuration: SchedulerConfiguration) {
        self.configuration = configuration
        limits = SubmissionLimits(
            vocabularySize: model.vocabularySize, contextLength: model.contextLength,
            cacheTokens: configuration.kvCacheBlocks * configuration.blockSize, hasTokenizer: tokenizer != nil)
        let core = SchedulerCore(model: model, tokenizer: tokenizer, configuration: configuration)
        let mailbox = mailbox
        mailbox.publish(core.statistics)
        let loop = EngineThreadOwned { Self.run(core, mailbox: mailbox) }
        Thread { loop.body() }.start()
    }

    deinit {
        mailbox.requestStop(drain: false)
    }

    /// Queues a sequence. `onEvent` is called on the engine thread for each of its events, between
    /// forward passes: it must return quickly (hand the event to another thread, append to a buffer)
    /// and must not call `shutdown`, which waits for that thread.
    public func submit(
        _ request: SequenceRequest, onEvent: @escaping @Sendable (SequenceEvent) -> Void
    ) throws(SubmissionError) -> SequenceHandle {
        try limits.check(request)
        return try mailbox.submit(Submission(request: request, queued: .now, onEvent: onEvent))
    }

    /// Ends the sequence with `.cancelled` at the next iteration and frees its blocks. Safe from any
    /// thread, at any time; a finished or unknown handle is ignored.
    public func cancel(_ handle: SequenceHandle) {
        mailbox.cancel(handle)
    }

    /// Stops taking submissions (they throw `.shuttingDown`) and waits for the engine thread to stop:
    /// with `drain`, after every queued and running sequence has finished; without, after cancelling
    /// them all. Calling it again, or from several threads, is harmless.
    public func shutdown(drain: Bool) {
        mailbox.requestStop(drain: drain)
        mailbox.waitUntilStopped()
    }

    public var statistics: SchedulerStatistics { mailbox.statistics }

    private static func run<Model: ModelRunner>(_ core: SchedulerCore<Model>, mailbox: Mailbox) {
        while true {
            let intake = mailbox.take(waitingIfIdle: !core.hasWork)
            let now = ContinuousClock.now
            for submission in intake.submissions {
                core.enqueue(
                    submission.handle, submission.request, queued: submission.queued, onEvent: submission.onEvent)
            }
            for handle in intake.cancellations { core.cancel(handle, now: now) }
            if intake.stop == .cancel { core.cancelAll(now: now) }
            if intake.stop != nil && !core.hasWork {
                mailbox.publish(core.statistics)
                mailbox.markStopped()
                return
            }
            core.step(now: now)
            mailbox.publish(core.statistics)
        }
    }
}

/// A submission on its way to the engine thread.
private struct Submission: Sendable {
    var handle = SequenceHandle(id: 0)
    let request: SequenceRequest
    let queued: ContinuousClock.Instant
    let onEvent: @Sendable (SequenceEvent) -> Void
}

/// Hands the engine loop, and with it the model and the scheduler state, to the engine thread.
/// Unchecked because the compiler cannot see the hand-over: the thread that creates the loop never
/// touches what it captures again.
private struct EngineThreadOwned: @unchecked Sendable {
    let body: () -> Void
}

/// Everything other threads share with the engine thread, behind one condition's lock.
private final class Mailbox: @unchecked Sendable {
    enum Stop { case drain, cancel }

    struct Intake {
        var submissions: [Submission] = []
        var cancellations: [SequenceHandle] = []
        var stop: Stop?
    }

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var pending = Intake()
    private var nextHandle: UInt64 = 1
    private var stopped = false
    private var published = SchedulerStatistics()

    func submit(_ submission: Submission) throws(SubmissionError) -> SequenceHandle {
        condition.lock()
        defer { condition.unlock() }
        guard pending.stop == nil else { throw .shuttingDown }
        var submission = submission
        submission.handle = SequenceHandle(id: nextHandle)
        nextHandle += 1
        pending.submissions.append(submission)
        condition.broadcast()
        return submission.handle
    }

    func cancel(_ handle: SequenceHandle) {
        condition.lock()
        defer { condition.unlock() }
        pending.cancellations.append(handle)
        condition.broadcast()
    }

    func requestStop(drain: Bool) {
        condition.lock()
        defer { condition.unlock() }
        // A shutdown without drain overrides an earlier one with drain, not the reverse.
        if pending.stop == nil || !drain { pending.stop = drain ? .drain : .cancel }
        condition.broadcast()
    }

    /// What arrived since the last call; with `waitingIfIdle`, sleeps until something does.
    func take(waitingIfIdle: Bool) -> Intake {
        condition.lock()
        defer { condition.unlock() }
        while waitingIfIdle && pending.submissions.isEmpty && pending.cancellations.isEmpty && pending.stop == nil {
            condition.wait()
        }
        let intake = pending
        pending.submissions = []
        pending.cancellations = []
        return intake
    }

    func markStopped() {
        condition.lock()
        defer { condition.unlock() }
        stopped = true
        condition.broadcast()
    }

    func waitUntilStopped() {
        condition.lock()
        defer { condition.unlock() }
        while !stopped { condition.wait() }
    }

    func publish(_ statistics: SchedulerStatistics) {
        condition.lock()
        defer { condition.unlock() }
        published = statistics
    }

    var statistics: SchedulerStatistics {
        condition.lock()
        defer { condition.unlock() }
        var snapshot = published
        snapshot.waiting += pending.submissions.count
        return snapshot
    }
}
