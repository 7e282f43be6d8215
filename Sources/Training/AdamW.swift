// AdamW (Loshchilov and Hutter) as torch.optim.AdamW computes it, step for step in float32:
//
//     θ ← θ · (1 − lr · λ)                         decoupled weight decay, where it applies
//     m ← m + (1 − β₁) · (g − m)                   (torch's lerp)
//     v ← β₂ · v + (1 − β₂) · g²
//     θ ← θ − lr / (1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
//
// Weight decay applies to the matrices of the decoder and to an untied lm_head; not to norm weights,
// biases or the embedding, unless `decayEmbedding` says so (the usual exclusions of LLM training
// recipes: decaying a norm's gain or a rarely seen token's embedding towards zero only hurts).
// AdamWTests holds it to torch's numbers.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public struct AdamWSettings: Sendable, Equatable {
    // Doubles, as torch holds them: derived constants such as 1 − β₁ are formed in double and then
    // rounded to float32 once.
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var weightDecay: Double
    public var decayEmbedding = false

    public init(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }
}

public final class AdamW {
    public let settings: AdamWSettings
    /// First and second moments, shaped like the parameters.
    public let firstMoment: ModelParameters
    public let secondMoment: ModelParameters
    /// Updates taken so far.
    public private(set) var stepCount = 0

    public init(for parameters: ModelParameters, settings: AdamWSettings) {
        self.settings = settings
        firstMoment = .zeros(like: parameters)
        secondMoment = .zeros(like: parameters)
    }

    /// Whether `tensor` is decayed under these settings.
    public func decays(_ tensor: ParameterTensor) -> Bool {
        if tensor.name == "model.embed_tokens.weight" { return settings.decayEmbedding }
        return tensor.shape.count == 2
    }

    /// One update of `parameters` from `gradients` at `learningRate`.
    public func update(_ parameters: ModelParameters, gradients: ModelParameters, learningRate: Double) {
        stepCount += 1
        let s = settings
        let step = Double(stepCount)
        let stepSize = Float(learningRate / (1 - pow(s.beta1, step)))
        let correctionRoot = Float((1 - pow(s.beta2, step)).squareRoot())
        let (firstWeight, secondDecay, secondWeight) = (Float(1 - s.beta1), Float(s.beta2), Float(1 - s.beta2))
        let epsilon = Float(s.epsilon)
        for (index, tensor) in parameters.all.enumerated() {
            let theta = tensor.pointer
            let g = gradients.all[index].pointer
            let m = firstMoment.all[index].pointer
            let v = secondMoment.all[index].pointer
            if decays(tensor) && s.weightDecay != 0 {
                let keep = Float(1 - learningRate * s.weightDecay)
                for i in 0..<tensor.count { theta[i] *= keep }
            }
            for i in 0..<tensor.count {
                m[i] += firstWeight * (g[i] - m[i])
                v[i] = v[i] * secondDecay + secondWeight * (g[i] * g[i])
                let denominator = v[i].squareRoot() / correctionRoot + epsilon
                theta[i] -= stepSize * (m[i] / denominator)
            }
        }
    }

    /// Restores the moments and step count of a saved optimiser (resuming a run).
    public func restore(firstMoment first: ModelParameters, secondMoment second: ModelParameters, stepCount: Int) {
        firstMoment.copy(from: first)
        secondMoment.copy(from: second)
        self.stepCount = stepCount
    }
}
