// `spark-bench attention`: the decode attention kernel alone (sk_attention), as the engine calls it:
// one task per (sequence, KV head) on the worker pool, each token's query heads against its whole
// context through a shuffled block table. Every layer has its own cache, so that one step's keys and
// values, like the engine's, do not stay in the CPU caches from one step to the next; with a shared
// prefix, all sequences' tables start with the same blocks (a GRPO group's common prompt).

import CKernels
import Kernels

struct AttentionBenchmark {
    var sequences: Int
    var kvHeads: Int
    var headDim: Int
    var layers: Int
    var blockSize: Int
    var steps: Int
    var repetitions: Int
    /// Share of each context that all sequences have in common, rounded down to whole blocks.
    var sharedFraction: Double

    struct Figures {
        var context: Int
        var groupSize: Int
        var shared: Bool
        var nanosecondsPerCall: Double
        var gflops: Double
        /// Distinct key and value bytes one step reads, per second.
        var cacheGBPerSecond: Double
    }

    func run(context: Int, groupSize: Int, shared: Bool, pool: WorkerPool = .shared) -> Figures {
        let blocksPerSequence = (context + blockSize - 1) / blockSize
        let sharedBlocks = shared ? Int(Double(context) * sharedFraction) / blockSize : 0
        let ownBlocks = blocksPerSequence - sharedBlocks
        let blockCount = sharedBlocks + sequences * ownBlocks
        // Block ids in a random order, as a cache hands them out after some churn.
        var random = Generator(seed: UInt64(context * 131 + groupSize))
        var ids = (0..<Int32(blockCount)).map { $0 }
        for index in stride(from: ids.count - 1, to: 0, by: -1) {
            ids.swapAt(index, Int(random.next() % UInt64(index + 1)))
        }
        let tables = (0..<sequences).map { sequence in
            Array(ids[0..<sharedBlocks])
                + ids[(sharedBlocks + sequence * ownBlocks)..<(sharedBlocks + (sequence + 1) * ownBlocks)]
        }
        let flatTables = tables.flatMap { $0 }

        let blockStride = kvHeads * blockSize * headDim
        let keys = (0..<layers).map { _ in AlignedBuffer<Float>(count: blockCount * blockStride) }
        let values = (0..<layers).map { _ in AlignedBuffer<Float>(count: blockCount * blockStride) }
        for buffer in keys + values {
            for index in 0..<buffer.count { buffer.pointer[index] = random.nextFloat() }
        }
        let queryWidth = kvHeads * groupSize * headDim
        let queries = AlignedBuffer<Float>(count: sequences * queryWidth)
        for index in 0..<queries.count { queries.pointer[index] = random.nextFloat() }
        let outputs = AlignedBuffer<Float>(count: sequences * queryWidth)
        let scoresPerThread = groupSize * context
        let scores = AlignedBuffer<Float>(count: pool.threadCount * scoresPerThread)
        let scale = 1 / Float(headDim).squareRoot()

        func step() {
            flatTables.withUnsafeBufferPointer { tablePointer in
                for layer in 0..<layers {
                    pool.run(taskCount: sequences * kvHeads) { task, thread in
                        let sequence = task / kvHeads
                        let head = task % kvHeads
                        let offset = sequence * queryWidth + head * groupSize * headDim
                        sk_attention(
                            queries.pointer + offset, groupSize, headDim,
                            keys[layer].pointer + head * blockSize * headDim,
                            values[layer].pointer + head * blockSize * headDim,
                            tablePointer.baseAddress! + sequence * blocksPerSequence, blockSize, blockStride, context,
                            scale, scores.pointer + thread * scoresPerThread, outputs.pointer + offset)
                    }
                }
            }
        }

        step()
        var best = Double.infinity
        for _ in 0..<repetitions {
            best = min(best, Stopwatch.time { for _ in 0..<steps { step() } } / Double(steps))
        }
        let calls = Double(layers * sequences * kvHeads)
        let flops = 4 * Double(groupSize * headDim * context) * calls
        let bytes = Double(2 * layers * blockCount * blockStride * MemoryLayout<Float>.stride)
        return Figures(
            context: context, groupSize: groupSize, shared: shared, nanosecondsPerCall: best / calls * 1e9,
            gflops: flops / best / 1e9, cacheGBPerSecond: bytes / best / 1e9)
    }

    /// A fixed LCG: the same tables and values on every run.
    struct Generator {
        var state: UInt64

        init(seed: UInt64) { state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407 }

        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 11
        }

        /// Uniform in [-1, 1).
        mutating func nextFloat() -> Float { Float(next() % (1 << 24)) / Float(1 << 23) - 1 }
    }
}
