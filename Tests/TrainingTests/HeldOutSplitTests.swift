import Testing
import Training

@Suite struct HeldOutSplitTests {
    @Test func aSeededPartition() {
        let items = Array(0..<40)
        let (training, evaluation) = HeldOutSplit.split(items, fraction: 0.1, seed: 4)
        #expect(evaluation.count == 4)
        #expect((training + evaluation).sorted() == items)
        #expect(HeldOutSplit.split(items, fraction: 0.1, seed: 4).evaluation == evaluation)
        #expect(HeldOutSplit.split(items, fraction: 0.1, seed: 5).evaluation != evaluation)
        #expect(HeldOutSplit.split([7, 8], fraction: 0.01, seed: 0).evaluation.count == 1)
        #expect(HeldOutSplit.split([7], fraction: 0.5, seed: 0).evaluation.isEmpty)
        #expect(HeldOutSplit.split(items, fraction: 0, seed: 0).training.count == 40)
    }
}
