// Answers given later, from other threads, while the connection is suspended; and many clients
// at once.

import Foundation
import Synchronization
import Testing

@testable import HTTPServer

extension HTTPServerTests {
    @Suite struct HandOff {
        @Test func answersFromAnotherThreadAfterADelay() throws {
            let server = try startServer { request, responder in
                DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) {
                    responder.respond(.text("late " + request.path))
                }
            }
            defer { server.stop() }
            let client = try TestClient(port: server.port)
            let start = ContinuousClock.now
            #expect(try client.request("GET", "/one").text == "late /one")
            #expect(seconds(since: start) >= 0.1)
            // The resumed connection stays usable.
            #expect(try client.request("POST", "/two", body: [1]).text == "late /two")
            #expect(eventually { server.liveRequestCount == 0 })
        }

        @Test func laterAnswersAreIgnored() throws {
            let server = try startServer { _, responder in
                responder.respond(.text("first"))
                responder.respond(.text("second"))
                responder.startStream(status: 200, headers: []).send(Array("third".utf8))
            }
            defer { server.stop() }
            let client = try TestClient(port: server.port)
            #expect(try client.request("GET", "/").text == "first")
            #expect(try client.request("GET", "/").text == "first")
        }

        @Test func aForgottenRequestGets500() throws {
            let server = try startServer { _, _ in }
            defer { server.stop() }
            let response = try TestClient(port: server.port).request("GET", "/")
            #expect(response.status == 500)
            #expect(response.text.contains(#""type":"server_error""#))
        }

        @Test(arguments: [1, 2])
        func manyConcurrentClientsAllGetTheirOwnAnswers(threadCount: Int) throws {
            // Every other request is answered from another thread, through suspend and resume.
            let server = try startServer(threadCount: threadCount) { request, responder in
                let answer = HTTPResponse.text(request.query["id"] ?? "missing")
                if request.query["id"].flatMap(Int.init).map({ $0.isMultiple(of: 2) }) ?? false {
                    responder.respond(answer)
                } else {
                    DispatchQueue.global().async { responder.respond(answer) }
                }
            }
            defer { server.stop() }
            let clientCount = 64
            let requestsPerClient = 20
            let failures = Mutex<[String]>([])
            let done = DispatchGroup()
            for clientIndex in 0..<clientCount {
                done.enter()
                Thread.detachNewThread {
                    defer { done.leave() }
                    do {
                        let client = try TestClient(port: server.port)
                        for requestIndex in 0..<requestsPerClient {
                            let id = clientIndex * 1000 + requestIndex
                            let body = Array(repeating: UInt8(truncatingIfNeeded: id), count: requestIndex * 10)
                            let response = try client.request("POST", "/?id=\(id)", body: body)
                            if response.status != 200 || response.text != "\(id)" {
                                failures.withLock { $0.append("request \(id) got \(response.status) \(response.text)") }
                            }
                        }
                    } catch {
                        failures.withLock { $0.append("client \(clientIndex): \(error)") }
                    }
                }
            }
            #expect(done.wait(timeout: .now() + 60) == .success)
            #expect(failures.withLock { $0 } == [])
            #expect(eventually { server.liveRequestCount == 0 })
        }
    }
}
