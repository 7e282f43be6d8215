// `spark-bench serve`: spark-server under a GRPO-shaped load over loopback. Clients score groups of 16
// responses to one problem with the SPARK PRM prompt through /v1/chat/completions, as an RL trainer's
// reward workers do; the same load runs against a default server, against one that serves a single
// sequence at a time (--max-running 1) and against one without the prefix cache, and the figures are
// reported as ratios. A separate probe measures the HTTP overhead of GET /health at 64 connections.

import HTTPClient
import JSON
import Kernels
import Model
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

struct ServeBenchmark {
    var serverBinary: String
    var modelDirectory: String
    var groups: Int
    var groupSize: Int
    var maxTokens: Int

    struct Figures {
        var label: String
        var clients: Int
        var requests = 0
        var seconds = 0.0
        var generatedTokens = 0
        var promptTokens = 0
        var cachedTokens = 0
        /// Prompt tokens the engine computed (from /metrics): what prefix caching saves.
        var computedPromptTokens = 0.0
        var latencies: [Double] = []
        var failures = 0

        /// Chat completions score one response each; reward requests as many as they hold.
        var responsesScored = 0

        var requestsPerSecond: Double { Double(requests) / seconds }
        var responsesPerSecond: Double { Double(responsesScored) / seconds }
        var tokensPerSecond: Double { Double(generatedTokens) / seconds }
        var cacheHitRate: Double { promptTokens == 0 ? 0 : Double(cachedTokens) / Double(promptTokens) }

        /// The engine's matrix FLOPs for a run of chat completions: two a weight for every token it
        /// forwarded (prompt tokens no prefix covered, and every generated token but each request's
        /// last) and the output head for every generated token. Attention is left out, so this work
        /// timed at the sgemm peak is a bound no batching can beat.
        func matrixFlops(_ config: ModelConfig) -> Double {
            let forwarded = computedPromptTokens + Double(generatedTokens - requests)
            return 2
                * (Double(config.blockLinearParameterCount) * forwarded
                    + Double(config.vocabSize * config.hiddenSize * generatedTokens))
        }

        func percentile(_ fraction: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            let sorted = latencies.sorted()
            return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * fraction + 0.5))]
        }
    }

    /// The GRPO groups: one problem each, with `groupSize` different responses in SPARK's policy format.
    func groupsOfResponses() -> [(problem: String, responses: [String])] {
        (0..<groups).map { group in
            let problem =
                "A train leaves station \(group) at \(7 + group % 5) am and travels at \(40 + group) km/h. "
                + String(
                    repeating: "It stops for \(group % 9 + 1) minutes at each of the towns along the line. ", count: 6)
                + "How far has it travelled by noon?"
            let responses = (0..<groupSize).map { response in
                "<think><step>Step 1: The train runs for \(5 - group % 5) hours.</step>"
                    + "<step>Step 2: \(40 + group) times \(5 - group % 5) is \((40 + group) * (5 - group % 5) + response % 3).</step></think>"
                    + "<answer>\\boxed{\((40 + group) * (5 - group % 5) + response % 3)}</answer>"
            }
            return (problem, responses)
        }
    }

    /// Chat-completion bodies, group after group: the SPARK PRM prompt for each response.
    func jobs() -> [[UInt8]] {
        groupsOfResponses().flatMap { problem, responses in
            responses.map { solution in
                let prompt = "Problem: \(problem)\n\nStudent Solution: \(solution)\n\nLet's verify step by step."
                let body: JSONValue = .object([
                    "messages": .array([.object(["role": .string("user"), "content": .string(prompt)])]),
                    "temperature": .int(0), "top_p": .double(0.95), "max_tokens": .int(maxTokens),
                    "ignore_eos": .bool(true),
                ])
                return Array(body.serialized.utf8)
            }
        }
    }

    /// /v1/reward bodies: one per group (`grouped`), or one per response as a trainer without groups
    /// sends them.
    func rewardJobs(grouped: Bool) -> [[UInt8]] {
        groupsOfResponses().enumerated().flatMap { index, group -> [[UInt8]] in
            let settings: JSONObject = ["max_tokens": .int(maxTokens)]
            func body(_ extra: JSONObject) -> [UInt8] {
                var object = settings
                for (key, value) in extra.pairs { object[key] = value }
                return Array(JSONValue.object(object).serialized.utf8)
            }
            if grouped {
                let entry: JSONValue = .object([
                    "id": .string("g\(index)"), "problem": .string(group.problem),
                    "responses": .array(group.responses.map { .string($0) }),
                ])
                return [body(["groups": .array([entry])])]
            }
            return group.responses.map { response in
                body([
                    "items": .array([
                        .object([
                            "problem": .string(group.problem), "response": .string(response),
                            "group": .string("g\(index)"),
                        ])
                    ])
                ])
            }
        }
    }

    /// Starts a server with `arguments`, sends `bodies` to `path` with `clients` concurrent clients
    /// (every chat completion, unless given), stops it.
    func run(
        label: String, clients: Int, arguments: [String], path: String = "/v1/chat/completions",
        bodies given: [[UInt8]]? = nil
    ) throws -> Figures {
        let server = try ServerLauncher(binary: serverBinary, model: modelDirectory, arguments: arguments)
        defer { server.stop() }
        let bodies = given ?? jobs()
        let next = Atomic<Int>(0)
        let results = Mutex(Figures(label: label, clients: clients))
        let started = Stopwatch.now()
        Threads.run(clients) { _ in
            let connection = HTTPConnection(port: server.port)
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < bodies.count else { return }
                let sent = Stopwatch.now()
                let response = try? connection.send(
                    "POST", path, headers: [("Content-Type", "application/json")], body: bodies[index])
                let latency = Stopwatch.now() - sent
                let answer = response.flatMap { try? JSONValue.parse($0.body) }?.objectValue
                let usage = answer?["usage"]?.objectValue
                results.withLock { figures in
                    guard response?.status == 200, let usage else {
                        figures.failures += 1
                        return
                    }
                    figures.requests += 1
                    figures.responsesScored += answer?["items"]?.arrayValue?.count ?? 1
                    figures.latencies.append(latency)
                    figures.generatedTokens += usage["completion_tokens"]?.intValue ?? 0
                    figures.promptTokens += usage["prompt_tokens"]?.intValue ?? 0
                    figures.cachedTokens +=
                        usage["prompt_tokens_details"]?.objectValue?["cached_tokens"]?.intValue ?? 0
                }
            }
        }
        var figures = results.withLock { $0 }
        figures.seconds = Stopwatch.now() - started
        figures.computedPromptTokens = try server.metric("spark_prompt_tokens_total")
        return figures
    }

    struct HealthFigures {
        var saturatedRequestsPerSecond = 0.0
        var saturatedMedianMilliseconds = 0.0
        var pacedRequestsPerSecond = 0.0
        var pacedMedianMilliseconds = 0.0
        var pacedP99Milliseconds = 0.0
    }

    /// GET /health from 64 connections: flat out (the median then mostly measures queueing behind the
    /// other 63, 64 / throughput), and paced at one request per connection every 10 ms (the median is
    /// then the per-request overhead of the HTTP layer).
    func health(seconds: Double) throws -> HealthFigures {
        let server = try ServerLauncher(binary: serverBinary, model: modelDirectory, arguments: ["--quiet"])
        defer { server.stop() }
        var figures = HealthFigures()
        for paced in [false, true] {
            let latencies = Mutex([Double]())
            let end = Stopwatch.now() + seconds
            Threads.run(64) { thread in
                let connection = HTTPConnection(port: server.port)
                var mine: [Double] = []
                var nextSend = Stopwatch.now() + Double(thread) * 0.01 / 64
                while Stopwatch.now() < end {
                    if paced {
                        let wait = nextSend - Stopwatch.now()
                        if wait > 0 { usleep(UInt32(wait * 1e6)) }
                        nextSend += 0.01
                    }
                    let sent = Stopwatch.now()
                    guard (try? connection.send("GET", "/health"))?.status == 200 else { continue }
                    mine.append(Stopwatch.now() - sent)
                }
                latencies.withLock { $0 += mine }
            }
            let sorted = latencies.withLock { $0 }.sorted()
            guard !sorted.isEmpty else { continue }
            let median = sorted[sorted.count / 2] * 1000
            if paced {
                figures.pacedRequestsPerSecond = Double(sorted.count) / seconds
                figures.pacedMedianMilliseconds = median
                figures.pacedP99Milliseconds = sorted[min(sorted.count - 1, sorted.count * 99 / 100)] * 1000
            } else {
                figures.saturatedRequestsPerSecond = Double(sorted.count) / seconds
                figures.saturatedMedianMilliseconds = median
            }
        }
        return figures
    }
}

/// A spark-server child process on a free port.
final class ServerLauncher: Sendable {
    let port: Int
    private let pid: pid_t

    init(binary: String, model: String, arguments: [String]) throws {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw BenchmarkError("pipe() failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)
        posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
        let argv = [binary, "--model", model, "--port", "0"] + arguments
        var cArguments = argv.map { strdup($0) } + [nil]
        var child = pid_t()
        let status = posix_spawn(&child, binary, &actions, nil, &cArguments, environ)
        for pointer in cArguments { free(pointer) }
        posix_spawn_file_actions_destroy(&actions)
        close(pipeEnds[1])
        guard status == 0 else { throw BenchmarkError("cannot start \(binary): \(String(cString: strerror(status)))") }
        pid = child
        // Read the server's log until it says where it listens and that the model is ready.
        var log = ""
        var found: Int?
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !(found != nil && log.contains("ready:")) {
            let count = read(pipeEnds[0], &buffer, buffer.count)
            guard count > 0 else {
                close(pipeEnds[0])
                throw BenchmarkError("spark-server stopped before it was ready:\n\(log)")
            }
            log += String(decoding: buffer[0..<count], as: UTF8.self)
            if found == nil, let range = log.firstRange(of: "listening on http://127.0.0.1:") {
                found = Int(log[range.upperBound...].prefix { $0.isNumber })
            }
        }
        port = found!
        // The server keeps writing (an access log unless --quiet); drain the pipe on a thread.
        let descriptor = pipeEnds[0]
        Threads.detach {
            var sink = [UInt8](repeating: 0, count: 4096)
            while read(descriptor, &sink, sink.count) > 0 {}
            close(descriptor)
        }
    }

    func metric(_ name: String) throws -> Double {
        let text = try HTTPConnection(port: port).send("GET", "/metrics").text
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name + " ") }),
            let value = Double(line.split(separator: " ").last ?? "")
        else { throw BenchmarkError("no metric \(name)") }
        return value
    }

    func stop() {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
