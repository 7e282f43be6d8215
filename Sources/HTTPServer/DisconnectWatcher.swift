// Notices clients that hang up while their connection is suspended. libmicrohttpd takes a suspended
// connection out of its epoll set and does not look at it again until it is resumed, so without
// this a client that gives up on a slow generation would keep its slot, and its engine work, until
// the answer was written into a dead socket.
//
// One thread polls the sockets of all suspended connections for POLLRDHUP (the peer closed its
// side) and tells the request, which resumes the connection so that libmicrohttpd closes it.
// While anything is suspended, the poll set is rebuilt every `refreshMilliseconds`; while nothing
// is, the thread sleeps without a timeout, and only the first registration wakes it. So a busy
// server pays no wake-up per request, and an idle one costs nothing. A socket in the poll set is
// reported as soon as its peer closes; one suspended during a poll waits for the next rebuild.
//
// Snapshots may be stale: a socket may be resumed, closed, and its number reused by another
// connection while the thread polls. Each registration has its own token, and a request acts on a
// report only if that token is still its current suspension, so a stale report is ignored.
// Linux only: POLLRDHUP is a Linux extension.

import Glibc
import Synchronization

/// @unchecked Sendable: `thread` is written only by `start` and `stop`, which the owning server calls
/// once each, in that order; all other state is immutable or behind `state`'s lock.
final class DisconnectWatcher: @unchecked Sendable {
    struct Token: Hashable, Sendable {
        fileprivate let value: UInt64
    }

    private struct Watched {
        let socket: Int32
        let context: RequestContext
    }

    private struct State {
        var watched: [Token: Watched] = [:]
        var nextToken: UInt64 = 1
        /// The thread is (about to be) in a poll without timeout, to be woken by the next watch.
        var isSleeping = false
        var isStopping = false
    }

    /// Bounds the delay in noticing a hang-up of a connection suspended during a poll; 50 ms keeps
    /// `onDisconnect` well within 100 ms of the client closing, for 20 wake-ups a second at most.
    static let refreshMilliseconds: Int32 = 50

    private let state = Mutex(State())
    private let wakeReader: Int32
    private let wakeWriter: Int32
    private var thread: pthread_t?

    init() {
        var ends: [Int32] = [-1, -1]
        precondition(pipe(&ends) == 0, "pipe() failed: \(String(cString: strerror(errno)))")
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        (wakeReader, wakeWriter) = (ends[0], ends[1])
    }

    deinit {
        close(wakeReader)
        close(wakeWriter)
    }

    func start() {
        precondition(thread == nil, "the watcher was already started")
        var handle = pthread_t()
        let status = pthread_create(
            &handle, nil,
            { argument in
                Unmanaged<DisconnectWatcher>.fromOpaque(argument!).takeRetainedValue().run()
                return nil
            }, Unmanaged.passRetained(self).toOpaque())
        precondition(status == 0, "pthread_create failed with \(status)")
        thread = handle
    }

    /// Refuses further watches, ends the thread, and returns what was still watched: the server
    /// must resume those connections before it stops libmicrohttpd.
    func stop() -> [(token: Token, context: RequestContext)] {
        let watched = state.withLock { state in
            state.isStopping = true
            return state.watched.map { (token: $0.key, context: $0.value.context) }
        }
        if let thread {
            wake()
            pthread_join(thread, nil)
            self.thread = nil
        }
        return watched
    }

    /// Nil once the server is stopping.
    func watch(_ context: RequestContext, socket: Int32) -> Token? {
        let (token, shouldWake) = state.withLock { state -> (Token?, Bool) in
            if state.isStopping { return (nil, false) }
            let token = Token(value: state.nextToken)
            state.nextToken += 1
            state.watched[token] = Watched(socket: socket, context: context)
            defer { state.isSleeping = false }
            return (token, state.isSleeping)
        }
        if shouldWake { wake() }
        return token
    }

    func unwatch(_ token: Token) {
        state.withLock { _ = $0.watched.removeValue(forKey: token) }
    }

    private func run() {
        while true {
            let (snapshot, isStopping) = state.withLock { state in
                state.isSleeping = state.watched.isEmpty
                return (Array(state.watched), state.isStopping)
            }
            if isStopping { return }
            var sockets = [pollfd(fd: wakeReader, events: Int16(POLLIN), revents: 0)]
            for (_, watched) in snapshot {
                sockets.append(pollfd(fd: watched.socket, events: peerClosedEvent, revents: 0))
            }
            let timeout = snapshot.isEmpty ? -1 : Self.refreshMilliseconds
            guard poll(&sockets, nfds_t(sockets.count), timeout) > 0 else { continue }
            if sockets[0].revents != 0 { drainWakeups() }
            for (index, (token, watched)) in snapshot.enumerated() where sockets[index + 1].revents & goneEvents != 0 {
                watched.context.connectionLost(watchToken: token, .clientLeft)
            }
        }
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWriter, &byte, 1)
    }

    private func drainWakeups() {
        var bytes = [UInt8](repeating: 0, count: 64)
        while read(wakeReader, &bytes, bytes.count) > 0 {}
    }
}

/// POLLRDHUP from <bits/poll.h> (0x2000 on every Linux architecture but SPARC); Glibc's Swift
/// module leaves it out because it needs _GNU_SOURCE.
private let peerClosedEvent: Int16 = 0x2000
private let goneEvents = peerClosedEvent | Int16(POLLHUP | POLLERR | POLLNVAL)
