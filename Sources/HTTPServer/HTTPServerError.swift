// Why an `HTTPServer` could not start, with the facts needed to fix it.

public enum HTTPServerError: Error, Equatable, CustomStringConvertible {
    /// The host is not an IP literal (names other than "localhost" are not resolved).
    case invalidHost(String)
    case invalidPort(Int)
    /// A socket call failed; `reason` is the system's message, e.g. "Address already in use".
    case socketFailed(call: String, address: String, reason: String)
    /// libmicrohttpd refused to start; its own log on stderr says why.
    case daemonFailed(address: String)
    case alreadyStarted

    public var description: String {
        switch self {
        case .invalidHost(let host):
            "cannot listen on host \"\(host)\": expected an IPv4 or IPv6 address such as 127.0.0.1, 0.0.0.0 or ::1"
        case .invalidPort(let port):
            "cannot listen on port \(port): expected 0 (any free port) to 65535"
        case .socketFailed(let call, let address, let reason):
            "cannot listen on \(address): \(call) failed: \(reason)"
        case .daemonFailed(let address):
            "cannot serve on \(address): libmicrohttpd did not start (see its message above)"
        case .alreadyStarted:
            "the server was already started; create a new HTTPServer to serve again"
        }
    }
}
