import Engine
import Model
import TestSupport
import Testing

/// A sequence's logits and greedy tokens must not depend on what else is in the batch: alone, or
/// among 8 prompts of mixed lengths that are at different stages of prefill and decode.
@Suite struct BatchInvarianceTests {
    struct Sequence {
        var prompt: [Int32]
        var generated: [Int32] = []
        var computed = 0
        var startStep: Int
        var blockTable: [Int32]
        var logitsByPosition: [Int: [Float]] = [:]
    }

    @Test(arguments: ["qwen2-gqa-tied", "llama-gqa", "qwen2-gqa-tied-bf16"])
    func logitsDoNotDependOnTheBatch(model: String) throws {
        let checkpoint = try Checkpoint(directory: Fixtures.model(model))
        let config = checkpoint.config
        let transformer = Transformer(weights: try ModelWeights(checkpoint: checkpoint))
        let decodeSteps = 12
        var random = SeededRandom(seed: 7)
        let promptLengths = [37, 5, 64, 1, 20, 48, 9, 30]
        let blockSize = 4
        var sequences: [Sequence] = []
        var nextBlock: Int32 = 0
        for (index, length) in promptLengths.enumerated() {
            let prompt = (0..<length).map { _ in Int32(random.next() % UInt64(config.vocabSize - 10)) }
            let blocks = (length + decodeSteps + blockSize - 1) / blockSize
            sequences.append(
                Sequence(
                    prompt: prompt, startStep: index % 3, blockTable: (0..<Int32(blocks)).map { $0 + nextBlock }))
            nextBlock += Int32(blocks)
        }
        let cache = KVCache(config: config, blockSize: blockSize, blockCount: Int(nextBlock))

        // Mixed schedule: prefill in random chunk sizes, decode one token per step once prefilled.
        var step = 0
        while sequences.contains(where: { $0.generated.count < decodeSteps }) {
            var chunks: [SequenceChunk] = []
            var members: [Int] = []
            for (index, sequence) in sequences.enumerated()
            where step >= sequence.startStep && sequence.generated.count < decodeSteps {
                let all = sequence.prompt + sequence.generated
                let remainingPrompt = sequence.prompt.count - sequence.computed
                let take = remainingPrompt > 0 ? 1 + Int(random.next() % UInt64(remainingPrompt)) : 1
                let tokens = Array(all[sequence.computed..<(sequence.computed + take)])
                chunks.append(
                    SequenceChunk(
                        tokens: tokens, startPosition: sequence.computed, blockTable: sequence.blockTable, logits: .all)
                )
                members.append(index)
            }
            let logits = transformer.forward(ForwardBatch(chunks: chunks), cache: cache)
            for (chunkIndex, index) in members.enumerated() {
                let rows = logits.rowRanges[chunkIndex]
                for (offset, row) in rows.enumerated() {
                    sequences[index].logitsByPosition[sequences[index].computed + offset] = Array(logits.row(row))
                }
                sequences[index].computed += rows.count
                if sequences[index].computed >= sequences[index].prompt.count {
                    sequences[index].generated.append(argmax(logits.row(rows.upperBound - 1)))
                }
            }
            step += 1
        }

        for sequence in sequences {
            // The same sequence alone: whole prompt in one chunk, then one token per step.
            let soloCache = KVCache(config: config, blockSize: blockSize, blockCount: sequence.blockTable.count)
            let table = (0..<Int32(sequence.blockTable.count)).map { $0 }
            var solo = transformer.forward(
                ForwardBatch(chunks: [
                    SequenceChunk(tokens: sequence.prompt, startPosition: 0, blockTable: table, logits: .all)
                ]),
                cache: soloCache)
            var worst: Float = 0
            for position in 0..<sequence.prompt.count {
                worst = max(worst, maxDifference(Array(solo.row(position)), sequence.logitsByPosition[position]!))
            }
            var generated = [argmax(solo.row(sequence.prompt.count - 1))]
            while generated.count < decodeSteps {
                let position = sequence.prompt.count + generated.count - 1
                solo = transformer.forward(
                    ForwardBatch(chunks: [
                        SequenceChunk(
                            tokens: [generated.last!], startPosition: position, blockTable: table, logits: .last)
                    ]),
                    cache: soloCache)
                worst = max(worst, maxDifference(Array(solo.row(0)), sequence.logitsByPosition[position]!))
                generated.append(argmax(solo.row(0)))
            }
            // Bitwise: every kernel reduces each output the same way whatever else is in the batch.
            #expect(worst == 0, "\(model): prompt of \(sequence.prompt.count) differs by \(worst)")
            #expect(generated == sequence.generated)
        }
    }
}
