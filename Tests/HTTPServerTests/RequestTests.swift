// Requests in, responses out, over real sockets on 127.0.0.1: methods, bodies, query, headers,
// the body limit and keep-alive.

import HTTPServer
import JSON
import Testing

/// One serialized suite for all HTTP tests: the idle-stream test reads the CPU time of every
/// libmicrohttpd thread in the process, which needs the other servers quiet.
@Suite(.serialized) enum HTTPServerTests {}

extension HTTPServerTests {
    @Suite struct Requests {
        @Test func getReturnsTheHandlersJSON() throws {
            let server = try startServer { request, responder in
                responder.respond(.json(.object(["status": .string("ok"), "path": .string(request.path)])))
            }
            defer { server.stop() }
            let response = try TestClient(port: server.port).request("GET", "/health")
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.text == #"{"status":"ok","path":"/health"}"#)
        }

        @Test func postBodiesArriveWhole() throws {
            let server = try startServer { request, responder in
                responder.respond(HTTPResponse(status: 200, body: request.body.reversed()))
            }
            defer { server.stop() }
            let client = try TestClient(port: server.port)
            let small = Array("{\"prompt\": \"hi\"}".utf8)
            #expect(try client.request("POST", "/v1/score", body: small).body == small.reversed())
            // 300 KB: many pieces of upload data, reassembled in order.
            let large = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
            let response = try client.request("POST", "/v1/score", body: large)
            #expect(response.status == 200)
            #expect(response.body == large.reversed())
        }

        @Test func requestFieldsAreDecoded() throws {
            let seen = Mailbox<HTTPRequest>()
            let server = try startServer { request, responder in
                seen.put(request)
                responder.respond(.text("ok"))
            }
            defer { server.stop() }
            let response = try TestClient(port: server.port).request(
                "DELETE", "/a%20b/c?x=1&name=hello%20world&plus=a+b&flag&x=2&utf=%C3%A9",
                headers: [("X-Request-ID", "abc-123"), ("Accept", "text/event-stream"), ("x-request-id", "second")])
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "text/plain; charset=utf-8")
            let request = try #require(seen.take())
            #expect(request.method == "DELETE")
            #expect(request.path == "/a b/c")
            #expect(request.query == ["x": "1", "name": "hello world", "plus": "a b", "flag": "", "utf": "é"])
            #expect(request.remoteAddress == "127.0.0.1")
            #expect(request.headers.map(\.name) == ["host", "x-request-id", "accept", "x-request-id"])
            #expect(request.header("X-REQUEST-ID") == "abc-123")
            #expect(request.header("x-request-id") == "abc-123")
            #expect(request.header("accept") == "text/event-stream")
            #expect(request.header("missing") == nil)
        }

        @Test func responseStatusAndHeadersGoOut() throws {
            let server = try startServer { _, responder in
                responder.respond(
                    HTTPResponse(status: 429, headers: [("Retry-After", "3"), ("X-Queue", "full")], body: [1, 2]))
            }
            defer { server.stop() }
            let response = try TestClient(port: server.port).request("GET", "/")
            #expect(response.status == 429)
            #expect(response.header("retry-after") == "3")
            #expect(response.header("X-Queue") == "full")
            #expect(response.body == [1, 2])
        }

        @Test func errorsHaveOneJSONShape() throws {
            let response = HTTPResponse.error(status: 404, message: "no route for GET /nope")
            #expect(response.status == 404)
            #expect(
                String(decoding: response.body, as: UTF8.self)
                    == #"{"error":{"message":"no route for GET /nope","type":"invalid_request_error","code":404}}"#)
        }

        @Test func declaredBodiesOverTheLimitGet413WithoutTheHandler() throws {
            let calls = CallCounter()
            let server = try startServer(maxBodyBytes: 1000) { _, responder in
                calls.increment()
                responder.respond(.text("handled"))
            }
            defer { server.stop() }
            // The body is never sent: the answer must come from the headers alone.
            let client = try TestClient(port: server.port)
            try client.send("POST /v1/score HTTP/1.1\r\nHost: test\r\nContent-Length: 5000000\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 413)
            #expect(response.header("Content-Type") == "application/json")
            #expect(
                response.text
                    == #"{"error":{"message":"request body of 5000000 bytes exceeds the limit of 1000 bytes","type":"invalid_request_error","code":413}}"#
            )
            #expect(client.isClosedByServer())
            // At the limit exactly is fine.
            let fits = try TestClient(port: server.port).request("POST", "/", body: [UInt8](repeating: 7, count: 1000))
            #expect(fits.text == "handled")
            #expect(calls.value == 1)
        }

        @Test func chunkedBodiesOverTheLimitGet413() throws {
            let calls = CallCounter()
            let server = try startServer(maxBodyBytes: 1000) { _, responder in
                calls.increment()
                responder.respond(.text("handled"))
            }
            defer { server.stop() }
            let client = try TestClient(port: server.port)
            let chunk = String(repeating: "a", count: 600)
            try client.send(
                "POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "258\r\n\(chunk)\r\n258\r\n\(chunk)\r\n0\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 413)
            #expect(response.text.contains("request body of 1200 bytes exceeds the limit of 1000 bytes"))
            #expect(calls.value == 0)
        }

        @Test func keepAliveServesManyRequestsOnOneConnection() throws {
            let server = try startServer { request, responder in
                responder.respond(.text(request.query["n"] ?? "?"))
            }
            defer { server.stop() }
            let client = try TestClient(port: server.port)
            for index in 0..<10 {
                let response = try client.request(index.isMultiple(of: 2) ? "GET" : "POST", "/?n=\(index)")
                #expect(response.text == "\(index)")
                #expect(response.header("Connection")?.lowercased() != "close")
            }
            // Pipelined: both requests written before either answer is read.
            try client.sendRequest("GET", "/?n=a")
            try client.sendRequest("GET", "/?n=b")
            #expect(try client.readResponse().text == "a")
            #expect(try client.readResponse().text == "b")
        }

        @Test func aStatusThatIsNotHTTPClosesTheConnection() throws {
            let server = try startServer { _, responder in responder.respond(HTTPResponse(status: 42)) }
            defer { server.stop() }
            let client = try TestClient(port: server.port)
            try client.sendRequest("GET", "/")
            #expect(client.isClosedByServer())
        }
    }
}
