// A stand-in for the transformer, for testing scheduling logic: its "KV cache" stores the token id of
// each slot, and the logits at a position are a fixed pseudo-random function of the tokens read back
// through the chunk's block table. So a sequence gets the same logits alone, in a crowd, from cached
// blocks or after recomputation, exactly when the scheduler gave it the right blocks with the right
// content; a stale, foreign or never-written block changes its output.

import Engine
import Foundation
import Scheduler
import Synchronization

final class FakeModel: ModelRunner, Sendable {
    final class Cache {
        let blockSize: Int
        var slots: [Int32]

        init(blockSize: Int, blockCount: Int) {
            self.blockSize = blockSize
            slots = Array(repeating: -1, count: blockSize * blockCount)
        }
    }

    let vocabularySize: Int
    let contextLength: Int
    /// Seconds slept in every forward pass, so that threaded tests can act while sequences run.
    let delaySeconds: Double
    private let recorded = Mutex<[ForwardBatch]>([])
    private let unwrittenReads = Mutex(0)

    init(vocabularySize: Int = 64, contextLength: Int = 4096, delaySeconds: Double = 0) {
        self.vocabularySize = vocabularySize
        self.contextLength = contextLength
        self.delaySeconds = delaySeconds
    }

    var batches: [ForwardBatch] { recorded.withLock { $0 } }
    /// Reads of a slot no chunk had written: attention over KV that was never computed.
    var readsOfUnwrittenSlots: Int { unwrittenReads.withLock { $0 } }

    func makeCache(blockSize: Int, blockCount: Int) -> Cache { Cache(blockSize: blockSize, blockCount: blockCount) }

    func forward(_ batch: ForwardBatch, cache: Cache) -> Logits {
        recorded.withLock { $0.append(batch) }
        if delaySeconds > 0 { Thread.sleep(forTimeInterval: delaySeconds) }
        var values: [Float] = []
        var rowRanges: [Range<Int>] = []
        for chunk in batch.chunks {
            for (offset, token) in chunk.tokens.enumerated() {
                cache.slots[slot(chunk.startPosition + offset, chunk.blockTable, cache.blockSize)] = token
            }
        }
        for chunk in batch.chunks {
            let firstRow = values.count / vocabularySize
            let end = chunk.startPosition + chunk.tokens.count
            var context = FakeModel.emptyContext
            for position in 0..<end {
                let token = cache.slots[slot(position, chunk.blockTable, cache.blockSize)]
                if token < 0 { unwrittenReads.withLock { $0 += 1 } }
                context = FakeModel.extend(context, with: token)
                let wanted: Bool
                switch chunk.logits {
                case .none: wanted = false
                case .last: wanted = position == end - 1
                case .all: wanted = position >= chunk.startPosition
                }
                if wanted { values += FakeModel.logits(after: context, vocabularySize: vocabularySize) }
            }
            rowRanges.append(firstRow..<(values.count / vocabularySize))
        }
        return Logits(values: values, vocabularySize: vocabularySize, rowRanges: rowRanges)
    }

    private func slot(_ position: Int, _ blockTable: [Int32], _ blockSize: Int) -> Int {
        Int(blockTable[position / blockSize]) * blockSize + position % blockSize
    }

    static let emptyContext: UInt64 = 0x243F_6A88_85A3_08D3

    static func extend(_ context: UInt64, with token: Int32) -> UInt64 {
        mix(context ^ UInt64(bitPattern: Int64(token)))
    }

    /// Spread over [0, 8): sharp enough for seeded sampling to be interesting, with a clear argmax.
    static func logits(after context: UInt64, vocabularySize: Int) -> [Float] {
        (0..<vocabularySize).map { Float(mix(context &+ UInt64($0)) >> 40) / Float(1 << 24) * 8 }
    }

    /// The logits that follow `tokens`, computed directly.
    static func logits(after tokens: [Int32], vocabularySize: Int) -> [Float] {
        logits(after: tokens.reduce(emptyContext, extend), vocabularySize: vocabularySize)
    }

    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
