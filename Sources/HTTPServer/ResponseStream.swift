// The producer's end of a streamed response: bytes in order from any thread, then `finish`.
// Bytes are buffered without bound until the client takes them; an LLM's token rate is far below
// what a client reads, so no back-pressure is applied.

public final class ResponseStream: Sendable {
    /// Nil when the request had already been answered: such a stream ignores everything.
    private let context: RequestContext?

    init(context: RequestContext?) { self.context = context }

    /// A stream dropped without `finish` is cut off with an error, so the client does not mistake a
    /// vanished producer for a complete answer, nor wait forever.
    deinit { context?.abandonStream() }

    /// Queues bytes for the client; ignored after `finish` or once the client is gone.
    public func send(_ bytes: [UInt8]) {
        context?.send(bytes)
    }

    /// Ends the response once the bytes sent so far have gone out.
    public func finish() {
        context?.finishStream()
    }
}
