// Rotary position embeddings: the inverse frequencies of transformers' RoPE initialisers (default,
// linear, llama3), computed in float32 step by step as torch does, and the cos/sin tables of the
// positions in a batch. The rotation itself is `sk_rope` (rotate-half convention).

import Model

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public struct RotaryEmbedding: Sendable {
    /// One inverse frequency per pair of dimensions: head_dim / 2 values.
    public let inverseFrequencies: [Float]

    public init(config: ModelConfig) {
        let dimension = config.headDim
        let base = Float(config.ropeTheta)
        // `1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))`, all in float32.
        var frequencies = stride(from: 0, to: dimension, by: 2).map { index in
            1 / powf(base, Float(index) / Float(dimension))
        }
        switch config.ropeScaling {
        case .none:
            break
        case .linear(let factor):
            frequencies = frequencies.map { $0 / Float(factor) }
        case .llama3(let factor, let lowFrequencyFactor, let highFrequencyFactor, let originalMaxPositions):
            frequencies = Self.llama3(
                frequencies, factor: Float(factor), lowFrequencyFactor: Float(lowFrequencyFactor),
                highFrequencyFactor: Float(highFrequencyFactor), originalMaxPositions: Float(originalMaxPositions))
        }
        inverseFrequencies = frequencies
    }

    /// transformers' `_compute_llama3_parameters`: wavelengths longer than the original context over
    /// the low-frequency factor are divided by `factor`, shorter than over the high-frequency factor
    /// kept, and the band between interpolated.
    static func llama3(
        _ frequencies: [Float], factor: Float, lowFrequencyFactor: Float, highFrequencyFactor: Float,
        originalMaxPositions: Float
    ) -> [Float] {
        let lowFrequencyWavelength = originalMaxPositions / lowFrequencyFactor
        let highFrequencyWavelength = originalMaxPositions / highFrequencyFactor
        return frequencies.map { frequency in
            let wavelength = 2 * Float.pi / frequency
            let scaled = wavelength > lowFrequencyWavelength ? frequency / factor : frequency
            let isMedium = !(wavelength < highFrequencyWavelength) && !(wavelength > lowFrequencyWavelength)
            guard isMedium else { return scaled }
            let smooth =
                (originalMaxPositions / wavelength - lowFrequencyFactor) / (highFrequencyFactor - lowFrequencyFactor)
            return (1 - smooth) * scaled / factor + smooth * scaled
        }
    }

    /// Writes cos and sin of `position · inverse_frequency` (float32 product, as torch forms it) into
    /// `cosines` and `sines`, head_dim / 2 values each.
    public func fillTables(position: Int, cosines: UnsafeMutablePointer<Float>, sines: UnsafeMutablePointer<Float>) {
        let angleScale = Float(position)
        for (index, frequency) in inverseFrequencies.enumerated() {
            let angle = angleScale * frequency
            cosines[index] = cosf(angle)
            sines[index] = sinf(angle)
        }
    }
}
