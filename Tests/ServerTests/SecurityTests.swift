import Foundation
import HTTPClient
import JSON
import TestSupport
import Testing

@testable import Server

/// API keys from a file or the environment, their comparison, what the access log keeps out, and the
/// size limits of every route.
@Suite struct APIKeyTests {
    @Test func aKeyFileHoldsOneKeyPerLine() {
        #expect(APIKeyFile.keys(in: "old-key\n# rotated on 2026-11-25\n\n  new-key\t\r\n") == ["old-key", "new-key"])
        #expect(APIKeyFile.keys(in: "# nothing but a comment\n\n").isEmpty)
    }

    @Test func aMissingOrEmptyKeyFileIsAnError() throws {
        #expect(throws: APIKeyFile.ReadError.self) { try APIKeyFile.read("/nonexistent/keys") }
        let path = NSTemporaryDirectory() + "spark-empty-keys-\(UUID().uuidString)"
        try "# no key yet\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: APIKeyFile.ReadError(path: path, problem: "no key found (one key per line expected)")) {
            try APIKeyFile.read(path)
        }
    }

    @Test func keysCompareWhole() {
        let key = Array("s3cret-key".utf8)
        #expect(constantTimeEquals(key: key, offered: key))
        for offered in ["s3cret-kez", "s3cret-ke", "s3cret-keys3cret-key", "", "S3cret-key"] {
            #expect(!constantTimeEquals(key: key, offered: Array(offered.utf8)), "\(offered)")
        }
    }
}

@Suite(.serialized) struct SecurityEndToEndTests {
    @Test func keysComeFromAFileOrTheEnvironmentAndNeverReachTheLog() throws {
        let keyFile = NSTemporaryDirectory() + "spark-keys-\(UUID().uuidString)"
        try "# rotation: old and new side by side\nold-file-key\nnew-file-key\n".write(
            toFile: keyFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        let server = try ServerProcess(
            arguments: ["--api-key-file", keyFile], environment: ["SPARK_API_KEY": "environment-key"])
        let connection = HTTPConnection(port: server.port)
        let body = #"{"prompt": "the secret prompt text", "max_tokens": 2}"#
        for key in ["old-file-key", "new-file-key", "environment-key"] {
            #expect(
                try post(connection, "/v1/completions", body, headers: [("Authorization", "Bearer \(key)")]).status
                    == 200)
        }
        for key in ["wrong-key", "old-file-ke", "old-file-keyX", "# rotation: old and new side by side"] {
            #expect(try post(connection, "/v1/completions", body, headers: [("X-Api-Key", key)]).status == 401)
        }
        // A 400 whose message quotes the body: the client gets the message, the log does not.
        let broken = try post(
            connection, "/v1/reward",
            #"{"items": [{"problem": "x", "response": "y"}], "design": "the secret prompt text"}"#,
            headers: [("X-Api-Key", "environment-key")])
        #expect(broken.status == 400)
        #expect(broken.response.text.contains("the secret prompt text"))
        #expect(!server.log.contains("--api-key shows the key"))
        _ = server.terminate()
        for secret in ["file-key", "environment-key", "the secret prompt text"] {
            #expect(!server.log.contains(secret), "\(secret) in: \(server.log)")
        }
        #expect(server.log.contains(#""POST /v1/completions" 200"#))
        #expect(server.log.contains("(message withheld"))
    }

    @Test func logRequestsShowsBodiesAndCannotForgeLines() throws {
        let server = try ServerProcess(arguments: ["--api-key", "command-line-key", "--log-requests"])
        let connection = HTTPConnection(port: server.port)
        let auth = [("X-Api-Key", "command-line-key")]
        #expect(try post(connection, "/tokenize", #"{"prompt": "the logged prompt"}"#, headers: auth).status == 200)
        #expect(try post(connection, "/tokenize", #"{"prompt": "the unfinished"#, headers: auth).status == 400)
        // libmicrohttpd decodes %0A in the path: a newline that would start a forged log line.
        #expect(try connection.send("GET", "/nothing%0A1970-01-01T00:00:00Z%20forged").status == 404)
        _ = server.terminate()
        #expect(server.log.contains(#"body={"prompt": "the logged prompt"}"#))
        #expect(server.log.contains("near '\"the unfinished'"))
        #expect(server.log.contains(#""GET /nothing\n1970-01-01T00:00:00Z forged" 404"#))
        #expect(!server.log.split(separator: "\n").contains { $0.hasPrefix("1970") })
        #expect(server.log.contains("warning: --api-key shows the key to every local user (ps)"))
        #expect(!server.log.contains("command-line-key"))
    }

    @Test func anEmptyKeyFileStopsTheServer() throws {
        let keyFile = NSTemporaryDirectory() + "spark-keys-\(UUID().uuidString)"
        try "\n".write(toFile: keyFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        let outcome = try CommandRunner.run(
            "spark-server", ["--model", Fixtures.model("qwen2-gqa-tied"), "--port", "0", "--api-key-file", keyFile])
        #expect(outcome.status == 1)
        #expect(outcome.errorOutput.contains("API key file \(keyFile): no key found"))
    }

    /// Every POST route refuses a body over --max-body-mb, declared or sent chunked, before any work; and
    /// each route bounds the work one request can ask for.
    @Test func everyRouteHasASizeLimit() throws {
        let server = try ServerProcess(arguments: ["--quiet", "--max-body-mb", "1"])
        let routes = [
            "/v1/completions", "/v1/chat/completions", "/tokenize", "/detokenize", "/v1/verify", "/v1/reward",
            "/get_reward", "/classify", "/pooling",
        ]
        for route in routes {
            let declared = try RawSocket(port: server.port)
            declared.send("POST \(route) HTTP/1.1\r\nHost: x\r\nContent-Length: \(2 << 20)\r\n\r\n")
            #expect(declared.receive(until: "}}").hasPrefix("HTTP/1.1 413"), "\(route)")
            declared.close()
            let chunked = try RawSocket(port: server.port)
            chunked.send("POST \(route) HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            let chunk = String(repeating: "x", count: 1 << 16)
            for _ in 0..<20 { chunked.send(String(1 << 16, radix: 16) + "\r\n" + chunk + "\r\n") }
            // The server keeps none of the excess, but answers only once the body has ended.
            chunked.send("0\r\n\r\n")
            #expect(chunked.receive(until: "}}").hasPrefix("HTTP/1.1 413"), "\(route)")
            chunked.close()
        }
        let connection = HTTPConnection(port: server.port)
        let many = "[" + Array(repeating: #""q""#, count: 1025).joined(separator: ",") + "]"
        let tooMany = try post(connection, "/get_reward", #"{"query": \#(many)}"#)
        #expect(tooMany.status == 400)
        #expect(tooMany.response.text.contains("at most 1024 queries"))
        // A prompt over the context is refused per item, with the reason, and the server carries on.
        let long = String(repeating: "one plus one ", count: 12_000)
        let verify = try post(
            connection, "/v1/verify", #"{"items": [{"problem": "1+1?", "solution": "\#(long)"}], "max_tokens": 4}"#)
        #expect(verify.status == 200)
        let item = try #require(verify.json?["items"]?.arrayValue?.first?.objectValue)
        #expect(item["status"] == .string("error"))
        #expect(item["error"]?.stringValue?.contains("exceeds the model's context length") == true)
        #expect(try connection.send("GET", "/health").status == 200)
    }
}
