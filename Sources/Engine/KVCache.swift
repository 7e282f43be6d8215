// The key/value cache, in fixed-size blocks shared by all sequences. A sequence owns a block table:
// position p lives in block table[p / blockSize] at slot p % blockSize. Blocks are the unit of
// allocation, sharing between sequences (a common prompt prefix) and eviction; the allocator above
// decides who owns what, this type only stores.
//
// Layout, per layer: keys [block][kvHead][headDim][slot], values [block][kvHead][slot][headDim]. One
// head's keys and values of one block are each contiguous for the attention kernel, and keys are
// transposed so that the kernel computes a block's scores with broadcast-FMAs over the dimensions,
// 16 positions per vector, without a horizontal sum per position (CKernels/attention.c).

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

    /// Floats between the same head's data in consecutive blocks.
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
    /// of `block` in `layer`: the key as a column of its head's [headDim][slot] block, the value as a row.
    func store(
        layer: Int, block: Int32, slot: Int, keyRow: UnsafePointer<Float>, valueRow: UnsafePointer<Float>
    ) {
        precondition(Int(block) >= 0 && Int(block) < blockCount && slot < blockSize, "KV slot out of range")
        for head in 0..<kvHeadCount {
            let keyColumn = keyBase(layer: layer, kvHead: head) + Int(block) * blockStride + slot
            let key = keyRow + head * headDim
            for d in 0..<headDim { keyColumn[d * blockSize] = key[d] }
            (valueBase(layer: layer, kvHead: head) + Int(block) * blockStride + slot * headDim)
                .update(from: valueRow + head * headDim, count: headDim)
        }
    }
}
