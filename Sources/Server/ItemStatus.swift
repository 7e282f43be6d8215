// What happened to one item of a verification or reward request. Only `ok` and `format_rejected`
// carry a score a trainer should learn from; the others say why the model did not judge.

enum ItemStatus: String, CaseIterable, Sendable {
    case ok
    /// The policy's response failed the format gate: a real 0, decided before the model.
    case formatRejected = "format_rejected"
    /// The reply has no verdict where one was expected.
    case unparseable
    /// The reply reached max_tokens before its verdict.
    case truncated
    /// The deadline passed first.
    case timeout
    /// The work was refused or cancelled.
    case error

    var isJudged: Bool { self == .ok || self == .formatRejected }
}
