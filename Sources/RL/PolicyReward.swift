// The reward designs spark-rl trains with (SPARK-FORMATS.md §3), by their command-line names, and
// what each asks of spark-server's /v1/reward. RLVR is the one design that reads the ground truth;
// it is checked here by the world's checker (the policy writes `Answer: N`, which the server's
// rule_based design, reading `\boxed{}`, does not), so it needs no reward server.

public enum PolicyReward: String, Sendable, CaseIterable {
    case outcomeORM = "outcome-orm"
    case outcomePRM = "outcome-prm"
    case hybrid
    case globalStep = "global-step"
    case selective
    case selectiveHalf = "selective-half"
    case random
    case rlvr

    /// The server's `design`; nil for RLVR.
    public var serverDesign: String? {
        switch self {
        case .outcomeORM: "outcome"
        case .outcomePRM: "process_aware_outcome"
        case .hybrid: "step_augmented_hybrid"
        case .globalStep: "global_step_reward"
        case .selective: "selective_advantage"
        case .selectiveHalf: "selective_advantage_half_discount"
        case .random: "random"
        case .rlvr: nil
        }
    }

    /// The reward-model variant the design is judged by.
    public var variant: String? {
        switch self {
        case .outcomeORM: "orm"
        case .rlvr, .random: nil
        default: "prm_cot"
        }
    }

    /// Whether the server's advantages differ from token to token (the tango designs), so that they
    /// must be placed on the tokens of each step's span.
    public var isTokenLevel: Bool { self == .globalStep || self == .selective || self == .selectiveHalf }

    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
