// Reads tokenizer.json into the parts of a byte-level BPE tokenizer, checking every field it uses.
// Anything else (another model type, an unknown pre-tokenizer, normalizer, decoder or post-processor,
// truncation or padding, a merge naming an unknown token) throws a `CheckpointError` that names the
// field, what was expected and what was found. The field names and defaults are HF tokenizers'
// serde ones (`version` "1.0", `use_regex` defaulting to true, merges as "a b" or ["a", "b"]).
//
// Parsing uses the project's JSON target (Jansson), which keeps every string as written, a U+FEFF at
// its start included (Foundation's JSONSerialization drops that one). For the 7.5 MB, 151k-token Qwen
// file in a release build: 0.18 s to parse, 0.31 s for this whole reading (0.35 s with
// JSONSerialization, whose parse is faster but whose bridged values are slower to read).

import JSON

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
        let root: JSONValue
        do {
            root = try JSONValue.parse(data)
        } catch {
            throw CheckpointError(file: name, problem: "expected a JSON tokenizer file, found \(error)")
        }
        let reader = TokenizerJSONReader(file: name)
        let top = try reader.object(root, "the top level")
        if let version = top["version"], !version.isNull {
            let text = try reader.string(version, "version")
            guard text == "1.0" else { throw reader.error("version", expected: "\"1.0\"", found: version) }
        }
        for field in ["truncation", "padding"] where !TokenizerJSONReader.isAbsent(top[field]) {
            throw reader.error(field, expected: "null (truncation and padding are not supported)", found: top[field])
        }
        normalizer = try Self.normalizer(top["normalizer"], "normalizer", reader)
        guard let preTokenizerValue = top["pre_tokenizer"], !preTokenizerValue.isNull else {
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
            throw reader.error("decoder.type", expected: "\"ByteLevel\"", found: decoder["type"])
        }

        let model = try reader.object(top["model"], "model")
        let modelType = try reader.string(model["type"], "model.type")
        guard modelType == "BPE" else { throw reader.error("model.type", expected: "\"BPE\"", found: model["type"]) }
        if let dropout = model["dropout"], !dropout.isNull, dropout.doubleValue != 0 {
            throw reader.error("model.dropout", expected: "null (BPE dropout is not supported)", found: dropout)
        }
        // Converted vocabularies often write "" for these, which adds nothing: the same as absent.
        for field in ["continuing_subword_prefix", "end_of_word_suffix"]
        where !TokenizerJSONReader.isAbsent(model[field]) && model[field]?.stringValue != "" {
            throw reader.error(
                "model.\(field)", expected: "null or \"\" (not used by byte-level BPE)", found: model[field])
        }
        let vocabularyObject = try reader.object(model["vocab"], "model.vocab")
        var vocabulary: [String: Int32] = [:]
        vocabulary.reserveCapacity(vocabularyObject.count)
        for (token, value) in vocabularyObject.pairs {
            guard case .int(let id) = value, (0...Int(Int32.max)).contains(id) else {
                throw reader.error(
                    "model.vocab[\(TokenizerJSONReader.quoted(token))]", expected: "a non-negative integer id",
                    found: value)
            }
            vocabulary[token] = Int32(id)
        }
        self.vocabulary = vocabulary
        merges = try Self.merges(model["merges"], reader)
        ignoreMerges = try reader.bool(model["ignore_merges"], "model.ignore_merges", default: false)
        fuseUnknown = try reader.bool(model["fuse_unk"], "model.fuse_unk", default: false)
        byteFallback = try reader.bool(model["byte_fallback"], "model.byte_fallback", default: false)
        unknownToken = try reader.optionalString(model["unk_token"], "model.unk_token")

        let addedValues = try reader.array(top["added_tokens"] ?? .array([]), "added_tokens")
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

    private static func merges(_ value: JSONValue?, _ reader: TokenizerJSONReader) throws(CheckpointError) -> [(
        String, String
    )] {
        let values = try reader.array(value, "model.merges")
        var merges: [(String, String)] = []
        merges.reserveCapacity(values.count)
        for (index, value) in values.enumerated() {
            let path = "model.merges[\(index)]"
            if case .string(let line) = value {
                // The older form, one "left right" string; HF skips "#version" lines.
                if line.hasPrefix("#version") { continue }
                // Split on the space byte, as HF's `line.split(' ')` does; splitting Characters would
                // glue a space to a following combining mark (and is several times slower).
                let parts = line.utf8.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    throw reader.error(path, expected: "two tokens separated by one space", found: value)
                }
                merges.append((String(decoding: parts[0], as: UTF8.self), String(decoding: parts[1], as: UTF8.self)))
                continue
            }
            guard case .array(let pair) = value, pair.count == 2, case .string(let left) = pair[0],
                case .string(let right) = pair[1]
            else {
                throw reader.error(path, expected: "a \"left right\" string or a [left, right] pair", found: value)
            }
            merges.append((left, right))
        }
        return merges
    }

    private static func normalizer(_ value: JSONValue?, _ path: String, _ reader: TokenizerJSONReader)
        throws(CheckpointError) -> Normalizer?
    {
        guard let value, !value.isNull else { return nil }
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
            guard let literal = pattern["String"]?.stringValue, !literal.isEmpty else {
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
                found: object["type"])
        }
    }

    private static func preTokenizerSteps(_ value: JSONValue, _ path: String, _ reader: TokenizerJSONReader)
        throws(CheckpointError) -> [PreTokenizerStep]
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
            guard let text = pattern["Regex"]?.stringValue, let known = SplitPattern(text: text) else {
                throw reader.error(
                    "\(path).pattern", expected: "{\"Regex\": the GPT-2, Qwen2 or Llama-3 pattern}",
                    found: object["pattern"])
            }
            let behavior = try reader.string(object["behavior"], "\(path).behavior")
            guard behavior == "Isolated" else {
                throw reader.error("\(path).behavior", expected: "\"Isolated\"", found: object["behavior"])
            }
            guard try !reader.bool(object["invert"], "\(path).invert", default: false) else {
                throw reader.error("\(path).invert", expected: "false", found: object["invert"])
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
            throw reader.error("\(path).type", expected: "one of Sequence, Split, ByteLevel", found: object["type"])
        }
    }

    private static func postProcessor(_ value: JSONValue?, _ path: String, _ reader: TokenizerJSONReader)
        throws(CheckpointError) -> PostProcessor?
    {
        guard let value, !value.isNull else { return nil }
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
                    let idPath = "\(piecePath).Sequence.id"
                    let idValue = try reader.object(sequence, "\(piecePath).Sequence")["id"]
                    guard try reader.string(idValue, idPath) == "A" else {
                        throw reader.error(idPath, expected: "\"A\"", found: idValue)
                    }
                    pieces.append(.text)
                } else if let special = piece["SpecialToken"] {
                    let name = try reader.string(
                        try reader.object(special, "\(piecePath).SpecialToken")["id"], "\(piecePath).SpecialToken.id")
                    let entryPath = "\(path).special_tokens[\(TokenizerJSONReader.quoted(name))]"
                    let entry = try reader.object(specials[name], entryPath)
                    let ids = try reader.array(entry["ids"], "\(entryPath).ids")
                    var tokenIDs: [Int32] = []
                    for id in ids {
                        guard case .int(let id) = id, (0...Int(Int32.max)).contains(id) else {
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
            throw reader.error(
                "\(path).type", expected: "one of ByteLevel, TemplateProcessing, Sequence", found: object["type"])
        }
    }
}

/// Typed access to a tokenizer.json's values, with errors naming the field. A field that is absent
/// (nil) and one that is null are both "not given" where a field is optional.
private struct TokenizerJSONReader {
    let file: String

    static func isAbsent(_ value: JSONValue?) -> Bool { value?.isNull ?? true }

    func error(_ path: String, expected: String, found: JSONValue?) -> CheckpointError {
        CheckpointError(file: file, problem: "\(path): expected \(expected), found \(Self.describe(found))")
    }

    func object(_ value: JSONValue?, _ path: String) throws(CheckpointError) -> JSONObject {
        guard let object = value?.objectValue else { throw error(path, expected: "an object", found: value) }
        return object
    }

    func array(_ value: JSONValue?, _ path: String) throws(CheckpointError) -> [JSONValue] {
        guard let array = value?.arrayValue else { throw error(path, expected: "an array", found: value) }
        return array
    }

    func string(_ value: JSONValue?, _ path: String) throws(CheckpointError) -> String {
        guard let string = value?.stringValue else { throw error(path, expected: "a string", found: value) }
        return string
    }

    func optionalString(_ value: JSONValue?, _ path: String) throws(CheckpointError) -> String? {
        if Self.isAbsent(value) { return nil }
        return try string(value, path)
    }

    func bool(_ value: JSONValue?, _ path: String, default defaultValue: Bool) throws(CheckpointError) -> Bool {
        if Self.isAbsent(value) { return defaultValue }
        guard let bool = value?.boolValue else { throw error(path, expected: "true or false", found: value) }
        return bool
    }

    /// The longest excerpt of a value shown in a message, in characters.
    static let excerptLength = 80

    static func describe(_ value: JSONValue?) -> String {
        guard let value else { return "nothing (the field is missing)" }
        switch value {
        case .null, .bool: return value.serialized
        case .int, .double: return "the number \(value.serialized)"
        case .string: return "the string \(excerpt(value))"
        case .array(let array): return "an array of \(array.count) elements \(excerpt(value))"
        case .object: return "an object \(excerpt(value))"
        }
    }

    /// A string as JSON writes it (quoted, escaped), cut short like any excerpt.
    static func quoted(_ string: String) -> String { excerpt(.string(string)) }

    /// The value as compact JSON, cut to `excerptLength` characters with "..." when longer. Arrays and
    /// objects are written only as far as needed, so a 151k-entry vocabulary costs nothing.
    static func excerpt(_ value: JSONValue) -> String {
        var text = ""
        writePrefix(of: value, to: &text)
        guard text.count > excerptLength else { return text }
        return text.prefix(excerptLength) + "..."
    }

    private static func writePrefix(of value: JSONValue, to text: inout String) {
        switch value {
        case .array(let array):
            text += "["
            for (index, element) in array.enumerated() {
                if text.utf8.count > excerptLength { return }
                if index > 0 { text += "," }
                writePrefix(of: element, to: &text)
            }
            text += "]"
        case .object(let object):
            text += "{"
            for (index, pair) in object.pairs.enumerated() {
                if text.utf8.count > excerptLength { return }
                if index > 0 { text += "," }
                text += JSONValue.string(pair.key).serialized + ":"
                writePrefix(of: pair.value, to: &text)
            }
            text += "}"
        default:
            text += value.serialized
        }
    }
}
