import HTTPClient
import JSON
import TestSupport
import Testing

/// A JSON POST to a server under test: status, parsed body (nil if not JSON), and the raw response.
func post(_ connection: HTTPConnection, _ path: String, _ body: String, headers: [(String, String)] = [])
    throws -> (status: Int, json: JSONObject?, response: ClientResponse)
{
    let response = try connection.send(
        "POST", path, headers: [("Content-Type", "application/json")] + headers, body: Array(body.utf8))
    return (response.status, try? JSONValue.parse(response.body).objectValue, response)
}

/// The value of an unlabelled series on the server's /metrics.
func metric(_ server: ServerProcess, _ name: String) throws -> Double {
    let text = try HTTPConnection(port: server.port).send("GET", "/metrics").text
    let line = try #require(text.split(separator: "\n").first { $0.hasPrefix(name + " ") })
    return try #require(Double(line.split(separator: " ").last!))
}
