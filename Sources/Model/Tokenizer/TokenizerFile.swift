// Reads tokenizer.json into the parts of a byte-level BPE tokenizer, checking every field it uses.
// Anything else (another model type, an unknown pre-tokenizer, normalizer, decoder or post-processor,
// truncation or padding, a merge naming an unknown token) throws a `CheckpointError` that names the
// field, what was expected and what was found. The field names and defaults are HF tokenizers'
// serde ones (`version` "1.0", `use_regex` defaulting to true, merges as "a b" or ["a", "b"]).
//
// Parsing uses Foundation's JSONSerialization: 0.17 s for the 7.5 MB, 151k-token Qwen file in a
// release build, about as fast as Jansson measured (reference swift-c-probes.md, section 4).

import Foundation

struct TokenizerFile {
    var normalizer: Normalizer?
    var preTokenizer: PreTokenizer
    var postProcessor: PostProcessor?
    var vocabulary: [String: Int32]
    var merges: [(String, String)]
    var ignoreMerges: Bool
    var unknownToken: String?
    var fuseUnknown: Bool
    var byteFallback: Bool
    var addedTokens: [AddedToken]

    init(json data: [UInt8], name: String) throws(CheckpointError) {
        if let offset = Self.stringStartingWithByteOrderMark(data) {
            throw CheckpointError(
                file: name,
                problem: "byte \(offset): a string starts with U+FEFF, which Foundation's JSON parser drops; "
                    + "expected a tokenizer without such a token")
        }
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: Data(data))
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            throw CheckpointError(file: name, problem: "expected a JSON tokenizer file, found invalid JSON: \(detail)")
        }
        let reader = TokenizerJSONReader(file: name)
        let top = try reader.object(root, "the top level")
        if let version = top["version"], !(version is NSNull) {
            let text = try reader.string(version, "version")
            guard text == "1.0" else { throw reader.error("version", expected: "\"1.0\"", found: text) }
        }
        for field in ["truncation", "padding"] where top[field] != nil && !(top[field] is NSNull) {
            throw reader.error(field, expected: "null (truncation and padding are not supported)", found: top[field])
        }
        normalizer = try Self.normalizer(top["normalizer"], "normalizer", reader)
        guard let preTokenizerValue = top["pre_tokenizer"], !(preTokenizerValue is NSNull) else {
            throw reader.error("pre_tokenizer", expected: "a byte-level pre-tokenizer", found: top["pre_tokenizer"])
        }
        let steps = try Self.preTokenizerSteps(preTokenizerValue, "pre_tokenizer", reader)
        guard case .byteLevel = steps.last, steps.dropLast().allSatisfy({ if case .split = $0 { true } else { false } })
        else {
            throw reader.error(
                "pre_tokenizer", expected: "Split steps followed by one ByteLevel (a byte-level BPE tokenizer)",
                found: preTokenizerValue)
        }
        preTokenizer = PreTokenizer(steps: steps)
        postProcessor = try Self.postProcessor(top["post_processor"], "post_processor", reader)

        let decoder = try reader.object(top["decoder"], "decoder")
        let decoderType = try reader.string(decoder["type"], "decoder.type")
        guard decoderType == "ByteLevel" else {
            throw reader.error("decoder.type", expected: "\"ByteLevel\"", found: decoderType)
        }

        let model = try reader.object(top["model"], "model")
        let modelType = try reader.string(model["type"], "model.type")
        guard modelType == "BPE" else { throw reader.error("model.type", expected: "\"BPE\"", found: modelType) }
        if let dropout = model["dropout"], !(dropout is NSNull), (dropout as? Double) != 0 {
            throw reader.error("model.dropout", expected: "null (BPE dropout is not supported)", found: dropout)
        }
        for field in ["continuing_subword_prefix", "end_of_word_suffix"]
        where model[field] != nil && !(model[field] is NSNull) {
            throw reader.error("model.\(field)", expected: "null (not used by byte-level BPE)", found: model[field])
        }
        let vocabularyObject = try reader.object(model["vocab"], "model.vocab")
        var vocabulary: [String: Int32] = [:]
        vocabulary.reserveCapacity(vocabularyObject.count)
        for (token, value) in vocabularyObject {
            guard let id = value as? Int, (0...Int(Int32.max)).contains(id) else {
                throw reader.error("model.vocab[\"\(token)\"]", expected: "a non-negative integer id", found: value)
            }
            vocabulary[token] = Int32(id)
        }
        self.vocabulary = vocabulary
        merges = try Self.merges(model["merges"], reader)
        ignoreMerges = try reader.bool(model["ignore_merges"], "model.ignore_merges", default: false)
        fuseUnknown = try reader.bool(model["fuse_unk"], "model.fuse_unk", default: false)
        byteFallback = try reader.bool(model["byte_fallback"], "model.byte_fallback", default: false)
        unknownToken = try reader.optionalString(model["unk_token"], "model.unk_token")

        let addedValues = try reader.array(top["added_tokens"] ?? [Any](), "added_tokens")
        addedTokens = []
        for (index, value) in addedValues.enumerated() {
            let path = "added_tokens[\(index)]"
            let object = try reader.object(value, path)
            addedTokens.append(
                AddedToken(
                    content: try reader.string(object["content"], "\(path).content"),
                    singleWord: try reader.bool(object["single_word"], "\(path).single_word", default: false),
                    leftStrip: try reader.bool(object["lstrip"], "\(path).lstrip", default: false),
                    rightStrip: try reader.bool(object["rstrip"], "\(path).rstrip", default: false),
                    normalized: try reader.bool(object["normalized"], "\(path).normalized", default: true),
                    special: try reader.bool(object["special"], "\(path).special", default: false)))
        }
    }

    /// Where a JSON string starts with U+FEFF, raw or escaped, if anywhere. JSONSerialization drops
    /// that character (it keeps it elsewhere in a string); no real tokenizer has such a token, so
    /// refusing the file is better than silently changing a token.
    private static func stringStartingWithByteOrderMark(_ data: [UInt8]) -> Int? {
        let escaped = Array("\\ufeff".utf8)
        for index in data.indices where data[index] == UInt8(ascii: "\"") {
            let rest = data[(index + 1)...]
            if rest.starts(with: [0xEF, 0xBB, 0xBF]) { return index + 1 }
            if rest.count >= escaped.count
                && zip(rest.prefix(escaped.count), escaped).allSatisfy({
                    (0x41...0x5A).contains($0) ? $0 | 0x20 == $1 : $0 == $1
                })
            {
                return index + 1
            }
        }
        return nil
    }

    private static func merges(_ value: Any?, _ reader: TokenizerJSONReader) throws(CheckpointError) -> [(
        String, String
    )] {
        let values = try reader.array(value, "model.merges")
        var merges: [(String, String)] = []
        merges.reserveCapacity(values.count)
        for value in values {
            let path = "model.merges[\(merges.count)]"
            if let line = value as? String {
                // The older form, one "left right" string; HF skips "#version" lines.
                if line.hasPrefix("#version") { continue }
                let parts = line.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    throw reader.error(path, expected: "two tokens separated by one space", found: line)
                }
                merges.append((String(parts[0]), String(parts[1])))
            } else if let pair = value as? [Any], pair.count == 2, let left = pair[0] as? String,
                let right = pair[1] as? String
            {
                merges.append((left, right))
            } else {
                throw reader.error(path, expected: "a \"left right\" string or a [left, right] pair", found: value)
            }
        }
        return merges
    }

    private static func normalizer(_ value: Any?, _ path: String, _ reader: TokenizerJSONReader) throws(CheckpointError)
        -> Normalizer?
    {
        guard let value, !(value is NSNull) else { return nil }
        let object = try reader.object(value, path)
        let type = try reader.string(object["type"], "\(path).type")
        switch type {
        case "NFC": return .nfc
        case "NFD": return .nfd
        case "NFKC": return .nfkc
        case "NFKD": return .nfkd
        case "Lowercase": return .lowercase
        case "Strip":
            return .strip(
                left: try reader.bool(object["strip_left"], "\(path).strip_left", default: true),
                right: try reader.bool(object["strip_right"], "\(path).strip_right", default: true))
        case "Prepend":
            return .prepend(try reader.string(object["prepend"], "\(path).prepend"))
        case "Replace":
            let pattern = try reader.object(object["pattern"], "\(path).pattern")
            guard let literal = pattern["String"] as? String, !literal.isEmpty else {
                throw reader.error(
                    "\(path).pattern", expected: "{\"String\": non-empty text} (regex patterns are not supported)",
                    found: object["pattern"])
            }
            return .replace(pattern: literal, content: try reader.string(object["content"], "\(path).content"))
        case "Sequence":
            let items = try reader.array(object["normalizers"], "\(path).normalizers")
            var normalizers: [Normalizer] = []
            for (index, item) in items.enumerated() {
                if let normalizer = try normalizer(item, "\(path).normalizers[\(index)]", reader) {
                    normalizers.append(normalizer)
                }
            }
            return .sequence(normalizers)
        default:
            throw reader.error(
                "\(path).type", expected: "one of NFC, NFD, NFKC, NFKD, Lowercase, Strip, Prepend, Replace, Sequence",
                found: type)
        }
    }

    private static func preTokenizerSteps(_ value: Any, _ path: String, _ reader: TokenizerJSONReader)
        throws(CheckpointError)
        -> [PreTokenizerStep]
    {
        let object = try reader.object(value, path)
        let type = try reader.string(object["type"], "\(path).type")
        switch type {
        case "Sequence":
            let items = try reader.array(object["pretokenizers"], "\(path).pretokenizers")
            var steps: [PreTokenizerStep] = []
            for (index, item) in items.enumerated() {
                steps += try preTokenizerSteps(item, "\(path).pretokenizers[\(index)]", reader)
            }
            return steps
        case "Split":
            let pattern = try reader.object(object["pattern"], "\(path).pattern")
            guard let text = pattern["Regex"] as? String, let known = SplitPattern(text: text) else {
                throw reader.error(
                    "\(path).pattern", expected: "{\"Regex\": the GPT-2, Qwen2 or Llama-3 pattern}",
                    found: object["pattern"])
            }
            let behavior = try reader.string(object["behavior"], "\(path).behavior")
            guard behavior == "Isolated" else {
                throw reader.error("\(path).behavior", expected: "\"Isolated\"", found: behavior)
            }
            guard try !reader.bool(object["invert"], "\(path).invert", default: false) else {
                throw reader.error("\(path).invert", expected: "false", found: true)
            }
            return [.split(known)]
        case "ByteLevel":
            return [
                .byteLevel(
                    addPrefixSpace: try reader.bool(
                        object["add_prefix_space"], "\(path).add_prefix_space", default: true),
                    useRegex: try reader.bool(object["use_regex"], "\(path).use_regex", default: true))
            ]
        default:
            throw reader.error("\(path).type", expected: "one of Sequence, Split, ByteLevel", found: type)
        }
    }

    private static func postProcessor(_ value: Any?, _ path: String, _ reader: TokenizerJSONReader)
        throws(CheckpointError)
        -> PostProcessor?
    {
        guard let value, !(value is NSNull) else { return nil }
        let object = try reader.object(value, path)
        let type = try reader.string(object["type"], "\(path).type")
        switch type {
        case "ByteLevel":
            return .byteLevel
        case "Sequence":
            let items = try reader.array(object["processors"], "\(path).processors")
            var processors: [PostProcessor] = []
            for (index, item) in items.enumerated() {
                if let processor = try postProcessor(item, "\(path).processors[\(index)]", reader) {
                    processors.append(processor)
                }
            }
            return .sequence(processors)
        case "TemplateProcessing":
            let specials = try reader.object(object["special_tokens"], "\(path).special_tokens")
            let single = try reader.array(object["single"], "\(path).single")
            var pieces: [PostProcessor.TemplatePiece] = []
            for (index, item) in single.enumerated() {
                let piecePath = "\(path).single[\(index)]"
                let piece = try reader.object(item, piecePath)
                if let sequence = piece["Sequence"] {
                    let id = try reader.string(try reader.object(sequence, piecePath)["id"], "\(piecePath).Sequence.id")
                    guard id == "A" else {
                        throw reader.error("\(piecePath).Sequence.id", expected: "\"A\"", found: id)
                    }
                    pieces.append(.text)
                } else if let special = piece["SpecialToken"] {
                    let name = try reader.string(
                        try reader.object(special, piecePath)["id"], "\(piecePath).SpecialToken.id")
                    let entryPath = "\(path).special_tokens[\"\(name)\"]"
                    let entry = try reader.object(specials[name], entryPath)
                    let ids = try reader.array(entry["ids"], "\(entryPath).ids")
                    var tokenIDs: [Int32] = []
                    for id in ids {
                        guard let id = id as? Int, (0...Int(Int32.max)).contains(id) else {
                            throw reader.error("\(entryPath).ids", expected: "non-negative integer ids", found: id)
                        }
                        tokenIDs.append(Int32(id))
                    }
                    pieces.append(.special(tokenIDs))
                } else {
                    throw reader.error(
                        piecePath, expected: "{\"Sequence\": ...} or {\"SpecialToken\": ...}", found: item)
                }
            }
            return .template(pieces)
        default:
            throw reader.error("\(path).type", expected: "one of ByteLevel, TemplateProcessing, Sequence", found: type)
        }
    }
}

/// Typed access to JSONSerialization's values, with errors naming the field.
private struct TokenizerJSONReader {
    let file: String

    func error(_ path: String, expected: String, found: Any?) -> CheckpointError {
        CheckpointError(file: file, problem: "\(path): expected \(expected), found \(Self.describe(found))")
    }

    func object(_ value: Any?, _ path: String) throws(CheckpointError) -> [String: Any] {
        guard let object = value as? [String: Any] else { throw error(path, expected: "an object", found: value) }
        return object
    }

    func array(_ value: Any?, _ path: String) throws(CheckpointError) -> [Any] {
        guard let array = value as? [Any] else { throw error(path, expected: "an array", found: value) }
        return array
    }

    func string(_ value: Any?, _ path: String) throws(CheckpointError) -> String {
        guard let string = value as? String else { throw error(path, expected: "a string", found: value) }
        return string
    }

    func optionalString(_ value: Any?, _ path: String) throws(CheckpointError) -> String? {
        guard let value, !(value is NSNull) else { return nil }
        return try string(value, path)
    }

    func bool(_ value: Any?, _ path: String, default defaultValue: Bool) throws(CheckpointError) -> Bool {
        guard let value, !(value is NSNull) else { return defaultValue }
        guard let bool = value as? Bool else { throw error(path, expected: "true or false", found: value) }
        return bool
    }

    static func describe(_ value: Any?) -> String {
        switch value {
        case nil: return "nothing (the field is missing)"
        case is NSNull: return "null"
        case let string as String:
            return string.count > 80 ? "the string \"\(string.prefix(80))...\"" : "the string \"\(string)\""
        case let number as NSNumber: return "the number \(number)"
        case let array as [Any]: return "an array of \(array.count) elements"
        case let object as [String: Any]:
            if let type = object["type"] as? String { return "an object of type \"\(type)\"" }
            return "an object with keys \(object.keys.sorted().prefix(6).joined(separator: ", "))"
        default: return "\(value!)"
        }
    }
}
