// Clients that leave while their request waits or their stream idles, and the cleanup of every
// request context however a request ends.

import Foundation
import Synchronization
import Testing

@testable import HTTPServer

extension HTTPServerTests {
    @Suite struct Disconnects {
        @Test func aClientLeavingAWaitingRequestIsNoticed() throws {
            let disconnected = Mailbox<ContinuousClock.Instant>()
            let responders = Mailbox<Responder>()
            let server = try startServer { _, responder in
                responder.onDisconnect { disconnected.put(.now) }
                responders.put(responder)
            }
            defer { server.stop() }
            let client = try TestClient(port: server.port)
            try client.sendRequest("POST", "/v1/completions", body: Array("{}".utf8))
            let responder = try #require(responders.take())
            #expect(!responder.isDisconnected)
            // Let the connection settle in its suspension, so the watcher polls it before the close.
            usleep(100_000)
            let closed = ContinuousClock.now
            shutdown(client.socket, Int32(SHUT_RDWR))
            let noticed = try #require(disconnected.take(timeoutSeconds: 2))
            let delay = noticed - closed
            print("disconnect of a waiting request noticed after \(delay)")
            #expect(delay < .milliseconds(150))
            #expect(responder.isDisconnected)
            // Answering now is harmless, and a late callback runs at once.
            responder.respond(.text("too late"))
            let lateCallback = Mailbox<Bool>()
            responder.onDisconnect { lateCallback.put(true) }
            #expect(lateCallback.take(timeoutSeconds: 1) == true)
            #expect(eventually { server.liveRequestCount == 1 })
            _ = consume responder
            #expect(eventually { server.liveRequestCount == 0 })
        }

        @Test func aClientLeavingAnIdleStreamIsNoticed() throws {
            let disconnected = Mailbox<ContinuousClock.Instant>()
            let streams = Mailbox<ResponseStream>()
            let server = try startServer { _, responder in
                responder.onDisconnect { disconnected.put(.now) }
                let stream = responder.startStream(status: 200, headers: [("Content-Type", "text/event-stream")])
                stream.send(Array("data: first\n\n".utf8))
                streams.put(stream)
            }
            defer { server.stop() }
            let client = try TestClient(port: server.port)
            try client.sendRequest("GET", "/events")
            _ = try client.readHead()
            #expect(try client.readChunk() == Array("data: first\n\n".utf8))
            usleep(100_000)
            let closed = ContinuousClock.now
            shutdown(client.socket, Int32(SHUT_RDWR))
            let noticed = try #require(disconnected.take(timeoutSeconds: 2))
            print("disconnect of an idle stream noticed after \(noticed - closed)")
            #expect(noticed - closed < .milliseconds(150))
            let stream = try #require(streams.take())
            stream.send(Array("data: ignored\n\n".utf8))
            stream.finish()
        }

        @Test func aClientLeavingRightAfterItsRequestIsNoticed() throws {
            // The close lands while the request is being suspended, before the watcher's next poll.
            let disconnects = CallCounter()
            let server = try startServer { _, responder in
                responder.onDisconnect { disconnects.increment() }
                DispatchQueue.global().asyncAfter(deadline: .now() + 1) { responder.respond(.text("late")) }
            }
            defer { server.stop() }
            for _ in 0..<5 {
                let client = try TestClient(port: server.port)
                try client.sendRequest("GET", "/")
                shutdown(client.socket, Int32(SHUT_RDWR))
            }
            #expect(eventually(timeoutSeconds: 0.5) { disconnects.value == 5 })
        }

        @Test func stoppingAcceptingRefusesNewClientsAndFinishesInFlightOnes() throws {
            let waiting = Mailbox<Responder>()
            let server = try startServer { request, responder in
                if request.path == "/slow" { waiting.put(responder) } else { responder.respond(.text("fast")) }
            }
            defer { server.stop() }
            let inFlight = try TestClient(port: server.port)
            let keptAlive = try TestClient(port: server.port)
            #expect(try keptAlive.request("GET", "/").text == "fast")
            try inFlight.sendRequest("GET", "/slow")
            let responder = try #require(waiting.take())
            server.stopAccepting()
            #expect(throws: TestClientError.self) { try TestClient(port: server.port) }
            // Open connections are still served.
            #expect(try keptAlive.request("GET", "/").text == "fast")
            responder.respond(.text("finished"))
            #expect(try inFlight.readResponse().text == "finished")
        }

        @Test func stoppingReleasesWaitingRequestsAndStreams() throws {
            let disconnects = CallCounter()
            let server = try startServer { request, responder in
                responder.onDisconnect { disconnects.increment() }
                if request.path == "/stream" {
                    let stream = responder.startStream(status: 200, headers: [])
                    stream.send([1])
                    DispatchQueue.global().asyncAfter(deadline: .now() + 5) { stream.finish() }
                } else {
                    DispatchQueue.global().asyncAfter(deadline: .now() + 5) { responder.respond(.text("late")) }
                }
            }
            let clients = try (0..<4).map { _ in try TestClient(port: server.port) }
            for (index, client) in clients.enumerated() {
                try client.sendRequest("GET", index.isMultiple(of: 2) ? "/stream" : "/wait")
            }
            #expect(eventually { server.liveRequestCount == 4 })
            server.stop()
            #expect(disconnects.value == 4)
            for client in clients { #expect(client.readsUntilClosed()) }
        }

        @Test func aHandlerStillRunningWhenTheServerStopsLeavesNothingSuspended() throws {
            let release = Mailbox<Bool>()
            let responders = Mailbox<Responder>()
            let server = try startServer { _, responder in
                // Keeps the responder (so it is not answered as forgotten) and returns only once
                // the server is stopping: the connection must not be suspended any more.
                responders.put(responder)
                _ = release.take()
            }
            let client = try TestClient(port: server.port)
            try client.sendRequest("GET", "/")
            let responder = try #require(responders.take())
            let stopped = Mailbox<Bool>()
            Thread.detachNewThread {
                server.stop()
                stopped.put(true)
            }
            usleep(100_000)
            release.put(true)
            #expect(stopped.take() == true)
            #expect(responder.isDisconnected)
            #expect(client.readsUntilClosed())
        }

        enum Ending: CaseIterable, Sendable {
            case answeredAtOnce, answeredLater, streamed, abandonedMidBody, abandonedWhileWaiting, tooLarge
        }

        @Test(arguments: Ending.allCases)
        func everyRequestContextIsFreed(endingAs ending: Ending) throws {
            // A client that hangs up together with its last body bytes is only noticed by the idle
            // timeout (libmicrohttpd 0.9.75 misses that hang-up).
            let server = try startServer(maxBodyBytes: 4096, idleTimeoutSeconds: 1) { request, responder in
                switch request.path {
                case "/now": responder.respond(.text("now"))
                case "/later": DispatchQueue.global().async { responder.respond(.text("later")) }
                case "/stream":
                    let stream = responder.startStream(status: 200, headers: [])
                    DispatchQueue.global().async {
                        for _ in 0..<3 { stream.send(Array("tick".utf8)) }
                        stream.finish()
                    }
                default: DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { responder.respond(.text("x")) }
                }
            }
            defer { server.stop() }
            let failures = Mutex<[String]>([])
            let done = DispatchGroup()
            for worker in 0..<8 {
                done.enter()
                Thread.detachNewThread {
                    defer { done.leave() }
                    for round in 0..<25 {
                        do {
                            let client = try TestClient(port: server.port, timeoutSeconds: 5)
                            switch ending {
                            case .answeredAtOnce: _ = try client.request("GET", "/now")
                            case .answeredLater: _ = try client.request("POST", "/later", body: [1, 2, 3])
                            case .streamed: _ = try client.request("GET", "/stream")
                            case .abandonedMidBody:
                                try client.send("POST /now HTTP/1.1\r\nHost: t\r\nContent-Length: 4000\r\n\r\nabc")
                            case .abandonedWhileWaiting: try client.sendRequest("GET", "/slow")
                            case .tooLarge:
                                // Abandoned before reading the 413.
                                try client.sendRequest("POST", "/now", body: [UInt8](repeating: 0, count: 5000))
                            }
                        } catch {
                            failures.withLock { $0.append("worker \(worker) round \(round): \(error)") }
                        }
                    }
                }
            }
            #expect(done.wait(timeout: .now() + 60) == .success)
            #expect(failures.withLock { $0 } == [])
            #expect(eventually { server.liveRequestCount == 0 }, "\(server.liveRequestCount) request contexts left")
        }
    }
}
