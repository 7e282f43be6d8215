// The order a run sees its data in: epoch after epoch, the training sequences shuffled with the
// run's seed and the epoch number, then packed into micro-batches. Packing depends on the order, so
// an epoch's micro-batch count can differ from the next one's; micro-batches are numbered across
// epochs, and a resumed run finds its place by that number alone.

import Engine

public struct EpochPlan {
    private let sequences: [TrainingSequence]
    private let tokenBudget: Int
    private let seed: UInt64
    /// Micro-batches of each epoch planned so far.
    private var sizes: [Int] = []
    private var cache: (epoch: Int, batches: [TokenBatch])?

    public init(_ sequences: [TrainingSequence], tokenBudget: Int, seed: UInt64) {
        self.sequences = sequences
        self.tokenBudget = tokenBudget
        self.seed = seed
    }

    /// Micro-batch `index` of the whole run.
    public mutating func microBatch(_ index: Int) -> TokenBatch {
        let (epoch, offset) = locate(index)
        return batches(ofEpoch: epoch)[offset]
    }

    /// The epoch micro-batch `index` falls in, and its place within that epoch.
    public mutating func locate(_ index: Int) -> (epoch: Int, offset: Int) {
        var epoch = 0
        var offset = index
        while offset >= size(ofEpoch: epoch) {
            offset -= size(ofEpoch: epoch)
            epoch += 1
        }
        return (epoch, offset)
    }

    public mutating func size(ofEpoch epoch: Int) -> Int {
        while sizes.count <= epoch { sizes.append(batches(ofEpoch: sizes.count).count) }
        return sizes[epoch]
    }

    private mutating func batches(ofEpoch epoch: Int) -> [TokenBatch] {
        if let cache, cache.epoch == epoch { return cache.batches }
        var random = SeededRandom(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9)
        let batches = TrainingSequence.pack(sequences.shuffled(using: &random), tokenBudget: tokenBudget)
        cache = (epoch, batches)
        return batches
    }
}
