// spark-tokenize: encodes text or decodes ids with a tokenizer.json, printing one JSON object per
// line: {"ids": [...]} or {"text": "..."}. With --batch, each line of a JSONL file is one request;
// a bad line prints {"error": "line N: ..."} in its place, the others still run, and the exit status
// is then 1.

import CommandLineKit
import Foundation
import Model

let command = Command(
    name: "spark-tokenize",
    summary: "Encode text or decode ids with a Hugging Face tokenizer.json (byte-level BPE).",
    options: [
        .value("--tokenizer", "FILE", help: "the tokenizer.json to use", required: true),
        .value("--text", "TEXT", help: "encode TEXT; prints {\"ids\": [...]}"),
        .value("--ids", "1,2,3", help: "decode these ids; prints {\"text\": \"...\"}"),
        .value(
            "--batch", "FILE.jsonl",
            help: "one request per line: {\"text\": ..., \"add_special_tokens\": bool} or "
                + "{\"ids\": [...], \"skip_special\": bool}"),
        .flag("--add-special-tokens", help: "with --text, add the post-processor's special tokens (e.g. BOS)"),
        .flag("--skip-special", help: "with --ids, leave special tokens out of the text"),
    ])

let arguments = command.parseOrExit()
let requests = ["--text", "--ids", "--batch"].filter { arguments.string($0) != nil }
guard requests.count == 1 else { command.fail("give exactly one of --text, --ids, --batch") }

let tokenizer: Tokenizer
do {
    tokenizer = try Tokenizer(contentsOfFile: arguments.string("--tokenizer")!)
} catch {
    printToStandardError("spark-tokenize: error: \(error)")
    exit(1)
}

/// One line of a --batch file.
struct BatchRequest: Decodable {
    let text: String?
    let ids: [Int64]?
    let add_special_tokens: Bool?
    let skip_special: Bool?
}

enum Output {
    static func ids(_ ids: [Int32]) -> String {
        "{\"ids\": [\(ids.map(String.init).joined(separator: ", "))]}"
    }

    static func text(_ text: String) -> String { "{\"text\": \(quoted(text))}" }

    static func error(_ message: String) -> String { "{\"error\": \(quoted(message))}" }

    /// A JSON string: quotes, backslashes and control characters escaped, everything else as UTF-8.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            case "\u{00}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

/// Ids must fit the tokenizer's id type; HF's own decode rejects negative ones too.
func checkedIDs(_ values: [Int64]) -> [Int32]? {
    guard values.allSatisfy({ (0...Int64(Int32.max)).contains($0) }) else { return nil }
    return values.map { Int32($0) }
}

struct RequestError: Error {
    let message: String
}

func respond(to line: Data) throws(RequestError) -> String {
    let request: BatchRequest
    do {
        request = try JSONDecoder().decode(BatchRequest.self, from: line)
    } catch let error as DecodingError {
        throw RequestError(message: describe(error))
    } catch {
        throw RequestError(message: "\(error)")
    }
    switch (request.text, request.ids) {
    case (let text?, nil):
        return Output.ids(tokenizer.encode(text, addSpecialTokens: request.add_special_tokens ?? false))
    case (nil, let values?):
        guard let ids = checkedIDs(values) else {
            throw RequestError(message: "\"ids\": expected integers from 0 to \(Int32.max)")
        }
        return Output.text(tokenizer.decode(ids, skipSpecialTokens: request.skip_special ?? false))
    default:
        throw RequestError(message: "expected an object with either \"text\" or \"ids\"")
    }
}

func describe(_ error: DecodingError) -> String {
    func path(_ context: DecodingError.Context) -> String {
        let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
        return keys.isEmpty ? "" : "\"\(keys.joined(separator: "."))\": "
    }
    switch error {
    case .dataCorrupted(let context): return path(context) + "not valid JSON (\(context.debugDescription))"
    case .typeMismatch(let type, let context): return path(context) + "expected \(type)"
    case .valueNotFound(let type, let context): return path(context) + "expected \(type), found null"
    case .keyNotFound(let key, _): return "missing \"\(key.stringValue)\""
    @unknown default: return "\(error)"
    }
}

if let text = arguments.string("--text") {
    print(Output.ids(tokenizer.encode(text, addSpecialTokens: arguments.flag("--add-special-tokens"))))
} else if arguments.string("--ids") != nil {
    let values: [Int]
    do {
        values = try arguments.intList("--ids") ?? []
    } catch {
        command.fail(error.description)
    }
    guard let ids = checkedIDs(values.map { Int64($0) }) else {
        command.fail("option '--ids': ids must be between 0 and \(Int32.max)")
    }
    print(Output.text(tokenizer.decode(ids, skipSpecialTokens: arguments.flag("--skip-special"))))
} else if let path = arguments.string("--batch") {
    guard let data = FileManager.default.contents(atPath: path) else {
        printToStandardError("spark-tokenize: error: cannot read the batch file \(path)")
        exit(1)
    }
    var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    if lines.last?.isEmpty == true { lines.removeLast() }
    var failed = false
    for (index, line) in lines.enumerated() {
        do {
            print(try respond(to: Data(line)))
        } catch {
            failed = true
            print(Output.error("line \(index + 1): \(error.message)"))
        }
    }
    exit(failed ? 1 : 0)
}
