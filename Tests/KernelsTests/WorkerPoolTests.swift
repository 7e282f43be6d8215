import Kernels
import Synchronization
import Testing

@Suite struct WorkerPoolTests {
    @Test func everyTaskRunsExactlyOnce() {
        let pool = WorkerPool(threadCount: 3)
        for taskCount in [1, 2, 3, 7, 64, 1000] {
            let counts = Mutex([Int](repeating: 0, count: taskCount))
            pool.run(taskCount: taskCount) { task in counts.withLock { $0[task] += 1 } }
            #expect(counts.withLock { $0 } == [Int](repeating: 1, count: taskCount))
        }
    }

    @Test func manyBackToBackRunsStayCorrect() {
        let pool = WorkerPool(threadCount: 2)
        let total = Atomic<Int>(0)
        for _ in 0..<20_000 { pool.run(taskCount: 4) { task in total.add(task, ordering: .relaxed) } }
        #expect(total.load(ordering: .relaxed) == 20_000 * 6)
    }

    @Test func parallelForCoversTheRangeInGranularChunks() {
        let pool = WorkerPool(threadCount: 2)
        for (count, granularity) in [(0, 1), (1, 4), (17, 4), (100, 16), (1000, 3)] {
            let seen = Mutex([Int](repeating: 0, count: count))
            let misaligned = Atomic<Int>(0)
            pool.parallelFor(count, granularity: granularity, tasksPerThread: 4) { range in
                if range.lowerBound % granularity != 0 { misaligned.add(1, ordering: .relaxed) }
                seen.withLock { for index in range { $0[index] += 1 } }
            }
            #expect(seen.withLock { $0 } == [Int](repeating: 1, count: count))
            #expect(misaligned.load(ordering: .relaxed) == 0)
        }
    }

    @Test func workersWakeUpAfterParking() async throws {
        let pool = WorkerPool(threadCount: 2)
        try await Task.sleep(for: .milliseconds(200))  // long enough for the worker to park
        let ran = Atomic<Int>(0)
        pool.run(taskCount: 8) { _ in ran.add(1, ordering: .relaxed) }
        #expect(ran.load(ordering: .relaxed) == 8)
    }
}

@Suite struct WorkerPoolSharingTests {
    @Test func threadIndicesAreExclusiveWhileTasksRun() {
        let pool = WorkerPool(threadCount: 3)
        let inUse = Mutex([Bool](repeating: false, count: 3))
        let collisions = Atomic<Int>(0)
        pool.run(taskCount: 300) { _, thread in
            let wasFree = inUse.withLock { slots in
                defer { slots[thread] = true }
                return !slots[thread]
            }
            if !wasFree { collisions.add(1, ordering: .relaxed) }
            for _ in 0..<100 { _ = collisions.load(ordering: .relaxed) }
            inUse.withLock { $0[thread] = false }
        }
        #expect(collisions.load(ordering: .relaxed) == 0)
    }

    @Test func aBusyPoolRunsSecondCallersInline() async {
        let pool = WorkerPool(threadCount: 2)
        let total = Counter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<2_000 {
                        pool.run(taskCount: 3) { task in
                            // A call from inside a task must not deadlock either.
                            pool.run(taskCount: 2) { _ in total.value.add(1, ordering: .relaxed) }
                            total.value.add(task, ordering: .relaxed)
                        }
                    }
                }
            }
        }
        #expect(total.value.load(ordering: .relaxed) == 4 * 2_000 * (3 * 2 + 3))
    }
}

final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
