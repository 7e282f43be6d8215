// A small blocking HTTP/1.1 client over one keep-alive TCP connection: what the benchmarks, the tests
// and the RL client use to talk to the server. It reads `Content-Length` and chunked bodies, and can
// hand a streamed body (server-sent events) to a callback piece by piece. Not thread-safe: one
// connection per thread.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public struct HTTPClientError: Error, CustomStringConvertible {
    public let description: String
}

public struct ClientResponse: Sendable {
    public var status: Int
    /// Header names lower-cased, in order.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name == lower }?.value
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

public final class HTTPConnection {
    public let host: String
    public let port: Int
    private var socket: Int32 = -1
    private var buffer: [UInt8] = []
    private var bufferStart = 0
    private let timeoutSeconds: Double

    /// Connects at the first request; `timeoutSeconds` bounds every read and write.
    public init(host: String = "127.0.0.1", port: Int, timeoutSeconds: Double = 600) {
        self.host = host
        self.port = port
        self.timeoutSeconds = timeoutSeconds
    }

    deinit { close() }

    public func close() {
        if socket >= 0 { Glibc.close(socket) }
        socket = -1
        buffer.removeAll()
        bufferStart = 0
    }

    /// Sends one request and reads the whole response. `onChunk`, when given, receives the body as it
    /// arrives (the returned body is then empty).
    public func send(
        _ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = [],
        onChunk: (([UInt8]) -> Void)? = nil
    ) throws(HTTPClientError) -> ClientResponse {
        // A kept-alive connection the server has closed fails on first use: reconnect once.
        let reused = socket >= 0
        do {
            return try exchange(method, path, headers: headers, body: body, onChunk: onChunk)
        } catch {
            guard reused else { throw error }
            close()
            return try exchange(method, path, headers: headers, body: body, onChunk: onChunk)
        }
    }

    private func exchange(
        _ method: String, _ path: String, headers: [(String, String)], body: [UInt8], onChunk: (([UInt8]) -> Void)?
    ) throws(HTTPClientError) -> ClientResponse {
        if socket < 0 { try connect() }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        try writeAll(Array(head.utf8) + body)
        let (status, responseHeaders) = try readHead()
        var response = ClientResponse(status: status, headers: responseHeaders, body: [])
        let deliver: ([UInt8]) -> Void = { piece in
            if let onChunk { onChunk(piece) } else { response.body += piece }
        }
        if response.header("transfer-encoding")?.lowercased().contains("chunked") == true {
            while true {
                let sizeLine = try readLine()
                guard let size = Int(sizeLine.split(separator: ";").first ?? "", radix: 16) else {
                    throw HTTPClientError(description: "bad chunk size line '\(sizeLine)'")
                }
                if size == 0 {
                    while try !readLine().isEmpty {}
                    break
                }
                deliver(try readBytes(size))
                _ = try readLine()
            }
        } else if let length = response.header("content-length").flatMap({ Int($0) }) {
            if length > 0 { deliver(try readBytes(length)) }
        } else if method != "HEAD" && status != 204 && status != 304 {
            // No length: the body runs to the end of the connection.
            while let piece = try readSome() { deliver(piece) }
            close()
        }
        if response.header("connection")?.lowercased() == "close" { close() }
        return response
    }

    private func connect() throws(HTTPClientError) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var info: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &info) == 0, let first = info else {
            throw HTTPClientError(description: "cannot resolve \(host)")
        }
        defer { freeaddrinfo(info) }
        let descriptor = Glibc.socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard descriptor >= 0 else {
            throw HTTPClientError(description: "socket(): \(String(cString: strerror(errno)))")
        }
        var timeout = timeval(
            tv_sec: Int(timeoutSeconds), tv_usec: Int((timeoutSeconds - timeoutSeconds.rounded(.down)) * 1e6))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var noDelay: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        guard Glibc.connect(descriptor, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(descriptor)
            throw HTTPClientError(description: "cannot connect to \(host):\(port): \(reason)")
        }
        socket = descriptor
    }

    private func writeAll(_ bytes: [UInt8]) throws(HTTPClientError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Glibc.send(socket, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else {
                throw HTTPClientError(description: "write failed: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    /// More bytes from the socket into the buffer; false at the end of the stream.
    private func fill() throws(HTTPClientError) -> Bool {
        if bufferStart > 0 && bufferStart == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            bufferStart = 0
        }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = recv(socket, &chunk, chunk.count, 0)
        if count < 0 { throw HTTPClientError(description: "read failed: \(String(cString: strerror(errno)))") }
        if count == 0 { return false }
        buffer += chunk[0..<count]
        return true
    }

    private func readLine() throws(HTTPClientError) -> String {
        while true {
            if let newline = buffer[bufferStart...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > bufferStart && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = String(decoding: buffer[bufferStart..<end], as: UTF8.self)
                bufferStart = newline + 1
                return line
            }
            guard try fill() else {
                throw HTTPClientError(description: "connection closed in the middle of a response")
            }
        }
    }

    private func readBytes(_ count: Int) throws(HTTPClientError) -> [UInt8] {
        while buffer.count - bufferStart < count {
            guard try fill() else { throw HTTPClientError(description: "connection closed in the middle of a body") }
        }
        let bytes = Array(buffer[bufferStart..<(bufferStart + count)])
        bufferStart += count
        return bytes
    }

    private func readSome() throws(HTTPClientError) -> [UInt8]? {
        if bufferStart == buffer.count, try !fill() { return nil }
        let bytes = Array(buffer[bufferStart...])
        bufferStart = buffer.count
        return bytes
    }

    private func readHead() throws(HTTPClientError) -> (Int, [(name: String, value: String)]) {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw HTTPClientError(description: "bad status line '\(statusLine)'")
        }
        var headers: [(name: String, value: String)] = []
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
            headers.append((line[..<colon].lowercased(), String(value)))
        }
        return (status, headers)
    }
}
