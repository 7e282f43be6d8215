// The C entry points libmicrohttpd calls, and the translation between its calls and the steps of
// a `RequestContext`.
//
// libmicrohttpd calls the access handler several times per request: once when the headers are in,
// once per piece of body, and once more when the request is complete ("final"). The response is
// queued in the final call, never the first: libmicrohttpd 0.9.75 answers a response queued in the
// first call with `Connection: close`, which measured 20k against 111k req/s (keep-alive lost).
// The first call queues only the 413 for a declared body that is too large, which should close
// the connection anyway, and spares reading the body.

import CMicroHTTPD
import Synchronization

/// What the callbacks reach through libmicrohttpd's closure pointer. The `HTTPServer` keeps it
/// alive until `MHD_stop_daemon` has returned.
final class DaemonContext: Sendable {
    let handler: any HTTPHandler
    let maxBodyBytes: Int
    let watcher = DisconnectWatcher()
    /// Request contexts alive: each is freed once, after libmicrohttpd's completion notice and,
    /// for a stream, after libmicrohttpd released the stream's reader.
    let liveRequests = Atomic<Int>(0)

    init(handler: any HTTPHandler, maxBodyBytes: Int) {
        self.handler = handler
        self.maxBodyBytes = maxBodyBytes
    }
}

func handleAccess(
    daemonPointer: UnsafeMutableRawPointer?, connection: OpaquePointer?, url: UnsafePointer<CChar>?,
    method: UnsafePointer<CChar>?, version: UnsafePointer<CChar>?, uploadData: UnsafePointer<CChar>?,
    uploadDataSize: UnsafeMutablePointer<Int>?, requestPointer: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
) -> MHD_Result {
    guard let daemonPointer, let connection, let uploadDataSize, let requestPointer else { return .NO }
    guard let existing = requestPointer.pointee else {
        let daemon = Unmanaged<DaemonContext>.fromOpaque(daemonPointer).takeUnretainedValue()
        let context = RequestContext(connection: connection, daemon: daemon)
        // Released in `requestCompleted`, which libmicrohttpd calls exactly once for every request
        // whose access handler it called.
        requestPointer.pointee = Unmanaged.passRetained(context).toOpaque()
        if let declared = declaredBodyLength(connection) {
            if declared > UInt64(daemon.maxBodyBytes) {
                return queue(
                    .complete(
                        .bodyTooLarge(
                            byteCount: declared, limit: daemon.maxBodyBytes, requestId: requestIdHeader(connection))),
                    for: context)
            }
            context.reserveBody(Int(declared))
        }
        return .YES
    }
    let context = Unmanaged<RequestContext>.fromOpaque(existing).takeUnretainedValue()
    if uploadDataSize.pointee > 0 {
        context.receive(UnsafeRawBufferPointer(start: uploadData, count: uploadDataSize.pointee))
        uploadDataSize.pointee = 0
        return .YES
    }
    let step: RequestContext.Step
    if context.isHandled {
        step = context.resumed()
    } else if context.isBodyTooLarge {
        // A chunked body without a declared length: only now is the whole size known.
        step = .queue(
            .complete(
                .bodyTooLarge(
                    byteCount: UInt64(context.receivedBodyBytes), limit: context.daemon.maxBodyBytes,
                    requestId: requestIdHeader(connection))))
    } else {
        context.isHandled = true
        let request = HTTPRequest(connection: connection, url: url, method: method, body: context.takeBody())
        context.daemon.handler.handle(request, responder: Responder(context: context))
        step = context.handlerReturned()
    }
    switch step {
    case .queue(let reply): return queue(reply, for: context)
    case .wait: return .YES
    }
}

func requestCompleted(
    daemonPointer: UnsafeMutableRawPointer?, connection: OpaquePointer?,
    requestPointer: UnsafeMutablePointer<UnsafeMutableRawPointer?>?, code: MHD_RequestTerminationCode
) {
    guard let requestPointer, let pointer = requestPointer.pointee else { return }
    requestPointer.pointee = nil
    Unmanaged<RequestContext>.fromOpaque(pointer).takeRetainedValue().completed(code)
}

private func readStream(
    contextPointer: UnsafeMutableRawPointer?, position: UInt64, buffer: UnsafeMutablePointer<CChar>?, capacity: Int
) -> Int {
    let context = Unmanaged<RequestContext>.fromOpaque(contextPointer!).takeUnretainedValue()
    return context.readStream(into: UnsafeMutableRawBufferPointer(start: buffer, count: capacity))
}

private func releaseStream(contextPointer: UnsafeMutableRawPointer?) {
    Unmanaged<RequestContext>.fromOpaque(contextPointer!).release()
}

/// Hands a reply to libmicrohttpd; `MHD_NO` (closing the connection) if it refuses it, e.g. for a
/// status outside 100...999.
private func queue(_ reply: RequestContext.Reply, for context: RequestContext) -> MHD_Result {
    let response: OpaquePointer?
    let status: Int
    let headers: [(name: String, value: String)]
    switch reply {
    case .complete(let complete):
        response = complete.body.withUnsafeBytes { body in
            MHD_create_response_from_buffer(
                body.count, UnsafeMutableRawPointer(mutating: body.baseAddress), .RESPMEM_MUST_COPY)
        }
        (status, headers) = (complete.status, complete.headers)
    case .stream(let streamStatus, let streamHeaders):
        // Unknown size: libmicrohttpd sends the body with chunked transfer encoding, one chunk per
        // `readStream` call. The reader holds its own reference to the context.
        let contextPointer = Unmanaged.passRetained(context).toOpaque()
        response = MHD_create_response_from_callback(UInt64.max, 16 << 10, readStream, contextPointer, releaseStream)
        if response == nil { Unmanaged<RequestContext>.fromOpaque(contextPointer).release() }
        (status, headers) = (streamStatus, streamHeaders)
    }
    guard let response else { return .NO }
    defer { MHD_destroy_response(response) }
    for header in headers where MHD_add_response_header(response, header.name, header.value) == .NO {
        debugLog("libmicrohttpd refused the response header \"\(header.name)\"; it was left out")
    }
    guard (100...999).contains(status) else {
        debugLog("status \(status) is not an HTTP status; the connection was closed")
        return .NO
    }
    return MHD_queue_response(context.connection, UInt32(status), response)
}

private func declaredBodyLength(_ connection: OpaquePointer) -> UInt64? {
    MHD_lookup_connection_value(connection, .HEADER_KIND, "Content-Length").flatMap { UInt64(String(cString: $0)) }
}

/// The client's X-Request-Id, which answers given before any handler runs echo as handlers do.
private func requestIdHeader(_ connection: OpaquePointer) -> String? {
    MHD_lookup_connection_value(connection, .HEADER_KIND, "X-Request-Id").map { String(cString: $0) }
}

extension HTTPResponse {
    static func bodyTooLarge(byteCount: UInt64, limit: Int, requestId: String?) -> HTTPResponse {
        var response = HTTPResponse.error(
            status: 413, message: "request body of \(byteCount) bytes exceeds the limit of \(limit) bytes")
        var generator = SystemRandomNumberGenerator()
        response.headers.append(("X-Request-Id", requestId ?? "req-" + String(generator.next() as UInt64, radix: 16)))
        return response
    }

    static func requestLost(_ loss: RequestContext.Loss) -> HTTPResponse {
        let message =
            switch loss {
            case .clientLeft: "the client closed the connection before the answer was ready"
            case .serverStopping: "the server is shutting down"
            }
        var response = HTTPResponse.error(status: 503, message: message, type: "server_error")
        response.headers.append(("Connection", "close"))
        return response
    }
}
