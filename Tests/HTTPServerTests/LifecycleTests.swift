// Starting and stopping: ports, addresses, and errors that say what failed.

import HTTPServer
import Testing

extension HTTPServerTests {
    @Suite struct Lifecycle {
        @Test func aPortInUseIsReportedInWords() throws {
            let first = try startServer { _, responder in responder.respond(.text("first")) }
            defer { first.stop() }
            var options = HTTPServerOptions()
            options.port = first.port
            let second = HTTPServer(options: options, handler: ClosureHandler { _, _ in })
            #expect(throws: HTTPServerError.self) { try second.start() }
            do {
                try second.start()
            } catch {
                #expect(
                    error.description == "cannot listen on 127.0.0.1:\(first.port): bind failed: Address already in use"
                )
            }
            #expect(try TestClient(port: first.port).request("GET", "/").text == "first")
        }

        @Test func badAddressesAreRefused() {
            var options = HTTPServerOptions()
            options.host = "example.com"
            #expect(throws: HTTPServerError.invalidHost("example.com")) {
                try HTTPServer(options: options, handler: ClosureHandler { _, _ in }).start()
            }
            options.host = "127.0.0.1"
            options.port = 70000
            #expect(throws: HTTPServerError.invalidPort(70000)) {
                try HTTPServer(options: options, handler: ClosureHandler { _, _ in }).start()
            }
        }

        @Test func aServerStartsOnce() throws {
            let server = try startServer { _, responder in responder.respond(.text("")) }
            defer { server.stop() }
            #expect(throws: HTTPServerError.alreadyStarted) { try server.start() }
        }

        @Test func stopClosesTheListeningSocketAndCanBeRepeated() throws {
            let server = try startServer { _, responder in responder.respond(.text("")) }
            let port = server.port
            #expect(port > 0)
            server.stopAccepting()
            server.stop()
            server.stop()
            #expect(throws: TestClientError.self) { try TestClient(port: port) }
            // The port is free again.
            var options = HTTPServerOptions()
            options.port = port
            let again = HTTPServer(
                options: options, handler: ClosureHandler { _, responder in responder.respond(.text("again")) })
            try again.start()
            defer { again.stop() }
            #expect(try TestClient(port: port).request("GET", "/").text == "again")
        }

        @Test func servesIPv6Loopback() throws {
            let seen = Mailbox<String>()
            let server: HTTPServer
            do {
                server = try startServer(host: "::1") { request, responder in
                    seen.put(request.remoteAddress)
                    responder.respond(.text("six"))
                }
            } catch HTTPServerError.socketFailed(let call, _, let reason) {
                // Containers without IPv6 loopback cannot run this test.
                withKnownIssue("no IPv6 loopback here: \(call): \(reason)") { throw HTTPServerError.alreadyStarted }
                return
            }
            defer { server.stop() }
            #expect(try TestClient(port: server.port, host: "::1").request("GET", "/").text == "six")
            #expect(seen.take() == "::1")
        }
    }
}
