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

    /// Logit-like rows for the comparisons below: a Zipf(1.5) row over a shuffled vocabulary (the shape
    /// of `spark-bench sampler`), an almost flat one, and one with ties and masked (-inf) tokens.
    static let rows: [[Float]] = {
        var random = SeededRandom(seed: 11)
        let zipf = (0..<20_000).map { -1.5 * Float(log(Double($0 + 1))) }.shuffled(using: &random)
        let flat = (0..<3_000).map { _ in Float(random.nextUnit()) }
        let masked = (0..<777).map { index in index % 7 == 3 ? -Float.infinity : Float(index % 13) / 4 }
        return [zipf, flat, masked]
    }()

    static let settings = [
        SamplingParameters(temperature: 1), SamplingParameters(temperature: 0.7),
        SamplingParameters(temperature: 1, topP: 0.9), SamplingParameters(temperature: 0.8, topP: 0.5),
        SamplingParameters(temperature: 1, topP: 0.999), SamplingParameters(temperature: 1, topK: 5),
        SamplingParameters(temperature: 1.2, topK: 50, topP: 0.9), SamplingParameters(temperature: 0),
    ]

    @Test(arguments: settings)
    func choicesAndLogprobsAreThoseOfThePlainSampler(settings: SamplingParameters) {
        for (rowIndex, row) in ([logits] + Self.rows).enumerated() {
            for seed: UInt64 in 0..<3 {
                var parameters = settings
                parameters.seed = seed
                parameters.topLogprobs = 3
                var sampler = Sampler(parameters: parameters)
                var reference = ReferenceSampler(parameters: parameters)
                row.withUnsafeBufferPointer { buffer in
                    for step in 0..<(row.count > 1000 ? 8 : 40) {
                        let choice = sampler.sample(buffer)
                        let expected = reference.sample(buffer)
                        let context = "row \(rowIndex) seed \(seed) step \(step)"
                        #expect(choice.token == expected.token, "\(context)")
                        #expect(abs(choice.logprob - expected.logprob) <= 1e-6, "\(context)")
                        #expect(choice.topLogprobs.map(\.token) == expected.topLogprobs.map(\.token), "\(context)")
                        for (alternative, plain) in zip(choice.topLogprobs, expected.topLogprobs) {
                            #expect(abs(alternative.logprob - plain.logprob) <= 1e-6, "\(context)")
                        }
                    }
                }
            }
        }
    }

    @Test func largestIsTheHeadOfTheRowSortedByValueThenIndex() {
        var rows = Self.rows
        rows.append((0..<20_000).map { Float($0) })  // ascending: the old window's worst case
        rows.append([Float](repeating: 2, count: 500))  // all equal
        rows.append((0..<300).map { $0 % 10 == 0 ? .nan : Float($0 % 17) })
        for row in rows {
            let sorted = row.indices.filter { !row[$0].isNaN }.sorted {
                row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1)
            }.map { Int32($0) }
            for count in [1, 2, 20, 50, 1000, row.count, row.count + 5] {
                let largest = row.withUnsafeBufferPointer { Sampler.largest($0, count: count) }
                #expect(largest == Array(sorted.prefix(count)), "row of \(row.count), count \(count)")
            }
        }
    }

    @Test func logSumExpMatchesTheDefinition() {
        for row in [logits] + Self.rows {
            let finite = row.filter(\.isFinite)
            let maximum = Double(finite.max()!)
            let exact = maximum + log(finite.reduce(0.0) { $0 + exp(Double($1) - maximum) })
            let value = row.withUnsafeBufferPointer { Sampler.logSumExp($0) }
            #expect(abs(Double(value) - exact) <= 1e-6)
        }
    }

    /// A model that breaks down (NaN or infinite logits) gets nonsense logprobs, but the sampler still
    /// returns a token of the vocabulary rather than trapping.
    @Test(arguments: settings)
    func nonFiniteRowsStillGiveATokenOfTheVocabulary(settings: SamplingParameters) {
        let rows: [[Float]] = [
            [Float](repeating: .nan, count: 40), [Float](repeating: -.infinity, count: 40),
            (0..<40).map { $0 == 17 ? .infinity : Float($0) }, (0..<40).map { $0 % 3 == 0 ? .nan : Float($0) },
        ]
        var parameters = settings
        parameters.seed = 5
        var sampler = Sampler(parameters: parameters)
        for row in rows {
            let choice = row.withUnsafeBufferPointer { sampler.sample($0) }
            #expect((0..<40).contains(choice.token))
        }
    }
}

/// The sampler as first written: scalar loops over the whole row with glibc's expf, sequential sums in
/// double, the top-p candidates sorted in full. The plain definition that `Sampler` must choose as.
struct ReferenceSampler {
    let parameters: SamplingParameters
    private var random: SeededRandom

    init(parameters: SamplingParameters) {
        self.parameters = parameters
        random = SeededRandom(seed: parameters.seed!)
    }

    mutating func sample(_ logits: UnsafeBufferPointer<Float>) -> (
        token: Int32, logprob: Float, topLogprobs: [TokenLogprob]
    ) {
        let logNormalizer = Self.logSumExp(logits)
        let token = parameters.isGreedy ? Self.argmax(logits) : draw(logits)
        let top =
            parameters.topLogprobs > 0
            ? Self.largest(logits, count: parameters.topLogprobs).map {
                TokenLogprob(token: $0, logprob: logits[Int($0)] - logNormalizer)
            } : []
        return (token, logits[Int(token)] - logNormalizer, top)
    }

    static func logSumExp(_ logits: UnsafeBufferPointer<Float>) -> Float {
        let maximum = logits.max() ?? 0
        var sum: Double = 0
        for value in logits { sum += Double(expf(value - maximum)) }
        return maximum + Float(log(sum))
    }

    static func argmax(_ logits: UnsafeBufferPointer<Float>) -> Int32 {
        var best = 0
        for index in 1..<logits.count where logits[index] > logits[best] { best = index }
        return Int32(best)
    }

    static func largest(_ logits: UnsafeBufferPointer<Float>, count: Int) -> [Int32] {
        let count = min(count, logits.count)
        var window: [Int32] = []
        for index in 0..<logits.count {
            let value = logits[index]
            if window.count == count, value <= logits[Int(window[count - 1])] { continue }
            var low = 0
            var high = window.count
            while low < high {
                let middle = (low + high) / 2
                if logits[Int(window[middle])] >= value { low = middle + 1 } else { high = middle }
            }
            window.insert(Int32(index), at: low)
            if window.count > count { window.removeLast() }
        }
        return window
    }

    private mutating func draw(_ logits: UnsafeBufferPointer<Float>) -> Int32 {
        let inverseTemperature = 1 / parameters.temperature
        var candidates: [Int32]
        if parameters.topK > 0 {
            candidates = Self.largest(logits, count: parameters.topK)
        } else if parameters.topP < 1 {
            let maximum = logits.max()! * inverseTemperature
            candidates = (0..<logits.count).filter { Float(logits[$0]) * inverseTemperature > maximum - 40 }.map {
                Int32($0)
            }
            candidates.sort { logits[Int($0)] > logits[Int($1)] || (logits[Int($0)] == logits[Int($1)] && $0 < $1) }
        } else {
            candidates = []
        }
        if candidates.isEmpty {
            return drawFromAll(logits, inverseTemperature: inverseTemperature)
        }
        let maximum = logits[Int(candidates[0])] * inverseTemperature
        var weights = candidates.map { Double(expf(logits[Int($0)] * inverseTemperature - maximum)) }
        var total = weights.reduce(0, +)
        if parameters.topP < 1 {
            var kept = 0
            var cumulative = 0.0
            while kept < weights.count, kept == 0 || cumulative < Double(parameters.topP) * total {
                cumulative += weights[kept]
                kept += 1
            }
            weights.removeLast(weights.count - kept)
            candidates.removeLast(candidates.count - kept)
            total = cumulative
        }
        var threshold = random.nextUnit() * total
        for (candidate, weight) in zip(candidates, weights) {
            threshold -= weight
            if threshold < 0 { return candidate }
        }
        return candidates[weights.count - 1]
    }

    private mutating func drawFromAll(_ logits: UnsafeBufferPointer<Float>, inverseTemperature: Float) -> Int32 {
        let maximum = logits.max()! * inverseTemperature
        var total = 0.0
        for value in logits { total += Double(expf(value * inverseTemperature - maximum)) }
        var threshold = random.nextUnit() * total
        for index in 0..<logits.count {
            threshold -= Double(expf(logits[index] * inverseTemperature - maximum))
            if threshold < 0 { return Int32(index) }
        }
        return Int32(logits.count - 1)
    }
}
