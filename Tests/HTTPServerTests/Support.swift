// Handlers built from closures, servers on ephemeral ports, and small thread-safe test utilities.

import Foundation
import Synchronization

@testable import HTTPServer

struct ClosureHandler: HTTPHandler {
    let body: @Sendable (HTTPRequest, Responder) -> Void

    func handle(_ request: HTTPRequest, responder: Responder) { body(request, responder) }
}

func startServer(
    maxBodyBytes: Int = 8 << 20, idleTimeoutSeconds: Int = 60, host: String = "127.0.0.1", threadCount: Int = 1,
    _ handle: @escaping @Sendable (HTTPRequest, Responder) -> Void
) throws -> HTTPServer {
    var options = HTTPServerOptions()
    options.host = host
    options.threadCount = threadCount
    options.port = 0
    options.maxBodyBytes = maxBodyBytes
    options.idleTimeoutSeconds = idleTimeoutSeconds
    let server = HTTPServer(options: options, handler: ClosureHandler(body: handle))
    try server.start()
    return server
}

/// A value handed between threads, with a wait for it to arrive; taking it lets go of it.
final class Mailbox<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)
    private let arrived = DispatchSemaphore(value: 0)

    func put(_ newValue: Value) {
        value.withLock { $0 = newValue }
        arrived.signal()
    }

    func take(timeoutSeconds: Double = 10) -> Value? {
        guard arrived.wait(timeout: .now() + timeoutSeconds) == .success else { return nil }
        return value.withLock { value in
            defer { value = nil }
            return value
        }
    }
}

final class CallCounter: Sendable {
    private let count = Atomic<Int>(0)

    func increment() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}

func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}

/// Waits until `condition` holds, polling every 5 ms; false on timeout.
func eventually(timeoutSeconds: Double = 5, _ condition: () -> Bool) -> Bool {
    let start = ContinuousClock.now
    while !condition() {
        if seconds(since: start) > timeoutSeconds { return false }
        usleep(5000)
    }
    return true
}

/// CPU time, in seconds, used so far by libmicrohttpd's threads (named "MHD-…") in this process.
func daemonThreadCPUSeconds() -> Double {
    let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
    var total = 0.0
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
    for task in tasks {
        guard let name = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8),
            name.hasPrefix("MHD-"),
            let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
            let afterName = stat.lastIndex(of: ")")
        else { continue }
        // Fields after the name: state is field 3, utime 14 and stime 15.
        let fields = stat[stat.index(after: afterName)...].split(separator: " ")
        total += (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
    }
    return total / ticksPerSecond
}
