// Where Stage I's model calls go: a checkpoint run by the project's engine, or an OpenAI-compatible
// endpoint (vLLM, SGLang, spark-server, a hosted API). The pipeline sees only this seam.

public protocol CompletionBackend {
    /// The model behind the backend (a checkpoint folder, an endpoint's model name); part of every
    /// call's journal fingerprint, so replies of one model are never reused for another.
    var identity: String { get }

    /// Runs `calls` and hands each reply to `deliver` (with the call's index) as soon as it is complete,
    /// possibly from other threads; throws the first failure that retries did not cure.
    func complete(_ calls: [ModelCall], deliver: @escaping @Sendable (Int, String) -> Void) throws(SynthesisError)
}
