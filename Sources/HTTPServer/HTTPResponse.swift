// A complete response, and the JSON error shape every error of the server uses:
// {"error": {"message": ..., "type": ..., "code": status}}, as OpenAI-compatible clients expect.

import JSON

public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// `value` serialised, with `Content-Type: application/json` ahead of `headers`.
    public static func json(
        _ value: JSONValue, status: Int = 200, headers: [(name: String, value: String)] = []
    ) -> HTTPResponse {
        HTTPResponse(
            status: status, headers: [("Content-Type", "application/json")] + headers,
            body: Array(value.serialized.utf8))
    }

    public static func text(
        _ text: String, status: Int = 200, contentType: String = "text/plain; charset=utf-8"
    ) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8))
    }

    /// An error in the server's one JSON shape; `type` names the class of error
    /// ("invalid_request_error", "server_error", ...).
    public static func error(status: Int, message: String, type: String = "invalid_request_error") -> HTTPResponse {
        let error: JSONObject = ["message": .string(message), "type": .string(type), "code": .int(status)]
        return json(.object(["error": .object(error)]), status: status)
    }
}
