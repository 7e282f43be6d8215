// Dedicated threads for blocking work (network clients, benchmarks): `run` starts `count` of them and
// waits for all. Not for kernels (the worker pool is) and not on Dispatch's pool, which on Linux grows
// slowly when its threads block in system calls.

#if canImport(Glibc)
    import Glibc
#endif

public enum Threads {
    /// Runs `body(0 ..< count)` on `count` new threads and returns when all have finished.
    public static func run(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let threads = (0..<count).map { index in start { body(index) } }
        for thread in threads { pthread_join(thread, nil) }
    }

    /// Starts `body` on a new thread that nobody waits for.
    public static func detach(_ body: @escaping @Sendable () -> Void) {
        pthread_detach(start(body))
    }

    private static func start(_ body: @escaping @Sendable () -> Void) -> pthread_t {
        let context = Unmanaged.passRetained(Body(body))
        var thread = pthread_t()
        let status = pthread_create(
            &thread, nil,
            { argument in
                Unmanaged<Body>.fromOpaque(argument!).takeRetainedValue().run()
                return nil
            }, context.toOpaque())
        precondition(status == 0, "pthread_create failed with \(status)")
        return thread
    }

    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }
}
