// spark-tokenize: encodes text or decodes ids with a tokenizer.json, printing one JSON object per
// line: {"ids":[...]} or {"text":"..."}. With --batch, each line of a JSONL file is one request; a bad
// line prints {"error":"line N: ..."} in its place, the others still run, and the exit status is 1.

import CommandLineKit
import JSON
import Model

#if canImport(Glibc)
    import Glibc
#endif

let command = Command(
    name: "spark-tokenize",
    summary: "Encode text or decode ids with a Hugging Face tokenizer.json (byte-level BPE).",
    options: [
        .value("--tokenizer", "FILE", help: "the tokenizer.json to use", required: true),
        .value("--text", "TEXT", help: "encode TEXT; prints {\"ids\":[...]}"),
        .value("--ids", "1,2,3", help: "decode these ids; prints {\"text\":\"...\"}"),
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

func idsOutput(_ ids: [Int32]) -> String { JSONValue.object(["ids": .array(ids.map { .int(Int($0)) })]).serialized }

func textOutput(_ text: String) -> String { JSONValue.object(["text": .string(text)]).serialized }

/// Ids must fit the tokenizer's id type; HF's own decode rejects negative ones too.
func checkedIDs(_ values: [Int]) -> [Int32]? {
    guard values.allSatisfy({ (0...Int(Int32.max)).contains($0) }) else { return nil }
    return values.map { Int32($0) }
}

struct RequestError: Error {
    let message: String
}

func respond(to line: ArraySlice<UInt8>) throws(RequestError) -> String {
    let value: JSONValue
    do {
        value = try JSONValue.parse(line)
    } catch {
        throw RequestError(message: "not valid JSON (\(error.description))")
    }
    guard let request = value.objectValue else {
        throw RequestError(message: "expected an object with either \"text\" or \"ids\", found \(value.kindName)")
    }
    func flag(_ key: String) throws(RequestError) -> Bool {
        guard let field = request[key], !field.isNull else { return false }
        guard let bool = field.boolValue else { throw RequestError(message: "\"\(key)\": expected true or false") }
        return bool
    }
    switch (request["text"], request["ids"]) {
    case (.string(let text)?, nil):
        return idsOutput(tokenizer.encode(text, addSpecialTokens: try flag("add_special_tokens")))
    case (nil, .array(let values)?):
        guard let ids = checkedIDs(values.compactMap(\.intValue)), ids.count == values.count else {
            throw RequestError(message: "\"ids\": expected integers from 0 to \(Int32.max)")
        }
        return textOutput(tokenizer.decode(ids, skipSpecialTokens: try flag("skip_special")))
    default:
        throw RequestError(message: "expected an object with either \"text\" (a string) or \"ids\" (a list)")
    }
}

if let text = arguments.string("--text") {
    print(idsOutput(tokenizer.encode(text, addSpecialTokens: arguments.flag("--add-special-tokens"))))
} else if arguments.string("--ids") != nil {
    let values: [Int]
    do {
        values = try arguments.intList("--ids") ?? []
    } catch {
        command.fail(error.description)
    }
    guard let ids = checkedIDs(values) else { command.fail("option '--ids': ids must be between 0 and \(Int32.max)") }
    print(textOutput(tokenizer.decode(ids, skipSpecialTokens: arguments.flag("--skip-special"))))
} else if let path = arguments.string("--batch") {
    let bytes: [UInt8]
    do {
        bytes = try FileSystem.read(path)
    } catch {
        printToStandardError("spark-tokenize: error: \(error)")
        exit(1)
    }
    var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    if lines.last?.isEmpty == true { lines.removeLast() }
    var failed = false
    for (index, line) in lines.enumerated() {
        do {
            print(try respond(to: line))
        } catch {
            failed = true
            print(JSONValue.object(["error": .string("line \(index + 1): \(error.message)")]).serialized)
        }
    }
    exit(failed ? 1 : 0)
}
