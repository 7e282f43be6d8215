// What this machine can do, measured in the same run as the engine so that the engine's figures are
// reported as ratios of limits taken under the same conditions (MACHINE-NOTES.md: a busy core skews
// absolute figures 2-50x, ratios much less).

import CKernels
import COpenBLAS
import Kernels
import Model

#if canImport(Glibc)
    import Glibc
#endif

struct MachineProbe {
    /// Best cblas_sgemm rate on square 1024 and 2048 matrices, in GFLOP/s.
    static func sgemmPeak(repetitions: Int) -> Double {
        var best = 0.0
        for n in [1024, 2048] {
            let a = AlignedBuffer<Float>(count: n * n)
            let b = AlignedBuffer<Float>(count: n * n)
            let c = AlignedBuffer<Float>(count: n * n)
            for index in 0..<(n * n) {
                a.pointer[index] = Float(index % 7) * 0.1
                b.pointer[index] = Float(index % 5) * 0.1
            }
            for _ in 0..<repetitions {
                let seconds = Stopwatch.time {
                    cblas_sgemm(
                        CblasRowMajor, CblasNoTrans, CblasTrans, blasint(n), blasint(n), blasint(n), 1, a.pointer,
                        blasint(n), b.pointer, blasint(n), 0, c.pointer, blasint(n))
                }
                best = max(best, 2 * Double(n * n * n) / seconds / 1e9)
            }
        }
        return best
    }

    /// Best streaming read rate over a buffer far larger than the caches, on all pool threads, in GB/s.
    static func memoryBandwidth(megabytes: Int, repetitions: Int, pool: WorkerPool = .shared) -> Double {
        let count = megabytes << 18
        let buffer = AlignedBuffer<Float>(count: count)
        for index in stride(from: 0, to: count, by: 1024) { buffer.pointer[index] = 1 }
        var best = 0.0
        var sink: Float = 0
        for _ in 0..<repetitions {
            let seconds = Stopwatch.time {
                pool.parallelFor(count, granularity: 1 << 16, tasksPerThread: 1) { range in
                    let partial = sk_sum(buffer.pointer + range.lowerBound, range.count)
                    if partial == -1 { sink += partial }
                }
            }
            best = max(best, Double(count * 4) / seconds / 1e9)
        }
        if sink != 0 { print(sink) }
        return best
    }

    /// The share of all CPUs' time that other processes used over `seconds`, from /proc/stat minus
    /// this process's own time (OpenBLAS's threads spin for a while after start-up); 0 where /proc
    /// is missing.
    static func otherProcessesLoad(seconds: Double) -> Double {
        func fields(_ path: String, line: Int) -> [Double]? {
            guard let bytes = try? FileSystem.read(path) else { return nil }
            let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
            guard line < lines.count else { return nil }
            return lines[line].split(separator: " ").compactMap { Double($0) }
        }
        func sample() -> (busy: Double, own: Double, total: Double)? {
            // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"
            guard let cpu = fields("/proc/stat", line: 0), cpu.count >= 8,
                let own = fields("/proc/self/stat", line: 0), own.count > 14
            else { return nil }
            let total = cpu[0..<8].reduce(0, +)
            // utime and stime of this process: fields 14 and 15, counted after the command name.
            return (total - cpu[3] - cpu[4], own[11] + own[12], total)
        }
        guard let before = sample() else { return 0 }
        usleep(UInt32(seconds * 1e6))
        guard let after = sample(), after.total > before.total else { return 0 }
        let others = (after.busy - before.busy) - (after.own - before.own)
        return max(0, others / (after.total - before.total))
    }

    /// Peak resident set size of this process so far, in megabytes.
    static var peakResidentMegabytes: Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    static var instructionSet: String { String(cString: sk_isa_name(sk_best_isa())) }

    static var openBLASCore: String { String(cString: openblas_get_corename()) }
}

enum Stopwatch {
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    static func time(_ body: () -> Void) -> Double {
        let start = now()
        body()
        return now() - start
    }
}
