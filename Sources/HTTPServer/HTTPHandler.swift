// The seam between the HTTP layer and the application: one call per request, answered later.

/// Given once per request, on an HTTP thread, after the whole body has arrived. Must not block:
/// hand work elsewhere and answer through the responder, from any thread, exactly once.
public protocol HTTPHandler: Sendable {
    func handle(_ request: HTTPRequest, responder: Responder)
}
