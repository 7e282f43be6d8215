import Engine
import Foundation
import Testing

@Suite struct SamplerTests {
    let logits: [Float] = [2.0, 1.0, 0.5, 3.0, -1.0, 3.0, 0.0, 1.5]

    /// log_softmax written out in Double.
    func logSoftmax(_ values: [Float]) -> [Double] {
        let maximum = Double(values.max()!)
        let total = values.reduce(0.0) { $0 + exp(Double($1) - maximum) }
        return values.map { Double($0) - maximum - log(total) }
    }

    func sample(_ parameters: SamplingParameters, _ logits: [Float], times: Int) -> [Int32: Int] {
        var sampler = Sampler(parameters: parameters)
        var counts: [Int32: Int] = [:]
        logits.withUnsafeBufferPointer { row in
            for _ in 0..<times { counts[sampler.sample(row).token, default: 0] += 1 }
        }
        return counts
    }

    @Test func greedyTakesTheFirstLargestAndReportsRawLogprobs() {
        var sampler = Sampler(parameters: SamplingParameters(temperature: 0, topLogprobs: 3))
        let choice = logits.withUnsafeBufferPointer { sampler.sample($0) }
        let reference = logSoftmax(logits)
        #expect(choice.token == 3)
        #expect(abs(Double(choice.logprob) - reference[3]) < 1e-6)
        #expect(choice.topLogprobs.map(\.token) == [3, 5, 0])
        for alternative in choice.topLogprobs {
            #expect(abs(Double(alternative.logprob) - reference[Int(alternative.token)]) < 1e-6)
        }
    }

    @Test func topLogprobsCanExceedTwentyAndCoverTheVocabulary() {
        let many = (0..<50).map { Float(($0 * 37) % 50) / 7 }
        var sampler = Sampler(parameters: SamplingParameters(temperature: 0, topLogprobs: 60))
        let choice = many.withUnsafeBufferPointer { sampler.sample($0) }
        #expect(choice.topLogprobs.count == 50)
        #expect(choice.topLogprobs.map(\.logprob) == choice.topLogprobs.map(\.logprob).sorted(by: >))
        let total = choice.topLogprobs.reduce(0.0) { $0 + exp(Double($1.logprob)) }
        #expect(abs(total - 1) < 1e-5)
    }

    @Test func temperatureSamplingFollowsTheSoftmax() {
        let temperature: Float = 0.7
        let counts = sample(SamplingParameters(temperature: temperature, seed: 1), logits, times: 40_000)
        let probabilities = logSoftmax(logits.map { $0 / temperature }).map { exp($0) }
        for (token, probability) in probabilities.enumerated() {
            let observed = Double(counts[Int32(token), default: 0]) / 40_000
            // Five standard deviations of a binomial proportion.
            let sigma = (probability * (1 - probability) / 40_000).squareRoot()
            #expect(abs(observed - probability) <= 5 * sigma + 1e-4, "token \(token): \(observed) vs \(probability)")
        }
    }

    @Test func topKKeepsOnlyTheKMostLikely() {
        let counts = sample(SamplingParameters(temperature: 1, topK: 3, seed: 2), logits, times: 5_000)
        #expect(Set(counts.keys) == [3, 5, 0])
    }

    @Test func topPKeepsTheSmallestSetReachingP() {
        // Softmax of `logits`: tokens 3 and 5 hold 0.339 each, token 0 0.125, token 7 0.076, ...
        // top_p 0.7: 3 and 5 together hold 0.678 < 0.7, so token 0 is kept too; nothing else.
        let probabilities = logSoftmax(logits).map { exp($0) }
        #expect(
            probabilities[3] + probabilities[5] < 0.7 && probabilities[3] + probabilities[5] + probabilities[0] > 0.7)
        let counts = sample(SamplingParameters(temperature: 1, topP: 0.7, seed: 3), logits, times: 5_000)
        #expect(Set(counts.keys) == [3, 5, 0])
        // A top_p below the largest probability keeps one of the two tied leaders... the first.
        let narrow = sample(SamplingParameters(temperature: 1, topP: 0.1, seed: 4), logits, times: 200)
        #expect(Set(narrow.keys) == [3])
    }

    @Test func aSeedFixesTheStream() {
        let row = (0..<1000).map { Float(sin(Double($0))) }
        func draw(seed: UInt64) -> [Int32] {
            var sampler = Sampler(parameters: SamplingParameters(temperature: 1, topP: 0.9, seed: seed))
            return row.withUnsafeBufferPointer { buffer in (0..<50).map { _ in sampler.sample(buffer).token } }
        }
        #expect(draw(seed: 42) == draw(seed: 42))
        #expect(draw(seed: 42) != draw(seed: 43))
    }

    /// The first outputs of xoshiro256** seeded by SplitMix64(0), as the reference C code gives them.
    @Test func seededRandomMatchesTheReferenceGenerator() {
        var random = SeededRandom(seed: 0)
        #expect(random.next() == 0x99EC_5F36_CB75_F2B4)
    }
}
