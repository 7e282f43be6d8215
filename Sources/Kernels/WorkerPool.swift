// A fork-join pool of persistent threads for the kernels: the caller hands over `taskCount` tasks,
// takes part in running them, and returns when all are done.
//
// Why not Dispatch: `concurrentPerform` wakes its workers through the kernel on every call, and a
// decode step makes about a hundred such calls (one per projection and per attention pass). Here the
// workers spin briefly on an atomic generation counter before they park, so back-to-back calls cost
// a few hundred nanoseconds, and a parked worker costs nothing while OpenBLAS runs its own threads.
// A call made while the pool is busy (from inside a task, or from a second thread) runs its tasks on
// the calling thread instead.

import CKernels
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public final class WorkerPool: @unchecked Sendable {
    /// Number of threads that run tasks, the caller included.
    public let threadCount: Int

    /// The process-wide pool, one thread per core.
    public static let shared = WorkerPool(threadCount: WorkerPool.defaultThreadCount)

    public static var defaultThreadCount: Int {
        if let text = getenv("SPARK_NUM_THREADS").map({ String(cString: $0) }), let count = Int(text),
            count > 0
        {
            return count
        }
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    private let generation = Atomic<Int>(0)
    private let nextTask = Atomic<Int>(0)
    /// Workers that have not yet finished with the current generation. The caller waits for zero
    /// before it returns, so the body and task count below never change under a worker's feet.
    private let busyWorkers = Atomic<Int>(0)
    private let isRunning = Atomic<Bool>(false)
    private let parkedWorkers = Atomic<Int>(0)
    // Written by the caller before the generation is bumped, read by workers after they see it.
    // The body is reached through a pointer to the caller's stack, so workers never retain it.
    private nonisolated(unsafe) var currentTaskCount = 0
    private nonisolated(unsafe) var currentBody: UnsafePointer<(Int, Int) -> Void>?
    // pthread objects must not move, so they live in their own allocations.
    private let parkMutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let parkCondition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var threads: [pthread_t] = []

    /// Spin iterations before a worker parks: longer than the gap between two kernel calls of one
    /// forward pass, much shorter than a forward pass. Spinning longer costs a busy server's other
    /// threads their core (measured: half the CPU time of a loaded server went to spinning at 20,000).
    private static let spinLimit = 4_000

    /// Spin iterations before a caller waiting for its workers yields the core.
    private static let callerSpinLimit = 2_000

    public init(threadCount: Int) {
        precondition(threadCount >= 1, "a pool needs at least one thread")
        self.threadCount = threadCount
        pthread_mutex_init(parkMutex, nil)
        pthread_cond_init(parkCondition, nil)
        for index in 1..<threadCount {
            let context = Unmanaged.passRetained(WorkerContext(pool: self, thread: index))
            var thread = pthread_t()
            let status = pthread_create(
                &thread, nil,
                { argument in
                    let context = Unmanaged<WorkerContext>.fromOpaque(argument!).takeRetainedValue()
                    context.pool.workerLoop(thread: context.thread)
                    return nil
                }, context.toOpaque())
            precondition(status == 0, "pthread_create failed with \(status)")
            threads.append(thread)
        }
    }

    /// Runs `body(0) ... body(taskCount - 1)` on the pool's threads and the caller's, each exactly
    /// once, and returns when all have finished. Tasks must be independent.
    public func run(taskCount: Int, _ body: (Int) -> Void) {
        run(taskCount: taskCount) { task, _ in body(task) }
    }

    /// Like `run(taskCount:_:)`, also passing the index (0 ..< threadCount) of the thread that runs the
    /// task, so that tasks can use per-thread scratch memory: no two tasks of one call run at once with
    /// one index (a call that falls back to running inline reports index 0 for all its tasks).
    public func run(taskCount: Int, _ body: (_ task: Int, _ thread: Int) -> Void) {
        if taskCount <= 0 { return }
        if taskCount == 1 || threadCount == 1 {
            for task in 0..<taskCount { body(task, 0) }
            return
        }
        let (acquired, _) = isRunning.compareExchange(expected: false, desired: true, ordering: .acquiring)
        guard acquired else {
            // Busy: a task called back in, or another thread (two engines, or tests running in
            // parallel) holds the pool. Running inline is correct, only slower.
            for task in 0..<taskCount { body(task, 0) }
            return
        }
        withoutActuallyEscaping(body) { escapingBody in
            withUnsafePointer(to: escapingBody) { run(bodyPointer: $0, taskCount: taskCount) }
        }
        isRunning.store(false, ordering: .releasing)
    }

    private func run(bodyPointer: UnsafePointer<(Int, Int) -> Void>, taskCount: Int) {
        currentBody = bodyPointer
        currentTaskCount = taskCount
        nextTask.store(0, ordering: .relaxed)
        busyWorkers.store(threadCount - 1, ordering: .relaxed)
        generation.add(1, ordering: .sequentiallyConsistent)
        if parkedWorkers.load(ordering: .sequentiallyConsistent) > 0 {
            pthread_mutex_lock(parkMutex)
            pthread_cond_broadcast(parkCondition)
            pthread_mutex_unlock(parkMutex)
        }
        runTasks(bodyPointer, taskCount: taskCount, thread: 0)
        // A worker that was descheduled mid-task (more runnable threads than cores: a server's HTTP
        // and client threads) needs the core back: after a short spin, yield it.
        var spins = 0
        while busyWorkers.load(ordering: .acquiring) > 0 {
            spins += 1
            if spins < Self.callerSpinLimit { spinPause() } else { sched_yield() }
        }
        currentBody = nil
    }

    /// Splits `0 ..< count` into about `tasksPerThread` chunks per thread, each a multiple of
    /// `granularity` long, and runs `body(range)` for every chunk.
    public func parallelFor(
        _ count: Int, granularity: Int = 1, tasksPerThread: Int = 1, _ body: (Range<Int>) -> Void
    ) {
        let units = (count + granularity - 1) / granularity
        let chunks = min(units, threadCount * tasksPerThread)
        if chunks <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        run(taskCount: chunks) { chunk in
            let begin = min(count, (units * chunk / chunks) * granularity)
            let end = min(count, (units * (chunk + 1) / chunks) * granularity)
            if begin < end { body(begin..<end) }
        }
    }

    private func runTasks(_ body: UnsafePointer<(Int, Int) -> Void>, taskCount: Int, thread: Int) {
        while true {
            let task = nextTask.add(1, ordering: .relaxed).oldValue
            if task >= taskCount { return }
            body.pointee(task, thread)
        }
    }

    private func workerLoop(thread: Int) {
        var seenGeneration = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seenGeneration {
                spins += 1
                if spins < Self.spinLimit {
                    spinPause()
                    continue
                }
                pthread_mutex_lock(parkMutex)
                parkedWorkers.add(1, ordering: .sequentiallyConsistent)
                while generation.load(ordering: .sequentiallyConsistent) == seenGeneration {
                    pthread_cond_wait(parkCondition, parkMutex)
                }
                parkedWorkers.subtract(1, ordering: .relaxed)
                pthread_mutex_unlock(parkMutex)
            }
            seenGeneration += 1
            runTasks(currentBody!, taskCount: currentTaskCount, thread: thread)
            busyWorkers.subtract(1, ordering: .releasing)
        }
    }
}

private final class WorkerContext {
    let pool: WorkerPool
    let thread: Int

    init(pool: WorkerPool, thread: Int) {
        self.pool = pool
        self.thread = thread
    }
}

@inline(__always)
private func spinPause() { sk_cpu_relax() }
