// How a handler answers a request, from any thread: once, completely or as a stream.

public final class Responder: Sendable {
    let context: RequestContext

    init(context: RequestContext) { self.context = context }

    /// A handler that drops its responder without answering would leave the client waiting on a
    /// suspended connection; it gets a 500 instead.
    deinit { context.answerIfForgotten() }

    /// A complete response. Only the first answer counts; later calls, and calls after the client
    /// left, are ignored.
    public func respond(_ response: HTTPResponse) {
        context.reply(.complete(response))
    }

    /// Starts a streamed response (chunked transfer encoding, e.g. text/event-stream); `send` may be
    /// called from any thread, in order; `finish` ends it. The status and headers go out at once.
    /// If the request was already answered, the returned stream ignores what it is given.
    public func startStream(status: Int, headers: [(name: String, value: String)]) -> ResponseStream {
        let accepted = context.reply(.stream(status: status, headers: headers))
        return ResponseStream(context: accepted ? context : nil)
    }

    /// Called at most once, on some thread, if the client disconnects before the response is
    /// complete (also while the request is waiting for its response). Called at once if the client
    /// is already gone.
    public func onDisconnect(_ callback: @escaping @Sendable () -> Void) {
        context.onDisconnect(callback)
    }

    public var isDisconnected: Bool { context.isDisconnected }
}
