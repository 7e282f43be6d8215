// A blocking HTTP/1.1 client on a raw socket, so that tests control exactly what goes over one
// connection: several requests on it (keep-alive), a body sent in pieces, chunks read one at a
// time, or a close at a chosen moment.

import Glibc

struct TestClientError: Error, CustomStringConvertible {
    let description: String
}

struct TestResponse {
    let status: Int
    let headers: [(name: String, value: String)]
    let body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var text: String { String(decoding: body, as: UTF8.self) }
}

final class TestClient {
    let socket: Int32
    private var received: [UInt8] = []

    /// Reads time out after `timeoutSeconds`, so a server that never answers fails the test
    /// instead of hanging it.
    init(port: Int, host: String = "127.0.0.1", timeoutSeconds: Int = 10) throws {
        let isIPv6 = host.contains(":")
        socket = Glibc.socket(isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw TestClientError(description: "socket: \(lastError())") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let connected: Int32
        if isIPv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = UInt16(port).bigEndian
            inet_pton(AF_INET6, host, &address.sin6_addr)
            connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            inet_pton(AF_INET, host, &address.sin_addr)
            connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard connected == 0 else {
            let error = TestClientError(description: "connect: \(lastError())")
            close(socket)
            throw error
        }
    }

    deinit { close(socket) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { throw TestClientError(description: "send: \(lastError())") }
            offset += sent
        }
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Sends a request with `Content-Length` (or none without a body); `Host` is added.
    func sendRequest(
        _ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = []
    ) throws {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: test\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        try send(Array((head + "\r\n").utf8) + body)
    }

    func request(
        _ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = []
    ) throws -> TestResponse {
        try sendRequest(method, target, headers: headers, body: body)
        return try readResponse()
    }

    /// Status line and headers.
    func readHead() throws -> (status: Int, headers: [(name: String, value: String)]) {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw TestClientError(description: "bad status line \"\(statusLine)\"")
        }
        var headers: [(name: String, value: String)] = []
        while true {
            let line = try readLine()
            if line.isEmpty { return (status, headers) }
            guard let colon = line.firstIndex(of: ":") else {
                throw TestClientError(description: "bad header line \"\(line)\"")
            }
            let value = line[line.index(after: colon)...].drop { $0 == " " }
            headers.append((String(line[..<colon]), String(value)))
        }
    }

    func readResponse() throws -> TestResponse {
        let (status, headers) = try readHead()
        let response = TestResponse(status: status, headers: headers, body: [])
        if response.header("Transfer-Encoding")?.lowercased() == "chunked" {
            var body: [UInt8] = []
            while let chunk = try readChunk() { body += chunk }
            return TestResponse(status: status, headers: headers, body: body)
        }
        let length = Int(response.header("Content-Length") ?? "0") ?? 0
        return TestResponse(status: status, headers: headers, body: try readBytes(length))
    }

    /// One chunk of a chunked body; nil for the last (empty) chunk, after its trailer.
    func readChunk() throws -> [UInt8]? {
        let sizeLine = try readLine()
        guard let size = Int(sizeLine.split(separator: ";")[0], radix: 16) else {
            throw TestClientError(description: "bad chunk size line \"\(sizeLine)\"")
        }
        if size == 0 {
            while try !readLine().isEmpty {}
            return nil
        }
        let chunk = try readBytes(size)
        guard try readLine().isEmpty else { throw TestClientError(description: "chunk not followed by CRLF") }
        return chunk
    }

    /// True if the server closed the connection (end of stream, or reset) within the read timeout.
    func isClosedByServer() -> Bool {
        do {
            try fill()
            return false
        } catch {
            return !(error.description.contains("timed out"))
        }
    }

    /// Reads whatever still comes until the server closes the connection; false on a timeout.
    func readsUntilClosed() -> Bool {
        while true {
            do {
                try fill()
            } catch {
                return !(error.description.contains("timed out"))
            }
        }
    }

    private func readLine() throws -> String {
        while true {
            if let end = received.indices.dropLast().first(where: { received[$0] == 13 && received[$0 + 1] == 10 }) {
                let line = String(decoding: received[..<end], as: UTF8.self)
                received.removeFirst(end + 2)
                return line
            }
            try fill()
        }
    }

    private func readBytes(_ count: Int) throws -> [UInt8] {
        while received.count < count { try fill() }
        defer { received.removeFirst(count) }
        return Array(received[..<count])
    }

    private func fill() throws(TestClientError) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = recv(socket, &buffer, buffer.count, 0)
        if count > 0 {
            received += buffer[..<count]
            return
        }
        if count == 0 { throw TestClientError(description: "connection closed by the server") }
        if errno == EAGAIN || errno == EWOULDBLOCK { throw TestClientError(description: "read timed out") }
        throw TestClientError(description: "recv: \(lastError())")
    }
}

func lastError() -> String { String(cString: strerror(errno)) }
