// Whether a verifier read the solutions it graded: how many of its replies quote every step word for
// word, as the recipe's verifications do, and in how many erroneous records the first wrong step is
// quoted as written. A verifier that solves the problem again while it quotes writes the right value
// at the wrong step, and then has nothing to flag.

public struct VerificationReading: Sendable, Equatable {
    public private(set) var replies = 0
    public private(set) var quotedEveryStep = 0
    public private(set) var erroneous = 0
    public private(set) var quotedFirstError = 0

    public init() {}

    /// Counts `reply`, a verification of `steps` whose first wrong step is `firstError` (-1: none).
    public mutating func add(reply: String, steps: [String], firstError: Int) {
        let quoted = VerificationWriter.quotedSteps(in: reply)
        replies += 1
        if quoted == steps { quotedEveryStep += 1 }
        guard firstError >= 0 else { return }
        erroneous += 1
        if quoted.indices.contains(firstError), quoted[firstError] == steps[firstError] { quotedFirstError += 1 }
    }
}
