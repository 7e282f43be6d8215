// spark-generate: generation from a Hugging Face checkpoint folder, for people and for checking the
// engine against another implementation (ids in, ids and logits out).

import CommandLineKit
import Engine
import JSON
import Model
import Scheduler

#if canImport(Glibc)
    import Glibc
#endif

let command = Command(
    name: "spark-generate",
    summary: "Generate text from a Qwen2 / Llama checkpoint in Hugging Face layout.",
    options: [
        .value(
            "--model", "DIR", help: "checkpoint folder (config.json, model.safetensors, tokenizer.json)", required: true
        ),
        .value("--prompt", "TEXT", help: "the prompt"),
        .value("--prompt-ids", "1,2,3", help: "the prompt as token ids instead of text"),
        .value(
            "--batch", "FILE.jsonl",
            help:
                "one {\"prompt\"} or {\"prompt_ids\"} object per line, run as one batch; may also set max_tokens, temperature, top_p, top_k, seed, stop"
        ),
        .flag("--chat", help: "wrap the prompt as a user message in the checkpoint's chat template"),
        .value("--system", "TEXT", help: "with --chat: a system message"),
        .value("--max-tokens", "N", help: "tokens to generate at most", default: "64"),
        .value("--temperature", "T", help: "0 picks the most likely token", default: "0"),
        .value("--top-p", "P", help: "nucleus sampling mass", default: "1"),
        .value("--top-k", "K", help: "sample among the K most likely tokens (0: all)", default: "0"),
        .value("--seed", "S", help: "random seed (default: a fresh one)"),
        .value("--stop", "TEXT", help: "stop before this text"),
        .flag("--ignore-eos", help: "keep generating past EOS tokens"),
        .value("--logprobs", "N", help: "with --json: the N most likely alternatives at each step", default: "0"),
        .flag("--json", help: "print one JSON object per prompt: ids, completion, finish_reason, per-token logprobs"),
        .value(
            "--dump-logits", "FILE.npy",
            help: "write the float32 logits of every prompt position, shape [prompt_len, vocab]"),
        .value(
            "--dtype", "auto|f32", help: "auto keeps F32 and BF16 weights as stored; f32 widens all", default: "auto"),
    ])

struct Inputs {
    var requests: [GenerationRequest] = []
    /// Per non-blank input line: its number in the file and the index of its request, or its error.
    var lines: [(number: Int, outcome: Result<Int, LineError>)] = []
}

struct LineError: Error {
    let message: String
}

func fail(_ message: String) -> Never {
    printToStandardError("spark-generate: \(message)")
    exit(1)
}

let options = command.parseOrExit()
let checkpoint: Checkpoint
let weights: ModelWeights
let tokenizer: Tokenizer?
do {
    checkpoint = try Checkpoint(directory: options.string("--model")!)
    guard let precision = WeightPrecision(rawValue: options.string("--dtype")!) else {
        command.fail("--dtype must be auto or f32")
    }
    weights = try ModelWeights(checkpoint: checkpoint, precision: precision)
    tokenizer = try checkpoint.tokenizerPath.map { path throws(CheckpointError) in try Tokenizer(contentsOfFile: path) }
} catch {
    fail(error.description)
}

let baseSampling: SamplingParameters = {
    do {
        var sampling = SamplingParameters(
            temperature: Float(try options.double("--temperature")!), topK: try options.int("--top-k")!,
            topP: Float(try options.double("--top-p")!),
            seed: try options.int("--seed").map { UInt64(bitPattern: Int64($0)) },
            maxTokens: try options.int("--max-tokens")!, topLogprobs: try options.int("--logprobs")!)
        if let stop = options.string("--stop") { sampling.stopStrings = [stop] }
        if !options.flag("--ignore-eos") {
            let eosName = checkpoint.tokenizerConfig.eosToken
            sampling.stopTokenIds = checkpoint.endOfSequenceIds(eosTokenId: eosName.flatMap { tokenizer?.id(of: $0) })
        }
        return sampling
    } catch {
        command.fail("\(error)")
    }
}()

/// Token ids of a text prompt: the chat template applied with --chat; special tokens added as the
/// tokenizer's post-processor says (BOS for Llama-3), as transformers and vLLM do for plain prompts.
func encode(_ text: String) throws(LineError) -> [Int32] {
    guard let tokenizer else { throw LineError(message: "the checkpoint has no tokenizer.json: give --prompt-ids") }
    guard options.flag("--chat") else { return tokenizer.encode(text, addSpecialTokens: true) }
    let template: ChatTemplate
    do {
        template = try ChatTemplate.recognise(checkpoint.tokenizerConfig.chatTemplate)
    } catch {
        throw LineError(message: error.description)
    }
    var messages = [ChatMessage(role: "user", content: text)]
    if let system = options.string("--system") { messages.insert(ChatMessage(role: "system", content: system), at: 0) }
    return tokenizer.encode(template.render(messages, addGenerationPrompt: true), addSpecialTokens: false)
}

func request(fromLine line: JSONValue) throws(LineError) -> GenerationRequest {
    guard let object = line.objectValue else {
        throw LineError(message: "expected a JSON object, found \(line.kindName)")
    }
    var sampling = baseSampling
    func number(_ key: String) throws(LineError) -> Double? {
        guard let value = object[key] else { return nil }
        guard let number = value.doubleValue else { throw LineError(message: "'\(key)' must be a number") }
        return number
    }
    func integer(_ key: String) throws(LineError) -> Int? {
        guard let value = object[key] else { return nil }
        guard let integer = value.intValue else { throw LineError(message: "'\(key)' must be an integer") }
        return integer
    }
    if let value = try integer("max_tokens") { sampling.maxTokens = value }
    if let value = try number("temperature") { sampling.temperature = Float(value) }
    if let value = try number("top_p") { sampling.topP = Float(value) }
    if let value = try integer("top_k") { sampling.topK = value }
    if let value = try integer("seed") { sampling.seed = UInt64(bitPattern: Int64(value)) }
    if let stop = object["stop"] {
        guard let strings = stop.stringValue.map({ [$0] }) ?? stop.arrayValue?.compactMap(\.stringValue) else {
            throw LineError(message: "'stop' must be a string or a list of strings")
        }
        sampling.stopStrings = strings
    }
    switch (object["prompt"], object["prompt_ids"]) {
    case (.string(let text)?, nil):
        return GenerationRequest(promptIds: try encode(text), sampling: sampling)
    case (nil, .array(let values)?):
        var ids: [Int32] = []
        for value in values {
            guard let id = value.intValue, let narrow = Int32(exactly: id) else {
                throw LineError(message: "'prompt_ids' must be a list of token ids")
            }
            ids.append(narrow)
        }
        return GenerationRequest(promptIds: ids, sampling: sampling)
    default:
        throw LineError(message: "give exactly one of 'prompt' (a string) or 'prompt_ids' (a list of ids)")
    }
}

func parseLine(_ line: ArraySlice<UInt8>) throws(LineError) -> JSONValue {
    do {
        return try JSONValue.parse(line)
    } catch {
        throw LineError(message: error.description)
    }
}

func readInputs() -> Inputs {
    var inputs = Inputs()
    if let batchPath = options.string("--batch") {
        if options.string("--prompt") != nil || options.string("--prompt-ids") != nil
            || options.string("--dump-logits") != nil
        {
            command.fail("--batch cannot be combined with --prompt, --prompt-ids or --dump-logits")
        }
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.read(batchPath)
        } catch {
            fail(error.description)
        }
        for (index, line) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            do throws(LineError) {
                inputs.requests.append(try request(fromLine: try parseLine(line)))
                inputs.lines.append((index + 1, .success(inputs.requests.count - 1)))
            } catch {
                inputs.lines.append((index + 1, .failure(error)))
            }
        }
        return inputs
    }
    do {
        switch (options.string("--prompt"), try options.intList("--prompt-ids")) {
        case (let text?, nil):
            inputs.requests = [GenerationRequest(promptIds: try encode(text), sampling: baseSampling)]
        case (nil, let ids?):
            guard let narrow = ids.map({ Int32(exactly: $0) }) as? [Int32] else {
                command.fail("--prompt-ids: ids out of range")
            }
            inputs.requests = [GenerationRequest(promptIds: narrow, sampling: baseSampling)]
        default:
            command.fail("give one of --prompt, --prompt-ids or --batch")
        }
    } catch let error as LineError {
        fail(error.message)
    } catch {
        command.fail("\(error)")
    }
    inputs.requests[0].keepPromptLogits = options.string("--dump-logits") != nil
    inputs.lines = [(1, .success(0))]
    return inputs
}

func render(_ result: GenerationResult) -> String {
    var object: JSONObject = [
        "prompt_ids": .array(result.promptIds.map { .int(Int($0)) }),
        "completion_ids": .array(result.completionIds.map { .int(Int($0)) }),
        "completion": .string(result.completion),
        "finish_reason": .string(result.finishReason.rawValue),
        "logprobs": .array(result.tokenLogprobs.map { .double(Double($0)) }),
    ]
    if baseSampling.topLogprobs > 0 {
        object["top_logprobs"] = .array(
            result.topLogprobs.map { step in
                .array(step.map { .object(["id": .int(Int($0.token)), "logprob": .double(Double($0.logprob))]) })
            })
    }
    return JSONValue.object(object).serialized
}

var inputs = readInputs()
let generator = Generator(transformer: Transformer(weights: weights), tokenizer: tokenizer)
// A request the model cannot run fails its own line, not the batch.
var runnable: [GenerationRequest] = []
for (position, line) in inputs.lines.enumerated() {
    guard case .success(let index) = line.outcome else { continue }
    do {
        try generator.validate(inputs.requests[index], index: index)
        runnable.append(inputs.requests[index])
        inputs.lines[position].outcome = .success(runnable.count - 1)
    } catch {
        if options.string("--batch") == nil { fail(error.message) }
        inputs.lines[position].outcome = .failure(LineError(message: error.message))
    }
}
inputs.requests = runnable
let results: [GenerationResult]
do {
    results = try generator.generate(inputs.requests)
} catch {
    fail(error.message)
}
if let path = options.string("--dump-logits"), let logits = results.first?.promptLogits {
    do {
        let file = try AtomicFile(path: path)
        try file.write(logits.fileBytes)
        try file.commit()
    } catch {
        fail(error.description)
    }
}
var failedLines = 0
for line in inputs.lines {
    switch line.outcome {
    case .success(let index):
        print(
            options.flag("--json") || options.string("--batch") != nil
                ? render(results[index]) : results[index].completion)
    case .failure(let error):
        failedLines += 1
        print(JSONValue.object(["error": .string("line \(line.number): \(error.message)")]).serialized)
    }
}
exit(failedLines == 0 ? 0 : 1)
