// The settings of a Stage I run; the defaults are SPARK's (spark-paper.md §2.2, §2.4, §2.8).

public struct Sampling: Sendable, Equatable {
    public var temperature: Double
    public var topP: Double
    public var maxTokens: Int

    public init(temperature: Double, topP: Double, maxTokens: Int) {
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
    }
}

public struct StageOneConfiguration: Sendable {
    /// M, solutions per problem (paper: 8).
    public var solutionsPerProblem = 8
    /// N, verifications per solution (paper: 16); also the reference-guided verifications.
    public var verificationsPerSolution = 16
    public var methods: [SynthesisMethod] = SynthesisMethod.allCases
    /// Seeds every call (and, in the command, the world's problems).
    public var seed: UInt64 = 0
    public var generatorSampling = Sampling(temperature: 0.7, topP: 0.95, maxTokens: 4096)
    public var verifierSampling = Sampling(temperature: 0.8, topP: 0.95, maxTokens: 4096)
    /// Critique and merge are greedy in the release.
    public var critiqueSampling = Sampling(temperature: 0, topP: 0.95, maxTokens: 4096)
    /// Whether every other solution's ORM, PRM and PRM-CoT rows show it as `/v1/verify` lays out a list
    /// of steps (`Step k:` paragraphs, no answer line) rather than as the policy wrote it, so that a reward
    /// model trained on them reads both ways the server shows it a solution. Off in the release, whose
    /// rows carry the policy's text; a small model trained on one layout misreads the other
    /// (docs/recipe-notebook.md).
    public var stepListRows = false
    public var outputDirectory: String

    public init(outputDirectory: String) { self.outputDirectory = outputDirectory }

    func validated() throws(SynthesisError) -> StageOneConfiguration {
        guard solutionsPerProblem >= 1 else { throw .configuration("solutions per problem must be 1 or more") }
        guard verificationsPerSolution >= 1 else {
            throw .configuration("verifications per solution must be 1 or more")
        }
        guard !methods.isEmpty else { throw .configuration("no method chosen") }
        guard Set(methods).count == methods.count else { throw .configuration("a method is named twice") }
        for sampling in [generatorSampling, verifierSampling, critiqueSampling] where sampling.maxTokens < 1 {
            throw .configuration("max tokens must be 1 or more")
        }
        return self
    }
}
