import Engine
import Kernels
import Model
import TestSupport
import Testing

/// The engine against transformers itself: every prompt position's logits within the golden file's
/// tolerance (1e-4 for short prompts; for long ones a bound tied to transformers' own float32 error
/// against a float64 forward), and the same greedy continuation; with the weights in either layout,
/// whichever this CPU prefers.
@Suite struct GoldenTests {
    @Test(arguments: Fixtures.goldenModels, [WeightLayout.rowMajor, .panels])
    func logitsAndGreedyTokensMatchTransformers(model: String, layout: WeightLayout) throws {
        let golden = try Fixtures.golden(model)
        let checkpoint = try Checkpoint(directory: golden.modelDirectory)
        let transformer = Transformer(weights: try ModelWeights(checkpoint: checkpoint, layout: layout))
        let vocabulary = checkpoint.config.vocabSize
        for goldenCase in golden.cases {
            let expected = try NumpyArray.load(contentsOfFile: goldenCase.logitsPath)
            #expect(expected.shape == [goldenCase.promptIds.count, vocabulary])
            let steps = goldenCase.greedyIds.count
            let cache = KVCache(
                config: checkpoint.config, blockSize: 16, blockCount: (goldenCase.promptIds.count + steps) / 16 + 1)
            let blockTable = (0..<Int32(cache.blockCount)).map { $0 }
            let logits = transformer.forward(
                ForwardBatch(chunks: [
                    SequenceChunk(tokens: goldenCase.promptIds, startPosition: 0, blockTable: blockTable, logits: .all)
                ]), cache: cache)
            var worst: Float = 0
            for position in 0..<goldenCase.promptIds.count {
                let row = logits.row(position)
                for token in 0..<vocabulary {
                    worst = max(worst, abs(row[token] - expected.values[position * vocabulary + token]))
                }
            }
            #expect(worst <= goldenCase.tolerance, "\(model) \(layout) \(goldenCase.name): max |Δlogit| \(worst)")

            var generated: [Int32] = [argmax(logits.row(goldenCase.promptIds.count - 1))]
            while generated.count < steps {
                let next = transformer.forward(
                    ForwardBatch(chunks: [
                        SequenceChunk(
                            tokens: [generated.last!], startPosition: goldenCase.promptIds.count + generated.count - 1,
                            blockTable: blockTable, logits: .last)
                    ]), cache: cache)
                generated.append(argmax(next.row(0)))
            }
            #expect(generated == goldenCase.greedyIds, "\(model) \(layout) \(goldenCase.name)")
        }
    }
}

func argmax(_ row: UnsafeBufferPointer<Float>) -> Int32 {
    var best = 0
    for index in 1..<row.count where row[index] > row[best] { best = index }
    return Int32(best)
}
