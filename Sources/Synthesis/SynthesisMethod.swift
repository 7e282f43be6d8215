// The ways Stage I turns verifications into training labels (SPARK-FORMATS.md §2).

public enum SynthesisMethod: String, Sendable, CaseIterable {
    /// One verification, as it is.
    case single
    /// Majority of the N final verdicts; the target is a verification with that verdict.
    case outcome
    /// Majority per step over the N verifications; the target carries the voted labels.
    case step
    /// A greedy critique of the single verification, merged with it.
    case critique
    /// A greedy critique of the outcome-level pick, merged with it.
    case critiqueOutcome = "critique-outcome"
    /// Step-level majority over N verifications that were shown the expected answer (the "ceiling").
    case reference

    /// Whether the method reads the N independent verifications (rather than only the first).
    var needsAllVerifications: Bool { self == .outcome || self == .step || self == .critiqueOutcome }
}
