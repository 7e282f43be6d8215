// What an `HTTPServer` binds to and the limits it enforces before a handler sees a request.

public struct HTTPServerOptions: Sendable {
    /// Bind address: an IPv4 or IPv6 literal ("0.0.0.0" or "::" for all interfaces), or "localhost".
    public var host: String = "127.0.0.1"
    /// 0 picks an ephemeral port; `HTTPServer.port` tells which after `start()`.
    public var port: Int = 8000
    /// Larger bodies get a 413 with a JSON error and never reach the handler.
    public var maxBodyBytes: Int = 8 << 20
    public var connectionLimit: Int = 1024
    /// Closes a connection silent for this long: idle keep-alive connections, and uploads whose
    /// client vanished (libmicrohttpd 0.9.75 misses a hang-up that arrives together with the last
    /// body bytes, and would keep such a connection forever). Requests waiting for their answer,
    /// and idle streams, never time out. 0 disables the timeout.
    public var idleTimeoutSeconds: Int = 60
    /// libmicrohttpd's internal epoll threads. One measured fastest for trivial handlers on 2 cores
    /// (111k against 106k req/s with two); handlers must not block them either way.
    public var threadCount: Int = 1

    public init() {}
}
