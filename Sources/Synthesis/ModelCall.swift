// One call to a language model in Stage I: a single user message (no system message, as the release
// sends it) with its sampling, and the seed that makes its reply reproducible.

public struct ModelCall: Sendable, Equatable {
    public let prompt: String
    public let temperature: Double
    public let topP: Double
    public let maxTokens: Int
    /// Derived from the run's seed and the call's place in the run (`seed(run:place:)`), so a call gets the
    /// same seed whatever else runs, and in whatever order.
    public let seed: UInt64

    public init(prompt: String, temperature: Double, topP: Double, maxTokens: Int, seed: UInt64) {
        self.prompt = prompt
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.seed = seed
    }

    /// A 63-bit seed for the call at `place` ("verify/3/1/7") of a run seeded `run`; 63 bits because
    /// OpenAI-compatible servers read `seed` as a signed 64-bit integer.
    public static func seed(run: UInt64, place: String) -> UInt64 {
        fingerprint64(Array(place.utf8), basis: run) >> 1
    }

    /// What the journal files the reply under: every input that decides it, including the model.
    func fingerprint(model: String) -> String {
        let text = [model, prompt, "\(temperature)", "\(topP)", "\(maxTokens)", "\(seed)"].joined(separator: "\u{0}")
        let value = Self.fingerprint64(Array(text.utf8), basis: 0)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex + "-\(text.utf8.count)"
    }

    /// FNV-1a over `bytes`, its offset basis mixed with `basis`: stable across runs and platforms, unlike
    /// Swift's `Hasher`.
    private static func fingerprint64(_ bytes: [UInt8], basis: UInt64) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325 ^ (basis &* 0x9E37_79B9_7F4A_7C15)
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }
}
