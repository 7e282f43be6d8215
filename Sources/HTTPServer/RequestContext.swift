// One request's state, from its first access-handler call to libmicrohttpd's completion notice: the
// body as it arrives, the reply the handler gives from any thread, the bytes of a streamed reply,
// and the suspension of the connection while a reply or the next stream bytes are awaited.
//
// Lost wake-ups: every decision to suspend (taken on the connection's libmicrohttpd thread) and
// every producer's check "is the connection suspended, then resume it" happen under one lock, so a
// reply or stream bytes can never arrive between "nothing to do, suspend" and the suspension.
// Lock order is always this lock, then libmicrohttpd's (suspend and resume take its cleanup mutex
// briefly); libmicrohttpd calls back into this file without holding that mutex (checked in the
// 0.9.75 source), so the two cannot deadlock.

import CMicroHTTPD
import Glibc
import Synchronization

/// @unchecked Sendable: the shared state is behind `state`'s lock; the raw `connection` pointer and
/// the body fields follow the rules stated beside them.
final class RequestContext: @unchecked Sendable {
    enum Reply: Sendable {
        case complete(HTTPResponse)
        case stream(status: Int, headers: [(name: String, value: String)])
    }

    /// Why a request ended before its answer was complete.
    enum Loss {
        case clientLeft
        case serverStopping
    }

    /// What the access handler does next with the connection.
    enum Step {
        case queue(Reply)
        /// Suspended: a resume brings another access-handler call.
        case wait
    }

    private struct State {
        var reply: Reply?
        /// Set while this code holds the connection suspended: awaiting the reply before `reply` is
        /// set, an idle stream after.
        var suspension: DisconnectWatcher.Token?
        var loss: Loss?
        var isCompleted = false
        var disconnectCallback: (@Sendable () -> Void)?
        var streamBytes: [UInt8] = []
        var streamStart = 0
        var isStreamFinished = false
        /// The producer dropped its `ResponseStream` without finishing it.
        var isStreamAbandoned = false
        var streamReadCount = 0
        var hasLoggedLateReply = false

        var acceptsStreamBytes: Bool {
            guard case .stream = reply else { return false }
            return !isStreamFinished && !isStreamAbandoned && loss == nil
        }
    }

    /// Valid until libmicrohttpd's completion notice. Other threads pass it to libmicrohttpd only
    /// under the lock while `suspension` is set, and libmicrohttpd frees no suspended connection.
    let connection: OpaquePointer
    let daemon: DaemonContext
    private let state = Mutex(State())

    // Touched only by the connection's libmicrohttpd thread, and only before the handler is called.
    private(set) var body: [UInt8] = []
    private(set) var receivedBodyBytes = 0
    var isHandled = false

    /// Read position in `streamBytes` beyond which consumed bytes are dropped even if unread bytes
    /// remain, so that a producer that stays ahead of the client does not grow the buffer forever.
    private static let streamCompactionBytes = 64 << 10

    init(connection: OpaquePointer, daemon: DaemonContext) {
        self.connection = connection
        self.daemon = daemon
        daemon.liveRequests.add(1, ordering: .relaxed)
    }

    deinit {
        daemon.liveRequests.subtract(1, ordering: .relaxed)
    }

    // MARK: Request body (libmicrohttpd thread)

    var isBodyTooLarge: Bool { receivedBodyBytes > daemon.maxBodyBytes }

    func receive(_ bytes: UnsafeRawBufferPointer) {
        receivedBodyBytes += bytes.count
        if !isBodyTooLarge {
            body.append(contentsOf: bytes)
        } else if !body.isEmpty {
            body = []
        }
    }

    func reserveBody(_ byteCount: Int) { body.reserveCapacity(min(byteCount, daemon.maxBodyBytes)) }

    func takeBody() -> [UInt8] {
        defer { body = [] }
        return body
    }

    // MARK: Hand-off (libmicrohttpd thread)

    /// After the handler returned: a reply given meanwhile goes out without any suspension (the
    /// common case for trivial handlers, which saves the suspend/resume round trip), otherwise the
    /// connection waits suspended.
    func handlerReturned() -> Step {
        let (step, callback) = state.withLock { state -> (Step, (@Sendable () -> Void)?) in
            if let reply = state.reply { return (.queue(reply), nil) }
            if suspend(&state) { return (.wait, nil) }
            let callback = disconnect(&state, .serverStopping)
            return (.queue(.complete(.requestLost(.serverStopping))), callback)
        }
        callback?()
        return step
    }

    /// A later access-handler call, after a resume. A request resumed because it was lost is still
    /// answered rather than refused with `MHD_NO`: libmicrohttpd logs a refusal as an application
    /// error, once per client that gave up waiting, while this answer, with `Connection: close`,
    /// closes quietly (and tells a client that is still there why).
    func resumed() -> Step {
        state.withLock { state in
            if let loss = state.loss { return .queue(.complete(.requestLost(loss))) }
            guard let reply = state.reply else {
                preconditionFailure("a connection was resumed with neither a reply nor a loss")
            }
            return .queue(reply)
        }
    }

    // MARK: Replies (any thread)

    /// Takes the first reply; later ones, and any after a disconnect, are ignored.
    @discardableResult
    func reply(_ reply: Reply) -> Bool {
        state.withLock { state in
            guard state.reply == nil, state.loss == nil else {
                #if DEBUG
                    if state.loss == nil, !state.hasLoggedLateReply {
                        state.hasLoggedLateReply = true
                        debugLog("a request was answered more than once; the later answers were ignored")
                    }
                #endif
                return false
            }
            state.reply = reply
            resume(&state)
            return true
        }
    }

    /// For a `Responder` dropped without answering: answer 500 rather than leave the client waiting
    /// on a suspended connection forever.
    func answerIfForgotten() {
        let answered = state.withLock { state -> Bool in
            guard state.reply == nil, state.loss == nil, !state.isCompleted else { return false }
            state.reply = .complete(
                .error(status: 500, message: "the server dropped the request without answering", type: "server_error"))
            resume(&state)
            return true
        }
        if answered { debugLog("a handler dropped its Responder without answering; answered 500") }
    }

    func send(_ bytes: [UInt8]) {
        state.withLock { state in
            guard state.acceptsStreamBytes else { return }
            state.streamBytes.append(contentsOf: bytes)
            resume(&state)
        }
    }

    func finishStream() {
        state.withLock { state in
            guard state.acceptsStreamBytes else { return }
            state.isStreamFinished = true
            resume(&state)
        }
    }

    func abandonStream() {
        state.withLock { state in
            guard state.acceptsStreamBytes else { return }
            state.isStreamAbandoned = true
            resume(&state)
        }
    }

    // MARK: Stream reader (libmicrohttpd thread, inside the content-reader callback)

    /// Fills `buffer` with pending stream bytes and returns their count; or ends the stream (-1),
    /// fails it (-2), or suspends the connection until `send`/`finish` and returns 0.
    ///
    /// A stream whose client left is ended rather than failed: nobody reads either, and failing
    /// makes libmicrohttpd log an application error for every cancelled generation. A stream the
    /// producer dropped, or one the server stops, is failed, so the client sees it cut off.
    func readStream(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let (result, callback) = state.withLock { state -> (Int, (@Sendable () -> Void)?) in
            state.streamReadCount += 1
            switch state.loss {
            case .clientLeft: return (contentReaderEndOfStream, nil)
            case .serverStopping: return (contentReaderError, nil)
            case nil: break
            }
            let start = state.streamStart
            let count = min(state.streamBytes.count - start, buffer.count)
            if count > 0 {
                state.streamBytes.withUnsafeBytes { bytes in
                    buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[start..<start + count]))
                }
                state.streamStart += count
                if state.streamStart == state.streamBytes.count {
                    state.streamBytes.removeAll(keepingCapacity: true)
                    state.streamStart = 0
                } else if state.streamStart >= Self.streamCompactionBytes {
                    state.streamBytes.removeFirst(state.streamStart)
                    state.streamStart = 0
                }
                return (count, nil)
            }
            if state.isStreamFinished { return (contentReaderEndOfStream, nil) }
            if state.isStreamAbandoned { return (contentReaderError, nil) }
            if suspend(&state) { return (0, nil) }
            return (contentReaderError, disconnect(&state, .serverStopping))
        }
        callback?()
        return result
    }

    /// How often libmicrohttpd asked for stream bytes; an idle stream must not make it spin.
    var streamReadCount: Int { state.withLock { $0.streamReadCount } }

    // MARK: Disconnects

    /// The watcher saw the client hang up, or the server is stopping. `token` must still be the
    /// current suspension: a report about an earlier suspension (whose socket number may since
    /// belong to another connection) is ignored.
    func connectionLost(watchToken token: DisconnectWatcher.Token, _ loss: Loss) {
        let callback = state.withLock { state -> (@Sendable () -> Void)? in
            guard state.suspension == token else { return nil }
            resume(&state)
            return disconnect(&state, loss)
        }
        callback?()
    }

    /// libmicrohttpd is done with the request; anything short of a complete delivery means the
    /// client did not get the whole reply.
    func completed(_ code: MHD_RequestTerminationCode) {
        // The dropped callback is released outside the lock: it may hold the last reference to the
        // handler's objects, and their deinitialisers (a Responder's, for one) lock this context.
        let (callback, dropped) = state.withLock { state -> ((@Sendable () -> Void)?, (@Sendable () -> Void)?) in
            precondition(state.suspension == nil, "libmicrohttpd completed a suspended connection")
            state.isCompleted = true
            if code == .REQUEST_TERMINATED_COMPLETED_OK || state.loss != nil {
                defer { state.disconnectCallback = nil }
                return (nil, state.disconnectCallback)
            }
            return (
                disconnect(&state, code == .REQUEST_TERMINATED_DAEMON_SHUTDOWN ? .serverStopping : .clientLeft), nil
            )
        }
        callback?()
        _ = dropped
    }

    func onDisconnect(_ callback: @escaping @Sendable () -> Void) {
        let callNow = state.withLock { state -> Bool in
            if state.loss != nil { return true }
            if !state.isCompleted { state.disconnectCallback = callback }
            return false
        }
        if callNow { callback() }
    }

    var isDisconnected: Bool { state.withLock { $0.loss != nil } }

    // MARK: Locked helpers

    /// Suspends the connection and registers its socket with the watcher; false if the server is
    /// stopping (libmicrohttpd must not be stopped with a suspended connection).
    private func suspend(_ state: inout State) -> Bool {
        let socket = spark_MHD_get_connection_info(connection, .CONNECTION_INFO_CONNECTION_FD)?.pointee.connect_fd
        guard let socket, let token = daemon.watcher.watch(self, socket: socket) else { return false }
        MHD_suspend_connection(connection)
        state.suspension = token
        return true
    }

    /// The watch ends before the resume: once resumed, libmicrohttpd may close the socket at any time.
    private func resume(_ state: inout State) {
        guard let token = state.suspension else { return }
        state.suspension = nil
        daemon.watcher.unwatch(token)
        MHD_resume_connection(connection)
    }

    /// Marks the request lost and hands back the callback to run once the lock is released.
    private func disconnect(_ state: inout State, _ loss: Loss) -> (@Sendable () -> Void)? {
        state.loss = loss
        defer { state.disconnectCallback = nil }
        return state.disconnectCallback
    }
}

/// `MHD_CONTENT_READER_END_OF_STREAM` and `MHD_CONTENT_READER_END_WITH_ERROR`, cast macros that
/// Swift does not import.
private let contentReaderEndOfStream = -1
private let contentReaderError = -2

func debugLog(_ message: String) {
    #if DEBUG
        var line = "HTTPServer: " + message + "\n"
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    #endif
}
