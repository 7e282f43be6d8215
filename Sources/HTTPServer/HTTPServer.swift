// The HTTP daemon's lifecycle: bind, serve through libmicrohttpd's internal epoll thread(s), stop
// accepting for a graceful drain, stop. It knows nothing of models; requests go to an
// `HTTPHandler`, and the request-level machinery lives in `AccessHandler.swift` and
// `RequestContext.swift`.

import CMicroHTTPD
import Glibc
import Synchronization

public final class HTTPServer: Sendable {
    private struct Lifecycle {
        var daemon: OpaquePointer?
        var socket: ListeningSocket?
        var hasStarted = false
        var isQuiesced = false
    }

    private let options: HTTPServerOptions
    private let context: DaemonContext
    /// The daemon pointer lives only in here and is read and cleared under this lock, so
    /// `MHD_quiesce_daemon` and `MHD_stop_daemon` each run at most once, and never after stop.
    private let lifecycle = Mutex(Lifecycle())

    public init(options: HTTPServerOptions, handler: any HTTPHandler) {
        self.options = options
        self.context = DaemonContext(handler: handler, maxBodyBytes: options.maxBodyBytes)
    }

    deinit { stop() }

    /// Binds and starts serving.
    public func start() throws(HTTPServerError) {
        try lifecycle.withLock { (lifecycle) throws(HTTPServerError) in
            guard !lifecycle.hasStarted else { throw .alreadyStarted }
            let socket = try ListeningSocket.bind(host: options.host, port: options.port)
            context.watcher.start()
            guard let daemon = startDaemon(listeningOn: socket) else {
                socket.close()
                _ = context.watcher.stop()
                throw .daemonFailed(address: "\(options.host):\(socket.port)")
            }
            lifecycle = Lifecycle(daemon: daemon, socket: socket, hasStarted: true)
        }
    }

    /// The bound port, once started (useful with port 0).
    public var port: Int { lifecycle.withLock { $0.socket?.port ?? 0 } }

    /// For a graceful drain: new connections are refused at once, in-flight requests (and further
    /// requests on open keep-alive connections) are still served.
    public func stopAccepting() {
        lifecycle.withLock { lifecycle in
            guard let daemon = lifecycle.daemon, !lifecycle.isQuiesced else { return }
            lifecycle.isQuiesced = true
            let socket = MHD_quiesce_daemon(daemon)
            // libmicrohttpd only stops calling accept(); the kernel would still complete handshakes
            // into the backlog and leave those clients hanging. shutdown() ends the listening state,
            // so they are refused. The descriptor stays open until after MHD_stop_daemon, as
            // libmicrohttpd requires, so its number cannot be reused under the daemon thread.
            if socket >= 0 { shutdown(socket, Int32(SHUT_RDWR)) }
        }
    }

    /// Closes everything. Requests still waiting for an answer, and open streams, see a disconnect.
    public func stop() {
        let running = lifecycle.withLock { lifecycle -> (OpaquePointer, ListeningSocket, Bool)? in
            guard let daemon = lifecycle.daemon, let socket = lifecycle.socket else { return nil }
            lifecycle.daemon = nil
            return (daemon, socket, lifecycle.isQuiesced)
        }
        guard let (daemon, socket, isQuiesced) = running else { return }
        // libmicrohttpd aborts when stopped with a suspended connection: refuse new suspensions,
        // then resume every suspended connection as disconnected, so the daemon can close it.
        for (token, request) in context.watcher.stop() {
            request.connectionLost(watchToken: token, .serverStopping)
        }
        MHD_stop_daemon(daemon)
        // After a quiesce libmicrohttpd leaves the listening socket to its owner; otherwise it closed it.
        if isQuiesced { socket.close() }
    }

    /// Requests whose context is still allocated: being read or handled, or their answer still being
    /// sent (libmicrohttpd frees a context once the answer is out). Zero once all connections are done
    /// with, if nothing leaks; a draining server waits for it before `stop`, which would cut answers off.
    public var liveRequestCount: Int { context.liveRequests.load(ordering: .relaxed) }

    private func startDaemon(listeningOn socket: ListeningSocket) -> OpaquePointer? {
        var flags = MHD_USE_EPOLL_INTERNAL_THREAD.rawValue | MHD_ALLOW_SUSPEND_RESUME.rawValue
        flags |= MHD_USE_ERROR_LOG.rawValue
        if socket.isIPv6 { flags |= MHD_USE_IPv6.rawValue }
        let contextPointer = OpaquePointer(Unmanaged.passUnretained(context).toOpaque())
        // A C function pointer is not a CVarArg; passed as the pointer it is.
        let completed = unsafeBitCast(requestCompleted as MHD_RequestCompletedCallback, to: OpaquePointer.self)
        var arguments: [CVarArg] = [
            MHD_OPTION.LISTEN_SOCKET.rawValue, socket.descriptor,
            MHD_OPTION.CONNECTION_LIMIT.rawValue, UInt32(clamping: options.connectionLimit),
            MHD_OPTION.CONNECTION_TIMEOUT.rawValue, UInt32(clamping: options.idleTimeoutSeconds),
            MHD_OPTION.NOTIFY_COMPLETED.rawValue, completed, contextPointer,
        ]
        // Given only when above 1: otherwise libmicrohttpd logs that the option is ignored.
        if options.threadCount > 1 {
            arguments += [MHD_OPTION.THREAD_POOL_SIZE.rawValue, UInt32(clamping: options.threadCount)]
        }
        arguments.append(MHD_OPTION.END.rawValue)
        return withVaList(arguments) { arguments in
            MHD_start_daemon_va(
                flags, 0, nil, nil, handleAccess, UnsafeMutableRawPointer(contextPointer), arguments)
        }
    }
}
