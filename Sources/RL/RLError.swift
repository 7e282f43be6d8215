// What can stop an RL run, each case with the facts needed to act on it.

public enum RLError: Error, Equatable, CustomStringConvertible {
    /// A bad option or input file.
    case invalidInput(String)
    /// The reward server could not be reached after every retry, or answered something unusable.
    case rewardServer(String)
    /// The policy checkpoint, or a checkpoint to resume from, cannot be used.
    case checkpoint(String)

    public var description: String {
        switch self {
        case .invalidInput(let message): message
        case .rewardServer(let message): "reward server: \(message)"
        case .checkpoint(let message): "checkpoint: \(message)"
        }
    }
}
