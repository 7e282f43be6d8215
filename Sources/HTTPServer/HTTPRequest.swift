// A request as the handler sees it: complete, decoded and immutable, so it can cross threads.

public struct HTTPRequest: Sendable {
    /// "GET", "POST", ...
    public let method: String
    /// The percent-decoded path, without the query string.
    public let path: String
    /// Decoded query arguments; of repeated names the first wins, as in `header(_:)`.
    public let query: [String: String]
    /// Names lower-cased, in the order the client sent them.
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]
    /// The client's IP address ("127.0.0.1", "::1").
    public let remoteAddress: String

    /// For handler tests; header names may come in any case.
    public init(
        method: String, path: String, query: [String: String] = [:],
        headers: [(name: String, value: String)] = [], body: [UInt8] = [], remoteAddress: String = ""
    ) {
        self.init(
            method: method, path: path, query: query,
            lowercasedHeaders: headers.map { (name: $0.name.lowercased(), value: $0.value) }, body: body,
            remoteAddress: remoteAddress)
    }

    init(
        method: String, path: String, query: [String: String], lowercasedHeaders: [(name: String, value: String)],
        body: [UInt8], remoteAddress: String
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = lowercasedHeaders
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// The first header of that name, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name == lowered }?.value
    }
}
