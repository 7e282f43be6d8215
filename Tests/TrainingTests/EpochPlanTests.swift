import Testing
import Training

@Suite struct EpochPlanTests {
    /// Every epoch holds every sequence once, in an order of its own; micro-batches are numbered
    /// across epochs whatever each epoch's count.
    @Test func epochsAreSeededPermutationsNumberedAcrossEpochs() {
        let sequences = (0..<30).map { index in
            let length = 3 + index % 7
            return TrainingSequence(documents: [
                TrainingDocument(
                    tokens: (0..<length).map { _ in Int32(index) },
                    trainable: [false] + Array(repeating: true, count: length - 1))
            ])
        }
        var plan = EpochPlan(sequences, tokenBudget: 20, seed: 6)
        var index = 0
        var orders: [[Int32]] = []
        for epoch in 0..<3 {
            var order: [Int32] = []
            for offset in 0..<plan.size(ofEpoch: epoch) {
                #expect(plan.locate(index) == (epoch, offset))
                let batch = plan.microBatch(index)
                #expect(batch.tokenCount <= 20)
                order += batch.documents.map { batch.inputs[$0.lowerBound] }
                index += 1
            }
            #expect(order.sorted() == (0..<30).map { Int32($0) })
            orders.append(order)
        }
        #expect(orders[0] != orders[1] && orders[1] != orders[2])
        var again = EpochPlan(sequences, tokenBudget: 20, seed: 6)
        #expect(again.microBatch(index - 1) == plan.microBatch(index - 1))
    }
}
