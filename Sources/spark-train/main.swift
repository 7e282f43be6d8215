// spark-train: the programs that produce and judge the models spark-server serves: Stage I data
// synthesis, tokenizer training, supervised fine-tuning and pretraining (TrainingJobs.swift), and the
// evaluation of process reward models on ProcessBench; and the recipe that runs them all in order
// (RecipeCommand.swift).

import CommandLineKit
import HTTPClient
import HTTPServer
import JSON
import Kernels
import Model
import Server
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

struct TrainError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Per-record results filled from several threads.
final class LockedResults<Value: Sendable>: Sendable {
    private let state: Mutex<(values: [Value?], failure: String?)>
    init(count: Int) { state = Mutex((Array(repeating: nil, count: count), nil)) }
    func set(_ index: Int, _ value: Value?) { state.withLock { $0.values[index] = value } }
    func fail(_ message: String) { state.withLock { if $0.failure == nil { $0.failure = message } } }
    var values: [Value?] { state.withLock { $0.values } }
    var failure: String? { state.withLock { $0.failure } }
}

let processBenchCommand = Command(
    name: "spark-train eval processbench",
    summary: "Judge a process reward model on ProcessBench: accuracy on erroneous and correct samples, F1 per split.",
    options: [
        .value(
            "--data", "FILES", help: "ProcessBench JSON or JSONL files, comma-separated (one split each)",
            required: true),
        .value("--model", "DIR", help: "serve this checkpoint in process"),
        .value("--server", "URL", help: "or ask a running spark-server (http://host:port)"),
        .value("--api-key", "KEY", help: "the server's API key"),
        .value(
            "--variant", "prm_cot|prm|orm", help: "reward-model variant (an ORM is scored on its Yes/No alone)",
            default: "prm_cot"),
        .value("--n", "N", help: "verifications per record (step-level majority)", default: "1"),
        .value("--max-tokens", "N", help: "tokens per verification", default: "4096"),
        .value("--batch-size", "N", help: "records per request", default: "16"),
        .value("--concurrency", "N", help: "requests in flight", default: "4"),
        .value("--report", "FILE", help: "also write the JSON report here"),
        .flag("--json", help: "print the JSON report instead of the table"),
    ])

func runProcessBench(_ arguments: [String]) throws {
    let options = processBenchCommand.parseOrExit(arguments)
    let files = options.string("--data")!.split(separator: ",").map(String.init)
    var records: [ProcessBenchRecord] = []
    for file in files { records += try ProcessBench.load(file) }
    var requestOptions: JSONObject = [
        "variant": .string(options.string("--variant")!), "n": .int(try options.int("--n")!),
        "max_tokens": .int(try options.int("--max-tokens")!), "aggregate": .string("step"),
    ]
    if try options.int("--n")! == 1 { requestOptions["temperature"] = .int(0) }
    let host: String
    let port: Int
    var inProcess: HTTPServer?
    switch (options.string("--model"), options.string("--server")) {
    case (let directory?, nil):
        let (runtime, _, _) = try RuntimeLoader.load(
            directory: directory, precision: .asStored, scheduling: SchedulingOptions(), alias: nil, created: 0)
        var serverOptions = ServerOptions()
        serverOptions.accessLog = false
        let api = APIServer(options: serverOptions)
        api.becomeReady(runtime)
        var httpOptions = HTTPServerOptions()
        httpOptions.port = 0
        let server = HTTPServer(options: httpOptions, handler: api)
        try server.start()
        (host, port, inProcess) = ("127.0.0.1", server.port, server)
    case (nil, let url?):
        guard url.hasPrefix("http://"), let colon = url.dropFirst(7).lastIndex(of: ":"),
            let parsedPort = Int(url[url.index(after: colon)...].prefix { $0.isNumber })
        else { processBenchCommand.fail("--server must look like http://host:port") }
        (host, port) = (String(url.dropFirst(7)[..<colon]), parsedPort)
    default:
        processBenchCommand.fail("give one of --model or --server")
    }
    let done = Atomic<Int>(0)
    let total = records.count
    let predictions = try ProcessBench.predict(
        records, host: host, port: port, apiKey: options.string("--api-key"), options: requestOptions,
        batchSize: try options.int("--batch-size")!, concurrency: try options.int("--concurrency")!
    ) { count in
        let finished = done.add(count, ordering: .relaxed).newValue
        writeToStandardError("\rjudged \(finished) of \(total)")
    }
    printToStandardError("")
    inProcess?.stop()
    let scores = ProcessBench.score(records, predictions: predictions)
    let average = scores.isEmpty ? 0 : scores.map { $0.f1 }.reduce(0, +) / Double(scores.count)
    let report: JSONValue = .object([
        "records": .int(records.count), "splits": .array(scores.map { $0.json }), "average_f1": .double(average),
    ])
    if let path = options.string("--report") {
        let file = try AtomicFile(path: path)
        try file.write(report.serialized + "\n")
        try file.commit()
    }
    if options.flag("--json") {
        print(report.serialized)
        return
    }
    print("split            erroneous acc   correct acc   F1      unjudged")
    for score in scores {
        let name = score.split + String(repeating: " ", count: max(1, 17 - score.split.count))
        print(
            "\(name)\(percent(score.erroneousAccuracy)) of \(score.erroneous)   \(percent(score.correctAccuracy)) of \(score.correct)   \(percent(score.f1))   \(score.unjudged)"
        )
    }
    print("average F1       \(percent(average))")
}

func percent(_ value: Double) -> String {
    let tenths = Int((value * 1000).rounded())
    return "\(tenths / 10).\(tenths % 10) %"
}

let arguments = Array(CommandLine.arguments.dropFirst())
let usage = """
    usage: spark-train synth [options]
           spark-train tokenizer [options]
           spark-train pretrain [options]
           spark-train sft [options]
           spark-train eval processbench [options]
           spark-train recipe [options]
    (add --help for the options)
    """
let job: ([String]) throws -> Void
var jobArguments = Array(arguments.dropFirst())
switch arguments.first {
case "synth": job = runSynth
case "tokenizer": job = runTokenizerTraining
case "sft": job = runSFT
case "pretrain": job = runPretrain
case "recipe": job = runRecipe
case "eval" where arguments.count >= 2 && arguments[1] == "processbench":
    job = runProcessBench
    jobArguments.removeFirst()
default:
    printToStandardError(usage)
    exit(2)
}
do {
    try job(jobArguments)
} catch {
    printToStandardError("spark-train: \(error)")
    exit(1)
}
