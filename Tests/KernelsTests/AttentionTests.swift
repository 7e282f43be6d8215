// sk_attention against softmax attention written out in Double, for every instruction set, on odd
// head sizes, group sizes, contexts and block sizes, through shuffled block tables of a cache whose
// other blocks hold garbage.

import CKernels
import Foundation
import Testing

@Suite struct AttentionTests {
    static let instructionSets = [SK_ISA_PORTABLE, SK_ISA_AVX2, SK_ISA_AVX512]

    /// One sequence's keys and values in a paged cache of two KV heads, through the second one, laid
    /// out as sk_attention reads them: blocks in a shuffled order, keys transposed within a block.
    struct PagedCache {
        static let kvHeads = 2
        static let head = 1
        var keyCache: [Float]
        var valueCache: [Float]
        var blockTable: [Int32]
        let blockSize: Int
        let blockStride: Int
        let headOffset: Int

        init(keys: [[Float]], values: [[Float]], headDim: Int, blockSize: Int, seed: UInt64) {
            let blocks = (keys.count + blockSize - 1) / blockSize
            let blockCount = blocks + 3
            self.blockSize = blockSize
            blockStride = Self.kvHeads * blockSize * headDim
            headOffset = Self.head * blockSize * headDim
            var order = Array(0..<Int32(blockCount))
            var state = seed
            for index in stride(from: order.count - 1, to: 0, by: -1) {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                order.swapAt(index, Int((state >> 33) % UInt64(index + 1)))
            }
            blockTable = Array(order[0..<blocks])
            keyCache = randomFloats(blockCount * blockStride, seed: seed + 1).map { $0 * 1000 }
            valueCache = randomFloats(blockCount * blockStride, seed: seed + 2).map { $0 * 1000 }
            for (position, (key, value)) in zip(keys, values).enumerated() {
                let base = Int(blockTable[position / blockSize]) * blockStride + headOffset
                let slot = position % blockSize
                for d in 0..<headDim {
                    keyCache[base + d * blockSize + slot] = key[d]
                    valueCache[base + slot * headDim + d] = value[d]
                }
            }
        }

        func attend(
            isa: sk_isa, queries: [Float], group: Int, headDim: Int, context: Int, scale: Float, scratchFill: Float = 0
        ) -> [Float] {
            var scores = [Float](repeating: scratchFill, count: group * context)
            var output = [Float](repeating: .nan, count: group * headDim)
            let supported = keyCache.withUnsafeBufferPointer { keys in
                valueCache.withUnsafeBufferPointer { values in
                    sk_attention_with_isa(
                        isa, queries, group, headDim, keys.baseAddress! + headOffset, values.baseAddress! + headOffset,
                        blockTable, blockSize, blockStride, context, scale, &scores, &output)
                }
            }
            #expect(supported == 1)
            return output
        }
    }

    /// Softmax attention in Double over contiguous keys and values; also returns the largest score.
    static func reference(queries: [Float], group: Int, headDim: Int, keys: [[Float]], values: [[Float]], scale: Float)
        -> (output: [Float], largestScore: Double)
    {
        var output = [Float]()
        var largest = 0.0
        for g in 0..<group {
            let q = queries[(g * headDim)..<((g + 1) * headDim)]
            let scores = keys.map { key in
                zip(q, key).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } * Double(scale)
            }
            let maximum = scores.max()!
            largest = max(largest, scores.map(abs).max()!)
            let weights = scores.map { exp($0 - maximum) }
            let total = weights.reduce(0, +)
            for d in 0..<headDim {
                output.append(Float(zip(weights, values).reduce(0.0) { $0 + $1.0 * Double($1.1[d]) } / total))
            }
        }
        return (output, largest)
    }

    /// Every head size with every group size from 1 to 8 (and 12, more than one slice of 8), with
    /// contexts and block sizes taken in turn so that each meets several of the others.
    static let cases: [(headDim: Int, group: Int, context: Int, blockSize: Int)] = {
        let contexts = [1, 2, 15, 16, 17, 33, 100, 257, 600]
        let blockSizes = [16, 1, 5, 32, 16, 7, 16]
        var cases: [(Int, Int, Int, Int)] = []
        for (dimIndex, headDim) in [8, 12, 16, 24, 64, 128].enumerated() {
            for group in Array(1...8) + [12] {
                let index = dimIndex * 9 + group
                cases.append((headDim, group, contexts[index % contexts.count], blockSizes[index % blockSizes.count]))
            }
        }
        return cases
    }()

    @Test(arguments: instructionSets)
    func everyInstructionSetMatchesTheDefinition(isa: sk_isa) {
        guard sk_isa_supported(isa) != 0 else { return }
        for (index, shape) in Self.cases.enumerated() {
            let seed = UInt64(index * 10)
            let keys = (0..<shape.context).map { randomFloats(shape.headDim, seed: seed + 1000 + UInt64($0)) }
            let values = (0..<shape.context).map { randomFloats(shape.headDim, seed: seed + 5000 + UInt64($0)) }
            // Every third case with sharp softmaxes, where most weights underflow.
            let sharpness: Float = index % 3 == 0 ? 40 : 3
            let queries = randomFloats(shape.group * shape.headDim, seed: seed).map { $0 * sharpness }
            let scale = 1 / Float(shape.headDim).squareRoot()
            let cache = PagedCache(
                keys: keys, values: values, headDim: shape.headDim, blockSize: shape.blockSize, seed: seed)
            let output = cache.attend(
                isa: isa, queries: queries, group: shape.group, headDim: shape.headDim, context: shape.context,
                scale: scale)
            let expected = Self.reference(
                queries: queries, group: shape.group, headDim: shape.headDim, keys: keys, values: values, scale: scale)
            // A score's float32 rounding error grows with its size, and so does that of its weight.
            let tolerance = Float(5e-7 * (1 + expected.largestScore))
            #expect(maxDifference(output, expected.output) <= tolerance, "\(isa) \(shape)")
        }
    }

    /// The same keys and values in other blocks, with other garbage around them and in the scratch,
    /// give bitwise the same output: nothing but the token's own query, keys and values enters it.
    @Test(arguments: instructionSets)
    func outputDependsOnlyOnTheSequenceNotOnWhereItIsStored(isa: sk_isa) {
        guard sk_isa_supported(isa) != 0 else { return }
        let (headDim, group, context) = (64, 7, 300)
        let keys = (0..<context).map { randomFloats(headDim, seed: 100 + UInt64($0)) }
        let values = (0..<context).map { randomFloats(headDim, seed: 900 + UInt64($0)) }
        let queries = randomFloats(group * headDim, seed: 7).map { $0 * 3 }
        let scale = 1 / Float(headDim).squareRoot()
        let first = PagedCache(keys: keys, values: values, headDim: headDim, blockSize: 16, seed: 1)
        let second = PagedCache(keys: keys, values: values, headDim: headDim, blockSize: 16, seed: 2)
        #expect(first.blockTable != second.blockTable)
        let a = first.attend(isa: isa, queries: queries, group: group, headDim: headDim, context: context, scale: scale)
        let b = second.attend(
            isa: isa, queries: queries, group: group, headDim: headDim, context: context, scale: scale,
            scratchFill: .nan)
        #expect(a.map(\.bitPattern) == b.map(\.bitPattern))
    }
}
