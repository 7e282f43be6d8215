// A stand-in reward model for route tests: after the prompt's "<|im_start|>assistant\n" it writes a
// fixed reply chosen by what the prompt contains, token by token, then EOS. At verdict words it
// leaves a known share of probability to the other verdict, so verdict probabilities are exact:
// " correct" gets 3/4 of {correct, incorrect}, " incorrect" 4/5, " Yes" 9/10 of {Yes, No}, " No" 4/5.

import Engine
import Foundation
import Model
import Scheduler
import Synchronization

final class ScriptedModel: ModelRunner, Sendable {
    final class Cache {
        let blockSize: Int
        var slots: [Int32]

        init(blockSize: Int, blockCount: Int) {
            self.blockSize = blockSize
            slots = Array(repeating: -1, count: blockSize * blockCount)
        }
    }

    let tokenizer: Tokenizer
    let vocabularySize: Int
    let contextLength = 32_768
    let endOfSequence: Int32
    /// (text the prompt contains, reply); the first match wins, the last entry should match anything.
    let replies: [(String, [Int32])]
    /// Time each forward pass takes, to give requests a duration that deadlines can cut.
    let forwardDelay: Duration
    /// The longest forward pass so far, in seconds: one engine iteration at worst.
    var longestForward: Double { longest.withLock { $0 } }
    private let longest = Mutex(0.0)
    /// Tokens fed to forward passes so far: whether the model ran, counted before any answer goes out.
    var tokensFed: Int { fed.withLock { $0 } }
    private let fed = Mutex(0)
    private let marker: [Int32]
    /// Runner-up logits at verdict tokens: the verdict token gets 20, its rival 20 − ln(odds).
    private let rivals: [Int32: (Int32, Float)]

    init(tokenizer: Tokenizer, replies: [(String, String)], forwardDelay: Duration = .zero) {
        self.tokenizer = tokenizer
        self.forwardDelay = forwardDelay
        vocabularySize = tokenizer.vocabularySize
        endOfSequence = tokenizer.id(of: "<|im_end|>")!
        self.replies = replies.map { ($0.0, tokenizer.encode($0.1)) }
        marker = tokenizer.encode("<|im_start|>assistant\n")
        let id = { (word: String) in tokenizer.encode(word)[0] }
        rivals = [
            id(" correct"): (id(" incorrect"), log(3)), id(" incorrect"): (id(" correct"), log(4)),
            id(" Yes"): (id(" No"), log(9)), id(" No"): (id(" Yes"), log(4)),
            id("Yes"): (id("No"), log(9)), id("No"): (id("Yes"), log(4)),
        ]
    }

    func makeCache(blockSize: Int, blockCount: Int) -> Cache { Cache(blockSize: blockSize, blockCount: blockCount) }

    func forward(_ batch: ForwardBatch, cache: Cache) -> Logits {
        let started = ContinuousClock.now
        defer {
            let (seconds, attoseconds) = (ContinuousClock.now - started).components
            longest.withLock { $0 = max($0, Double(seconds) + Double(attoseconds) * 1e-18) }
        }
        if forwardDelay > .zero {
            let (seconds, attoseconds) = forwardDelay.components
            Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) * 1e-18)
        }
        fed.withLock { $0 += batch.chunks.reduce(0) { $0 + $1.tokens.count } }
        for chunk in batch.chunks {
            for (offset, token) in chunk.tokens.enumerated() {
                cache.slots[slot(chunk.startPosition + offset, chunk.blockTable, cache.blockSize)] = token
            }
        }
        var values: [Float] = []
        var rowRanges: [Range<Int>] = []
        for chunk in batch.chunks {
            let firstRow = values.count / vocabularySize
            let end = chunk.startPosition + chunk.tokens.count
            let positions: Range<Int> =
                switch chunk.logits {
                case .none: end..<end
                case .last: (end - 1)..<end
                case .all: chunk.startPosition..<end
                }
            let tokens = (0..<end).map { cache.slots[slot($0, chunk.blockTable, cache.blockSize)] }
            for position in positions { values += row(next: nextToken(Array(tokens[...position]))) }
            rowRanges.append(firstRow..<(values.count / vocabularySize))
        }
        return Logits(values: values, vocabularySize: vocabularySize, rowRanges: rowRanges)
    }

    private func nextToken(_ tokens: [Int32]) -> Int32 {
        guard let start = lastIndex(of: marker, in: tokens) else { return endOfSequence }
        let prompt = tokenizer.decode(Array(tokens[..<start]))
        let written = tokens.count - start - marker.count
        // An empty key matches any prompt (Foundation's `contains("")` is false).
        let reply = replies.first { $0.0.isEmpty || prompt.contains($0.0) }?.1 ?? []
        return written < reply.count ? reply[written] : endOfSequence
    }

    private func row(next token: Int32) -> [Float] {
        var row = [Float](repeating: 0, count: vocabularySize)
        row[Int(token)] = 20
        if let (rival, odds) = rivals[token] { row[Int(rival)] = 20 - odds }
        return row
    }

    private func lastIndex(of pattern: [Int32], in tokens: [Int32]) -> Int? {
        guard tokens.count >= pattern.count else { return nil }
        for start in stride(from: tokens.count - pattern.count, through: 0, by: -1)
        where tokens[start..<(start + pattern.count)].elementsEqual(pattern) {
            return start
        }
        return nil
    }

    private func slot(_ position: Int, _ blockTable: [Int32], _ blockSize: Int) -> Int {
        Int(blockTable[position / blockSize]) * blockSize + position % blockSize
    }
}
