// Every way a request can fail, mapped to its HTTP status and to the OpenAI error envelope
// `{"error": {"message", "type", "param", "code"}}` in one place. Messages say what was wrong and what
// to do about it.

import JSON

public struct APIError: Error, Equatable, CustomStringConvertible {
    public let status: Int
    /// The OpenAI `type` string (`invalid_request_error`, `authentication_error`, ...).
    public let type: String
    public let message: String
    /// The request field at fault, if one is.
    public let parameter: String?
    /// Seconds after which a retry may succeed (429, 503).
    public let retryAfterSeconds: Int?
    /// The methods the path takes (405), for the `Allow` header that RFC 9110 requires.
    public let allowedMethods: [String]?

    public init(
        status: Int, type: String, message: String, parameter: String? = nil, retryAfterSeconds: Int? = nil,
        allowedMethods: [String]? = nil
    ) {
        self.status = status
        self.type = type
        self.message = message
        self.parameter = parameter
        self.retryAfterSeconds = retryAfterSeconds
        self.allowedMethods = allowedMethods
    }

    public var description: String { "\(status) \(type): \(message)" }

    public static func badRequest(_ message: String, parameter: String? = nil) -> APIError {
        APIError(status: 400, type: "invalid_request_error", message: message, parameter: parameter)
    }

    public static func unauthorized() -> APIError {
        APIError(
            status: 401, type: "authentication_error",
            message: "missing or wrong API key: send 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'")
    }

    public static func notFound(_ message: String, parameter: String? = nil) -> APIError {
        APIError(status: 404, type: "not_found_error", message: message, parameter: parameter)
    }

    public static func methodNotAllowed(_ method: String, path: String, allowed: [String]) -> APIError {
        APIError(
            status: 405, type: "invalid_request_error",
            message: "\(method) is not allowed on \(path); use \(allowed.joined(separator: " or "))",
            allowedMethods: allowed)
    }

    public static func timeout(_ seconds: Double) -> APIError {
        APIError(
            status: 408, type: "timeout_error",
            message: "the request did not finish within its timeout of \(seconds) s; its work was cancelled")
    }

    public static func payloadTooLarge(_ message: String) -> APIError {
        APIError(status: 413, type: "invalid_request_error", message: message)
    }

    public static func unprocessable(_ message: String, parameter: String? = nil) -> APIError {
        APIError(status: 422, type: "invalid_request_error", message: message, parameter: parameter)
    }

    public static func queueFull(retryAfterSeconds: Int) -> APIError {
        APIError(
            status: 429, type: "rate_limit_error",
            message: "the server's queue is full; retry after \(retryAfterSeconds) s",
            retryAfterSeconds: retryAfterSeconds)
    }

    public static func unavailable(_ message: String, retryAfterSeconds: Int? = nil) -> APIError {
        APIError(status: 503, type: "service_unavailable_error", message: message, retryAfterSeconds: retryAfterSeconds)
    }

    public static func internalError(_ message: String) -> APIError {
        APIError(status: 500, type: "server_error", message: message)
    }

    public var json: JSONValue {
        .object([
            "error": .object([
                "message": .string(message), "type": .string(type),
                "param": parameter.map { .string($0) } ?? .null, "code": .int(status),
            ])
        ])
    }
}
