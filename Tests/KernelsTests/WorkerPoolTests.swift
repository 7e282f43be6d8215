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
