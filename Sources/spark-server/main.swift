// spark-server: serves one checkpoint over HTTP with continuous batching. The socket listens before
// the model loads, so that /health can answer 503 meanwhile; SIGTERM or SIGINT drains: no new work,
// in-flight requests finish within the grace period, then the process exits 0.

import CommandLineKit
import Dispatch
import Engine
import HTTPServer
import Model
import Scheduler
import Server

#if canImport(Glibc)
    import Glibc
#endif

let command = Command(
    name: "spark-server",
    summary: "Serve a Qwen2 / Llama checkpoint (Hugging Face layout) over HTTP: OpenAI-compatible routes and rewards.",
    options: [
        .value(
            "--model", "DIR",
            help: "checkpoint folder (default: $SPARK_MODEL, else the shipped models/spark-prm-cot)"),
        .value("--served-model-name", "NAME", help: "the name clients use (the checkpoint path is accepted too)"),
        .value("--host", "ADDRESS", help: "address to listen on (0.0.0.0 for all)", default: "127.0.0.1"),
        .value("--port", "N", help: "port to listen on (0: any free port)", default: "8000"),
        .value(
            "--api-key", "KEY",
            help:
                "require this key (Bearer or X-Api-Key); other users see it in ps: prefer SPARK_API_KEY or --api-key-file"
        ),
        .value("--api-key-file", "PATH", help: "require the keys in this file (one per line, # comments)"),
        .value("--max-batch-tokens", "N", help: "tokens per forward pass", default: "512"),
        .value("--max-running", "N", help: "sequences in the running batch at most", default: "64"),
        .value("--kv-cache-mb", "N", help: "memory for the KV cache", default: "2048"),
        .value("--block-size", "N", help: "tokens per KV block", default: "16"),
        .flag("--no-prefix-cache", help: "compute every prompt in full (for comparisons)"),
        .value("--max-waiting", "N", help: "waiting sequences before new requests get 429", default: "4096"),
        .value("--timeout", "SECONDS", help: "default per-request timeout", default: "600"),
        .value("--max-body-mb", "N", help: "largest request body accepted", default: "16"),
        .value("--drain-seconds", "N", help: "grace period for in-flight requests on SIGTERM", default: "30"),
        .value(
            "--retry-window", "SECONDS", help: "how long answers are kept for retries of the same request (0: off)",
            default: "60"),
        .value("--retry-store-mb", "N", help: "memory for answers kept for retries", default: "64"),
        .value(
            "--canary-every", "SECONDS",
            help: "verify master-key canaries (':', an empty solution, ...) this often; see /metrics (0: never)",
            default: "0"),
        .value("--canary-max-tokens", "N", help: "tokens each canary verification may write", default: "1024"),
        .value(
            "--dtype", "auto|f32", help: "auto keeps F32 and BF16 weights as stored; f32 widens all", default: "auto"),
        .flag("--quiet", help: "no access log"),
        .flag("--log-requests", help: "log request bodies and the messages of 400 errors, which quote prompt text"),
    ])

func say(_ message: String) { printToStandardError("spark-server: \(message)") }

let options = command.parseOrExit()
let checkpointDirectory: String
if let given = options.string("--model") {
    checkpointDirectory = given
} else {
    switch DefaultModel.directory() {
    case .success(let directory): checkpointDirectory = directory
    case .failure(let problem):
        say(problem.description)
        exit(2)
    }
}
var serverOptions = ServerOptions()
var httpOptions = HTTPServerOptions()
let scheduling: SchedulingOptions
let drainSeconds: Double
do {
    let environmentKey = getenv("SPARK_API_KEY").map { String(cString: $0) }
    serverOptions.apiKeys = [options.string("--api-key"), environmentKey].compactMap { $0 }.filter { !$0.isEmpty }
    serverOptions.defaultTimeoutSeconds = try options.double("--timeout")!
    serverOptions.maxWaitingSequences = try options.int("--max-waiting")!
    serverOptions.accessLog = !options.flag("--quiet")
    serverOptions.logRequests = options.flag("--log-requests")
    httpOptions.host = options.string("--host")!
    httpOptions.port = try options.int("--port")!
    httpOptions.maxBodyBytes = try options.int("--max-body-mb")! << 20
    var chosen = SchedulingOptions()
    chosen.maxBatchTokens = try options.int("--max-batch-tokens")!
    chosen.maxRunning = try options.int("--max-running")!
    chosen.kvCacheMegabytes = try options.int("--kv-cache-mb")!
    chosen.blockSize = try options.int("--block-size")!
    chosen.prefixCaching = !options.flag("--no-prefix-cache")
    scheduling = chosen
    drainSeconds = try options.double("--drain-seconds")!
    serverOptions.retryWindowSeconds = try options.double("--retry-window")!
    serverOptions.retryStoreBytes = try options.int("--retry-store-mb")! << 20
    serverOptions.canaryIntervalSeconds = try options.double("--canary-every")!
    serverOptions.canaryMaxTokens = try options.int("--canary-max-tokens")!
} catch {
    command.fail(error.description)
}
if let path = options.string("--api-key-file") {
    do {
        serverOptions.apiKeys += try APIKeyFile.read(path)
    } catch {
        say(error.description)
        exit(1)
    }
}
if options.string("--api-key") != nil {
    say("warning: --api-key shows the key to every local user (ps); use SPARK_API_KEY or --api-key-file")
}
guard scheduling.maxBatchTokens > 0, scheduling.maxRunning > 0, scheduling.kvCacheMegabytes > 0,
    scheduling.blockSize > 0, serverOptions.defaultTimeoutSeconds > 0, serverOptions.retryWindowSeconds >= 0,
    serverOptions.retryStoreBytes >= 0, serverOptions.canaryIntervalSeconds >= 0, serverOptions.canaryMaxTokens > 0
else { command.fail("sizes, counts and the timeout must be positive") }
guard let precision = WeightPrecision(rawValue: options.string("--dtype")!) else {
    command.fail("--dtype must be auto or f32")
}

let api = APIServer(options: serverOptions)
let http = HTTPServer(options: httpOptions, handler: api)
do {
    try http.start()
} catch {
    say(error.description)
    exit(1)
}
say("listening on http://\(httpOptions.host):\(http.port)")

/// Loads the checkpoint on its own thread; the server answers 503 until it is ready.
func load() {
    let started = ContinuousClock.now
    do {
        let (runtime, checkpoint, configuration) = try RuntimeLoader.load(
            directory: checkpointDirectory, precision: precision, scheduling: scheduling,
            alias: options.string("--served-model-name"), created: Int(time(nil)))
        let model = runtime.model
        api.becomeReady(runtime)
        let elapsed = ContinuousClock.now - started
        let loadSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        say(
            "ready: \(model.primaryName), \(checkpoint.config.layerCount) layers, KV cache of \(configuration.kvCacheBlocks * configuration.blockSize) tokens, loaded in \(Int(loadSeconds * 1000)) ms"
        )
        if let problem = model.chatTemplateProblem { say("chat completions are off: \(problem)") }
    } catch {
        say("cannot load the model: \(error)")
        api.loadingFailed("\(error)")
        http.stop()
        exit(1)
    }
}
DispatchQueue(label: "spark-load").async(execute: load)

/// Drains and exits: stop accepting, let in-flight requests finish within the grace period, cancel
/// what is left, exit 0.
func drain(_ signalName: String) {
    say("\(signalName): draining (up to \(Int(drainSeconds)) s)")
    let runtime = api.beginDraining()
    http.stopAccepting()
    let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int64(drainSeconds * 1000)))
    while api.requestsInFlight > 0 && ContinuousClock.now < deadline { usleep(10_000) }
    let unfinished = api.requestsInFlight
    runtime?.scheduler.shutdown(drain: unfinished == 0)
    // Cancelled sequences answer 503 as they finish; give their answers, and every answer handed to the
    // HTTP server but not yet sent, a moment to leave (stopping at once lost the last answers under load).
    let cancelDeadline = ContinuousClock.now.advanced(by: .seconds(2))
    while (api.requestsInFlight > 0 || http.liveRequestCount > 0) && ContinuousClock.now < cancelDeadline {
        usleep(10_000)
    }
    http.stop()
    say("stopped (\(unfinished) requests were cut short)")
    exit(0)
}

var signalSources: [DispatchSourceSignal] = []
for (number, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
    signal(number, SIG_IGN)
    // On the main queue: the drain runs there, where this file's state lives (dispatchMain serves it).
    let source = DispatchSource.makeSignalSource(signal: number, queue: .main)
    source.setEventHandler { drain(name) }
    source.resume()
    signalSources.append(source)
}
dispatchMain()
