// Streamed responses: headers at once, chunks as they are sent, no spinning while idle, and the
// end of the stream.

import Foundation
import Testing

@testable import HTTPServer

extension HTTPServerTests {
    @Suite struct Streaming {
        @Test func chunksArriveAsTheyAreSent() throws {
            let readFirst = Mailbox<Bool>()
            let server = try startServer { _, responder in
                let stream = responder.startStream(
                    status: 200, headers: [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")])
                Thread.detachNewThread {
                    // Nothing is sent until the client has the headers.
                    _ = readFirst.take()
                    stream.send(Array("data: one\n\n".utf8))
                    _ = readFirst.take()
                    stream.send(Array("data: two\n\n".utf8))
                    stream.send(Array("data: [DONE]\n\n".utf8))
                    stream.finish()
                }
            }
            defer { server.stop() }
            let client = try TestClient(port: server.port)
            try client.sendRequest("POST", "/v1/completions", body: Array("{}".utf8))
            let head = try client.readHead()
            #expect(head.status == 200)
            #expect(head.headers.contains { $0.name == "Content-Type" && $0.value == "text/event-stream" })
            #expect(head.headers.contains { $0.name == "Transfer-Encoding" && $0.value == "chunked" })
            readFirst.put(true)
            #expect(try client.readChunk() == Array("data: one\n\n".utf8))
            readFirst.put(true)
            var rest: [UInt8] = []
            while let chunk = try client.readChunk() { rest += chunk }
            #expect(String(decoding: rest, as: UTF8.self) == "data: two\n\ndata: [DONE]\n\n")
            // The connection is kept for the next request.
            try client.sendRequest("GET", "/")
            #expect(try client.readHead().status == 200)
        }

        @Test func anIdleStreamDoesNotSpin() throws {
            let responders = Mailbox<Responder>()
            let streams = Mailbox<ResponseStream>()
            let server = try startServer { _, responder in
                let stream = responder.startStream(status: 200, headers: [])
                stream.send([65])
                responders.put(responder)
                streams.put(stream)
            }
            defer { server.stop() }
            let client = try TestClient(port: server.port)
            try client.sendRequest("GET", "/")
            _ = try client.readHead()
            #expect(try client.readChunk() == [65])
            let responder = try #require(responders.take())
            let stream = try #require(streams.take())
            let readsBefore = responder.context.streamReadCount
            let cpuBefore = daemonThreadCPUSeconds()
            sleep(1)
            let idleReads = responder.context.streamReadCount - readsBefore
            let idleCPU = daemonThreadCPUSeconds() - cpuBefore
            print("idle stream for 1 s: \(idleReads) reader calls, \(idleCPU) s of libmicrohttpd CPU")
            #expect(idleReads <= 1)
            #expect(idleCPU < 0.05)
            stream.send([66])
            stream.finish()
            #expect(try client.readChunk() == [66])
            #expect(try client.readChunk() == nil)
        }

        @Test func aDroppedStreamIsCutOff() throws {
            let server = try startServer { _, responder in
                let stream = responder.startStream(status: 200, headers: [])
                stream.send(Array("partial".utf8))
            }
            defer { server.stop() }
            let client = try TestClient(port: server.port)
            try client.sendRequest("GET", "/")
            _ = try client.readHead()
            #expect(try client.readChunk() == Array("partial".utf8))
            #expect(throws: TestClientError.self) { try client.readChunk() }
        }

        @Test func anEmptyStreamEnds() throws {
            let server = try startServer { _, responder in
                responder.startStream(status: 201, headers: []).finish()
            }
            defer { server.stop() }
            let response = try TestClient(port: server.port).request("GET", "/")
            #expect(response.status == 201)
            #expect(response.body.isEmpty)
        }
    }
}
