// The key/value cache, in fixed-size blocks shared by all sequences. A sequence owns a block table:
// position p lives in block table[p / blockSize] at slot p % blockSize. Blocks are the unit of
// allocation, sharing between sequences (a common prompt prefix) and eviction; the allocator above
// decides who owns what, this type only stores.
//
// Layout, per layer and per tensor (K, V): [block][kvHead][slot][headDim], so one head's rows of one
// block are contiguous for the attention kernel.

import Kernels
import Model

public final class KVCache: @unchecked Sendable {
    public let layerCount: Int
    public let kvHeadCount: Int
    public let headDim: Int
    public let blockSize: Int
    public let blockCount: Int
    private let keys: AlignedBuffer<Float>
    private let values: AlignedBuffer<Float>

    public init(config: ModelConfig, blockSize: Int = 16, blockCount: Int) {
        precondition(blockSize > 0 && blockCount > 0, "a KV cache needs at least one block")
        layerCount = config.layerCount
        kvHeadCount = config.kvHeadCount
        headDim = config.headDim
        self.blockSize = blockSize
        self.blockCount = blockCount
        let floats = layerCount * blockCount * kvHeadCount * blockSize * headDim
        keys = AlignedBuffer<Float>(count: floats)
        values = AlignedBuffer<Float>(count: floats)
    }

    /// Bytes of one token's keys and values over all layers.
    public static func bytesPerToken(config: ModelConfig) -> Int {
        2 * config.layerCount * config.kvHeadCount * config.headDim * MemoryLayout<Float>.stride
    }

    /// The number of blocks that fit in `megabytes` of memory.
    public static func blockCount(config: ModelConfig, blockSize: Int, megabytes: Int) -> Int {
        max(1, megabytes * 1_048_576 / (bytesPerToken(config: config) * blockSize))
    }

    /// Floats between the same head's rows of consecutive blocks.
    public var blockStride: Int { kvHeadCount * blockSize * headDim }

    var layerStride: Int { blockCount * blockStride }

    /// Keys of `layer`, positioned at `kvHead` of block 0 (the base the attention kernel expects).
    func keyBase(layer: Int, kvHead: Int) -> UnsafeMutablePointer<Float> {
        keys.pointer + layer * layerStride + kvHead * blockSize * headDim
    }

    func valueBase(layer: Int, kvHead: Int) -> UnsafeMutablePointer<Float> {
        values.pointer + layer * layerStride + kvHead * blockSize * headDim
    }

    /// Stores one token's keys and values (each kvHeadCount × headDim floats, head-major) at `slot`
    /// of `block` in `layer`.
    func store(
        layer: Int, block: Int32, slot: Int, keyRow: UnsafePointer<Float>, valueRow: UnsafePointer<Float>
    ) {
        precondition(Int(block) >= 0 && Int(block) < blockCount && slot < blockSize, "KV slot out of range")
        for head in 0..<kvHeadCount {
            let offset = Int(block) * blockStride + slot * headDim
            (keyBase(layer: layer, kvHead: head) + offset).update(from: keyRow + head * headDim, count: headDim)
            (valueBase(layer: layer, kvHead: head) + offset).update(from: valueRow + head * headDim, count: headDim)
        }
    }
}
