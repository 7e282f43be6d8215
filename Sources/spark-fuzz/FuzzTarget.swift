// The fuzz targets: each takes arbitrary bytes to one of the project's parsers of outside input and
// checks what must hold whatever the bytes. A crash, a failed check or a sanitizer report is a finding;
// an error thrown by the parser is the right answer to bad input.

import JSON
import Model
import Reward
import Server

#if canImport(Glibc)
    import Glibc
#endif

enum FuzzTarget: String, CaseIterable {
    /// Every route's request decoding and the scoring routes' answers: the first byte picks the
    /// route, a zero byte ends the body, and what follows is the reward model's reply.
    case request
    /// The JSON parser: what parses serialises and parses back to the same value.
    case json
    /// A safetensors file's header and offsets.
    case safetensors
    /// config.json.
    case config
    /// tokenizer.json, and encoding arbitrary text with the fixture tokenizer.
    case tokenizer
    /// Reward-model replies, policy responses' steps and format gates.
    case verdict

    func run(_ bytes: [UInt8]) {
        switch self {
        case .request: Self.request(bytes)
        case .json: Self.json(bytes)
        case .safetensors: Self.safetensors(bytes)
        case .config: Self.config(bytes)
        case .tokenizer: Self.tokenizer(bytes)
        case .verdict: Self.verdict(bytes)
        }
    }

    static let tokenizerPath =
        getenv("SPARK_FUZZ_TOKENIZER").map { String(cString: $0) }
        ?? String(#filePath.dropLast("Sources/spark-fuzz/FuzzTarget.swift".count))
        + "Tests/Fixtures/tokenizers/qwen-real/tokenizer.json"

    static let servedModel: ServedModel = {
        guard let tokenizer = try? Tokenizer(contentsOfFile: tokenizerPath), let end = tokenizer.id(of: "<|im_end|>")
        else { fatalError("spark-fuzz needs the fixture tokenizer at \(tokenizerPath) (or SPARK_FUZZ_TOKENIZER)") }
        return ServedModel(
            names: ["fuzz"], tokenizer: tokenizer, chatTemplate: .chatML(defaultSystemPrompt: nil),
            contextLength: 4096, vocabularySize: tokenizer.vocabularySize, endOfSequenceIds: [end])
    }()

    private static func request(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        let routes = RequestValidation.routes
        let route = routes[Int(first) % routes.count]
        let query = first >= 128 ? ["design": "global_step_reward", "format": "none", "max_tokens": "7"] : [:]
        let rest = bytes.dropFirst()
        let end = rest.firstIndex(of: 0) ?? rest.endIndex
        let reply = end < rest.endIndex ? String(decoding: rest[(end + 1)...], as: UTF8.self) : ""
        _ = try? RequestValidation.check(
            route: route, body: Array(rest[..<end]), query: query, model: servedModel, reply: reply)
    }

    private static func json(_ bytes: [UInt8]) {
        guard let value = try? JSONValue.parse(bytes) else { return }
        let again = try? JSONValue.parse(Array(value.serialized.utf8))
        precondition(again == value, "JSON does not survive serialisation: \(value.serialized)")
    }

    private static func safetensors(_ bytes: [UInt8]) {
        let path = "/tmp/spark-fuzz-\(getpid()).safetensors"
        guard let file = fopen(path, "wb") else { fatalError("cannot write \(path)") }
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, bytes.count, file) }
        fclose(file)
        defer { unlink(path) }
        guard let parsed = try? SafetensorsFile(path: path) else { return }
        for tensor in parsed.tensors.values where tensor.byteCount > 0 {
            // Touch both ends: a range outside the mapping is a sanitizer report.
            _ = tensor.data.load(as: UInt8.self)
            _ = tensor.data.load(fromByteOffset: tensor.byteCount - 1, as: UInt8.self)
        }
    }

    private static func config(_ bytes: [UInt8]) {
        guard let value = try? JSONValue.parse(bytes) else { return }
        _ = try? ModelConfig(json: value, file: "config.json")
    }

    private static func tokenizer(_ bytes: [UInt8]) {
        _ = try? Tokenizer(json: bytes, name: "tokenizer.json")
        let tokenizer = servedModel.tokenizer
        let text = String(decoding: bytes, as: UTF8.self)
        let once = tokenizer.decode(tokenizer.encode(text))
        // Normalisation may change the text once, never twice.
        precondition(tokenizer.decode(tokenizer.encode(once)) == once, "encode/decode is not stable on \(bytes)")
    }

    private static func verdict(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        for variant in RewardModelVariant.allCases { _ = RewardModelReply(parsing: text, variant: variant) }
        for format in PolicyFormat.allCases { _ = FormatCheck(response: text, format: format) }
        let length = text.unicodeScalars.count
        var previousEnd = 0
        for span in PolicySteps(response: text).spans {
            precondition(span.lowerBound >= previousEnd && span.upperBound <= length, "step span \(span) out of order")
            previousEnd = span.upperBound
        }
    }
}
