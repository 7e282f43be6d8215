// The scheduler's view of a model: one forward pass over a flattened batch, writing the batch's keys
// and values into a cache of blocks the scheduler hands out. `Transformer` is the real one; tests use
// a fake whose logits are a known function of the tokens its cache holds.

import Engine

public protocol ModelRunner {
    /// Storage for `blockCount` blocks of `blockSize` tokens' keys and values.
    associatedtype Cache
    var vocabularySize: Int { get }
    /// The longest prompt plus completion a sequence may have.
    var contextLength: Int { get }
    func makeCache(blockSize: Int, blockCount: Int) -> Cache
    /// Logits of the rows the chunks ask for; valid until the next call.
    func forward(_ batch: ForwardBatch, cache: Cache) -> Logits
}

extension Transformer: ModelRunner {
    public var vocabularySize: Int { config.vocabSize }
    public var contextLength: Int { config.maxPositionEmbeddings }

    public func makeCache(blockSize: Int, blockCount: Int) -> KVCache {
        KVCache(config: config, blockSize: blockSize, blockCount: blockCount)
    }
}
