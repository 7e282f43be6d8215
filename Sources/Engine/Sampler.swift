// Picks the next token from a row of logits: greedy, or temperature sampling restricted by top-k then
// top-p (the order of transformers' logits warpers and vLLM), from the sequence's own seeded stream.
// Also reports log-probabilities, taken from the model's raw distribution (log_softmax of the logits,
// before temperature and filtering), as vLLM does by default: they are what RL importance ratios use.
//
// The passes over the whole row (maximum, Σ exp, the walk of a draw, candidate selection) are the
// vectorised kernels of CKernels/sampling.c, whose exp gives the bits of glibc's expf; Swift handles
// only the ranked candidates of top-k and top-p, with expf. So the choices are those of the plain
// scalar sampler (ReferenceSampler in SamplerTests): greedy and top-k exactly; temperature and top-p
// unless the draw, or the top-p mass, falls within the rounding of double sums taken in another order
// (1e-16 relative) of the boundary between two tokens; for top-p the total also counts the tokens
// more than 40 nats below the best, which the plain sampler leaves out: at most n·e^-40, 6e-13 of it.
// Compared with it over 205,200 draws at Qwen's vocabulary (Zipf, uniform and Gaussian rows; greedy,
// three temperatures, top-p, top-k), every token, logprob and top-logprob set came out the same.

import CKernels

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public struct TokenLogprob: Sendable, Equatable {
    public var token: Int32
    public var logprob: Float

    public init(token: Int32, logprob: Float) {
        self.token = token
        self.logprob = logprob
    }
}

public struct SampledToken: Sendable, Equatable {
    public var token: Int32
    public var logprob: Float
    /// The `topLogprobs` most likely tokens, most likely first (ties: lower id first).
    public var topLogprobs: [TokenLogprob]

    public init(token: Int32, logprob: Float, topLogprobs: [TokenLogprob]) {
        self.token = token
        self.logprob = logprob
        self.topLogprobs = topLogprobs
    }
}

public struct Sampler: Sendable {
    public let parameters: SamplingParameters
    private var random: SeededRandom

    /// Size of the first ranked prefix that top-p looks for its set in: enough for a confident step,
    /// and cheap to rank. Each miss multiplies it by 4, so the misses cost under a third of the
    /// ranking that succeeds.
    static let topPFirstCandidates = 64

    public init(parameters: SamplingParameters) {
        self.parameters = parameters
        var system = SystemRandomNumberGenerator()
        random = SeededRandom(seed: parameters.seed ?? system.next())
    }

    public mutating func sample(_ logits: UnsafeBufferPointer<Float>) -> SampledToken {
        let greedy = parameters.isGreedy ? Self.argmax(logits) : nil
        let maximum = greedy.map { logits[Int($0)] } ?? Self.maximum(logits)
        let mass = sk_exp_sum(logits.baseAddress, logits.count, 1, maximum)
        let logNormalizer = maximum + Float(log(mass))
        let token = greedy ?? draw(logits, maximum: maximum, mass: mass)
        let top =
            parameters.topLogprobs > 0
            ? Self.largest(logits, count: parameters.topLogprobs).map {
                TokenLogprob(token: $0, logprob: logits[Int($0)] - logNormalizer)
            } : []
        return SampledToken(token: token, logprob: logits[Int(token)] - logNormalizer, topLogprobs: top)
    }

    /// The largest value, NaN skipped.
    static func maximum(_ logits: UnsafeBufferPointer<Float>) -> Float {
        sk_max(logits.baseAddress, logits.count)
    }

    /// log Σ exp(logits), with the maximum factored out.
    public static func logSumExp(_ logits: UnsafeBufferPointer<Float>) -> Float {
        let maximum = maximum(logits)
        return maximum + Float(log(sk_exp_sum(logits.baseAddress, logits.count, 1, maximum)))
    }

    /// The first index of the largest value (torch.argmax breaks ties the same way); NaN skipped.
    public static func argmax(_ logits: UnsafeBufferPointer<Float>) -> Int32 {
        Int32(sk_argmax(logits.baseAddress, logits.count))
    }

    /// Indices of the `count` largest values, largest first, lower index first among equals; NaN
    /// values are left out.
    public static func largest(_ logits: UnsafeBufferPointer<Float>, count: Int) -> [Int32] {
        let count = min(count, logits.count)
        guard count > 0, let base = logits.baseAddress else { return [] }
        // Cut the row into 4 · count blocks and take the count-th largest of their maxima: at least
        // `count` values reach it (those maxima), so the `count` largest values are among the values
        // ≥ it. Only those are sorted: about 1.15 · count of them for logits in no particular order,
        // the whole row at worst (all equal), so never more than n log n.
        let blockCount = min(4 * count, logits.count)
        var maxima = (0..<blockCount).map { block in
            let start = block * logits.count / blockCount
            return sk_max(base + start, (block + 1) * logits.count / blockCount - start)
        }
        let threshold = maxima.withUnsafeMutableBufferPointer { Self.value(ofRank: count - 1, in: $0) }
        var found = 0
        var selected = [Int32](unsafeUninitializedCapacity: 4 * count + 64) { buffer, initialized in
            found = sk_select_at_least(base, logits.count, threshold, buffer.baseAddress, buffer.count)
            initialized = min(found, buffer.count)
        }
        if found > selected.count {
            selected = [Int32](unsafeUninitializedCapacity: found) { buffer, initialized in
                initialized = sk_select_at_least(base, logits.count, threshold, buffer.baseAddress, buffer.count)
            }
        }
        selected.withUnsafeMutableBufferPointer { indices in
            indices.sort { logits[Int($0)] > logits[Int($1)] || (logits[Int($0)] == logits[Int($1)] && $0 < $1) }
        }
        return Array(selected.prefix(count))
    }

    /// The value of rank `rank` among `values` (0: the largest), which it reorders: Hoare's selection,
    /// linear on average, where sorting the 4000 block maxima of 1000 top logprobs took 40 µs.
    static func value(ofRank rank: Int, in values: UnsafeMutableBufferPointer<Float>) -> Float {
        var low = 0
        var high = values.count - 1
        while low < high {
            // Partition low...high around the middle value: larger ones first, equal ones either side.
            let pivot = values[(low + high) / 2]
            var i = low
            var j = high
            while i <= j {
                while values[i] > pivot { i += 1 }
                while values[j] < pivot { j -= 1 }
                if i <= j {
                    values.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if rank <= j {
                high = j
            } else if rank >= i {
                low = i
            } else {
                break  // j < rank < i: values[rank] equals the pivot
            }
        }
        return values[rank]
    }

    /// Draws by temperature, top-k then top-p. `mass` is Σ exp(logit − maximum), computed for the
    /// logprobs; at temperature 1 it is also the total weight of the draw.
    private mutating func draw(_ logits: UnsafeBufferPointer<Float>, maximum: Float, mass: Double) -> Int32 {
        let inverseTemperature = 1 / parameters.temperature
        let ranked = parameters.topK > 0 ? Self.largest(logits, count: parameters.topK)[...] : []
        if !ranked.isEmpty {
            let weights = Self.weights(of: ranked, logits, inverseTemperature: inverseTemperature)
            let kept = parameters.topP < 1 ? topPCount(weights, total: weights.reduce(0, +)) : nil
            return walk(ranked, weights, kept: kept ?? weights.count)
        }
        let scaledMaximum = maximum * inverseTemperature
        let total =
            inverseTemperature == 1
            ? mass : sk_exp_sum(logits.baseAddress, logits.count, inverseTemperature, scaledMaximum)
        if parameters.topP < 1 {
            // The top-p set is a prefix of the tokens ranked by logit, so it is looked for in the
            // `count` best, for a growing count, rather than in the whole row sorted. Tokens more than
            // 40 nats (in scaled logits) below the best hold under e^-40 of the mass each; leaving them
            // out changes no top-p cut-off that can be represented.
            var count = Self.topPFirstCandidates
            while true {
                let ranked = Self.largest(logits, count: count)
                let candidates = ranked.prefix { logits[Int($0)] * inverseTemperature > scaledMaximum - 40 }
                guard !candidates.isEmpty else { break }  // no finite maximum: every weight is NaN
                let weights = Self.weights(of: candidates, logits, inverseTemperature: inverseTemperature)
                if let kept = topPCount(weights, total: total) { return walk(candidates, weights, kept: kept) }
                if candidates.count < ranked.count || ranked.count == logits.count {
                    return walk(candidates, weights, kept: weights.count)
                }
                count *= 4
            }
        }
        let index = sk_exp_walk(
            logits.baseAddress, logits.count, inverseTemperature, scaledMaximum, random.nextUnit() * total)
        // Rounding can leave the draw a sliver past the last weight; the last token takes it.
        return Int32(min(index, logits.count - 1))
    }

    /// exp(logit / temperature − the first candidate's), in double, for candidates most likely first.
    private static func weights(
        of candidates: ArraySlice<Int32>, _ logits: UnsafeBufferPointer<Float>, inverseTemperature: Float
    ) -> [Double] {
        let maximum = logits[Int(candidates.first!)] * inverseTemperature
        return candidates.map { Double(expf(logits[Int($0)] * inverseTemperature - maximum)) }
    }

    /// How many of the ranked `weights` top-p keeps: a token is kept while the mass before it is below
    /// top_p of `total` (at least one). Nil if the mass of all of them stays below.
    private func topPCount(_ weights: [Double], total: Double) -> Int? {
        var kept = 0
        var cumulative = 0.0
        while kept < weights.count, kept == 0 || cumulative < Double(parameters.topP) * total {
            cumulative += weights[kept]
            kept += 1
        }
        return cumulative < Double(parameters.topP) * total ? nil : kept
    }

    /// Draws one of the first `kept` candidates in proportion to its weight.
    private mutating func walk(_ candidates: ArraySlice<Int32>, _ weights: [Double], kept: Int) -> Int32 {
        var threshold = random.nextUnit() * weights[..<kept].reduce(0, +)
        for (candidate, weight) in zip(candidates, weights[..<kept]) {
            threshold -= weight
            if threshold < 0 { return candidate }
        }
        return candidates[candidates.startIndex + kept - 1]
    }
}
