// Everything that can be wrong with a checkpoint folder, each case carrying the file and the facts a
// user needs to fix it. Loading never crashes on a bad file: it throws one of these.

public struct CheckpointError: Error, Equatable, CustomStringConvertible {
    /// The file at fault (a path), or the folder when no single file is.
    public let file: String
    public let problem: String

    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }
}
