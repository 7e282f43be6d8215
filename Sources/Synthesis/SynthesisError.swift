// What can stop a Stage I run, each with the facts needed to act on it.

public enum SynthesisError: Error, Equatable, CustomStringConvertible {
    /// A line of an input or journal file that cannot be used.
    case badLine(file: String, line: Int, reason: String)
    /// A file that cannot be read or written.
    case file(path: String, reason: String)
    /// A backend that cannot be set up (a checkpoint that does not load, an endpoint URL that is not one).
    case backend(String)
    /// A model call that failed for good (after its retries, or at once when retrying cannot help).
    case call(String)
    /// Options that do not fit together.
    case configuration(String)

    public var description: String {
        switch self {
        case .badLine(let file, let line, let reason): "\(file): line \(line): \(reason)"
        case .file(let path, let reason): "\(path): \(reason)"
        case .backend(let reason): reason
        case .call(let reason): reason
        case .configuration(let reason): reason
        }
    }
}
