// A real HTTP server on a free loopback port whose every request is answered by a closure: the
// scripted endpoints of tests (an OpenAI-compatible chat route, a /v1/reward route) are built on it.

import HTTPServer

public final class LoopbackServer {
    private let server: HTTPServer

    public init(respond: @escaping @Sendable (HTTPRequest) -> HTTPResponse) throws {
        var options = HTTPServerOptions()
        options.port = 0
        options.threadCount = 2
        server = HTTPServer(options: options, handler: ClosureHandler(respond: respond))
        try server.start()
    }

    deinit { server.stop() }

    public var port: Int { server.port }
}

private struct ClosureHandler: HTTPHandler {
    let respond: @Sendable (HTTPRequest) -> HTTPResponse

    func handle(_ request: HTTPRequest, responder: Responder) { responder.respond(respond(request)) }
}
