// What a long-running command shows on standard error: one progress line that rewrites itself in
// place, and notes (evaluations, checkpoints, warnings) that stay, each on a line of its own.

public struct ProgressLines {
    /// No progress line at all (notes still show).
    public let quiet: Bool
    private var progressShown = false

    public init(quiet: Bool) { self.quiet = quiet }

    public mutating func progress(_ line: String) {
        guard !quiet else { return }
        writeToStandardError("\r\u{1B}[K" + line)
        progressShown = true
    }

    public mutating func note(_ line: String) {
        printToStandardError((progressShown ? "\n" : "") + line)
        progressShown = false
    }

    /// Ends a progress line left open.
    public mutating func finish() {
        if progressShown { printToStandardError("") }
        progressShown = false
    }
}
