// Picks the next token from a row of logits: greedy, or temperature sampling restricted by top-k then
// top-p (the order of transformers' logits warpers and vLLM), from the sequence's own seeded stream.
// Also reports log-probabilities, taken from the model's raw distribution (log_softmax of the logits,
// before temperature and filtering), as vLLM does by default: they are what RL importance ratios use.

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

    public init(parameters: SamplingParameters) {
        self.parameters = parameters
        var system = SystemRandomNumberGenerator()
        random = SeededRandom(seed: parameters.seed ?? system.next())
    }

    public mutating func sample(_ logits: UnsafeBufferPointer<Float>) -> SampledToken {
        let logNormalizer = Self.logSumExp(logits)
        let token = parameters.isGreedy ? Self.argmax(logits) : draw(logits)
        let top =
            parameters.topLogprobs > 0
            ? Self.largest(logits, count: parameters.topLogprobs).map {
                TokenLogprob(token: $0, logprob: logits[Int($0)] - logNormalizer)
            } : []
        return SampledToken(token: token, logprob: logits[Int(token)] - logNormalizer, topLogprobs: top)
    }

    /// log Σ exp(logits), with the maximum factored out.
    public static func logSumExp(_ logits: UnsafeBufferPointer<Float>) -> Float {
        let maximum = logits.max() ?? 0
        var sum: Double = 0
        for value in logits { sum += Double(expf(value - maximum)) }
        return maximum + Float(log(sum))
    }

    /// The first index of the largest value (torch.argmax breaks ties the same way).
    public static func argmax(_ logits: UnsafeBufferPointer<Float>) -> Int32 {
        var best = 0
        for index in 1..<logits.count where logits[index] > logits[best] { best = index }
        return Int32(best)
    }

    /// Indices of the `count` largest values, largest first, lower index first among equals.
    public static func largest(_ logits: UnsafeBufferPointer<Float>, count: Int) -> [Int32] {
        let count = min(count, logits.count)
        // A sorted window of the best so far: a fine choice for the small counts requests use, and
        // for large ones the insertion cost is paid only by values that beat the window's minimum.
        var window: [Int32] = []
        window.reserveCapacity(count + 1)
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
            // Tokens more than 40 nats (in scaled logits) below the best hold under e^-40 of the
            // mass each; leaving them out changes no top-p cut-off that can be represented.
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
            // Keep a token while the probability mass before it is below top_p (at least one).
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
