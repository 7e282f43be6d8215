// Errors of the reward computations: a request that does not fit the chosen design.

public enum RewardError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The design asks no reward model, so it has its own initialiser.
    case notARewardModelDesign(RewardDesign)
    /// The response passed the format gate, so the design needs the reward model's reply.
    case missingReply(RewardDesign)
    /// The reply came from a variant the design cannot read.
    case replyVariantMismatch(design: RewardDesign, variant: RewardModelVariant)

    public var description: String {
        switch self {
        case .notARewardModelDesign(let design):
            return "design \(design.rawValue) asks no reward model; use its own initialiser"
        case .missingReply(let design):
            return "design \(design.rawValue) needs the reward model's reply for a response that passed the format gate"
        case .replyVariantMismatch(let design, let variant):
            let expected = design.acceptedVariants.map(\.rawValue).joined(separator: " or ")
            return "design \(design.rawValue) reads \(expected) replies, found a \(variant.rawValue) reply"
        }
    }
}
