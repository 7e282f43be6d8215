// A Hugging Face `tokenizer.json` byte-level BPE tokenizer (GPT-2, Qwen2, Llama-3 and the like),
// giving exactly the ids and text of HF tokenizers 0.23 (checked against it by the fixtures that
// scripts/make_tokenizer_fixtures.py records). Encoding runs, as in HF's `encode`:
//   1. added tokens with `normalized: false` are cut out of the raw text;
//   2. each remaining stretch is normalized, and added tokens with `normalized: true` are cut out;
//   3. the pre-tokenizer splits what remains into pieces, and BPE encodes each piece;
//   4. the post-processor adds special tokens when asked (Llama-3's `<|begin_of_text|>`).
// Decoding is HF's ByteLevel decoder: each token's characters stand for bytes (a token with a
// character outside the byte map, such as an added token, gives its UTF-8), and the bytes are turned
// into text replacing each invalid UTF-8 subsequence by U+FFFD, as Rust's `from_utf8_lossy` does.
//
// Ids that no token has (negative, past the vocabulary, or in a gap) are skipped when decoding, as
// HF's `decode` skips ids it cannot find.

public final class Tokenizer: Sendable {
    private let normalizer: Normalizer?
    private let preTokenizer: PreTokenizer
    private let postProcessor: PostProcessor?
    private let model: BPEModel
    private let added: AddedVocabulary
    private let vocabulary: [String: Int32]
    /// The string each id decodes from, or nil for an id no token has.
    private let tokenStrings: [String?]
    /// The bytes each id decodes to: `tokenBytes[tokenEnds[id - 1] ..< tokenEnds[id]]`.
    private let tokenBytes: [UInt8]
    private let tokenEnds: [Int]
    /// Whether `skipSpecialTokens` drops the id. HF drops an id when the string it decodes from is the
    /// content of a special added token.
    private let skippedWithSpecials: [Bool]

    /// The highest id plus one, counting added tokens.
    public let vocabularySize: Int
    /// The ids of the added tokens marked special.
    public let specialTokenIds: Set<Int32>

    public convenience init(contentsOfFile path: String) throws(CheckpointError) {
        try self.init(json: try FileSystem.read(path), name: path)
    }

    public init(json data: [UInt8], name: String) throws(CheckpointError) {
        let file = try TokenizerFile(json: data, name: name)
        normalizer = file.normalizer
        preTokenizer = file.preTokenizer
        postProcessor = file.postProcessor
        vocabulary = file.vocabulary
        model = try BPEModel(
            vocabulary: file.vocabulary, merges: file.merges, ignoreMerges: file.ignoreMerges,
            unknownToken: file.unknownToken, fuseUnknown: file.fuseUnknown, byteFallback: file.byteFallback,
            file: name)
        let added = AddedVocabulary(tokens: file.addedTokens, vocabulary: file.vocabulary, normalizer: file.normalizer)
        self.added = added

        let highestID = max(file.vocabulary.values.max() ?? -1, added.tokenOfID.keys.max() ?? -1)
        vocabularySize = Int(highestID) + 1
        specialTokenIds = Set(added.tokenOfID.filter { $0.value.special }.keys)

        var strings = [String?](repeating: nil, count: vocabularySize)
        for (token, id) in file.vocabulary { strings[Int(id)] = token }
        for (id, token) in added.tokenOfID { strings[Int(id)] = added.decodedContent[id] ?? token.content }
        tokenStrings = strings
        var bytes: [UInt8] = []
        var ends: [Int] = []
        ends.reserveCapacity(vocabularySize)
        for string in strings {
            if let string { bytes += ByteLevel.bytes(of: string) ?? Array(string.utf8) }
            ends.append(bytes.count)
        }
        tokenBytes = bytes
        tokenEnds = ends
        skippedWithSpecials = strings.map { $0.map(added.specialContents.contains) ?? false }
    }

    public func encode(_ text: String, addSpecialTokens: Bool = false) -> [Int32] {
        let raw = Array(text.utf8)
        var ids: [Int32] = []
        ids.reserveCapacity(raw.count / 3)
        var pieces: [Range<Int>] = []
        for segment in added.split(raw, normalized: false) {
            if let id = segment.id {
                ids.append(id)
                continue
            }
            let normalized: [UInt8]
            if let normalizer {
                normalized = Array(normalizer.apply(String(decoding: raw[segment.range], as: UTF8.self)).utf8)
            } else {
                normalized = Array(raw[segment.range])
            }
            for inner in added.split(normalized, normalized: true) {
                if let id = inner.id {
                    ids.append(id)
                    continue
                }
                var text = Array(normalized[inner.range])
                preTokenizer.split(&text, into: &pieces)
                for piece in pieces { model.encode(text[piece], into: &ids) }
            }
        }
        return postProcessor?.apply(ids, addSpecialTokens: addSpecialTokens) ?? ids
    }

    public func decode(_ ids: [Int32], skipSpecialTokens: Bool = false) -> String {
        String(decoding: decodeBytes(ids, skipSpecialTokens: skipSpecialTokens), as: UTF8.self)
    }

    public func decodeBytes(_ ids: [Int32], skipSpecialTokens: Bool = false) -> [UInt8] {
        var bytes: [UInt8] = []
        for id in ids { appendBytes(of: id, skipSpecialTokens: skipSpecialTokens, to: &bytes) }
        return bytes
    }

    public func id(of token: String) -> Int32? {
        added.idOfContent[token] ?? vocabulary[token]
    }

    public func token(of id: Int32) -> String? {
        guard id >= 0 && Int(id) < tokenStrings.count else { return nil }
        return tokenStrings[Int(id)]
    }

    func appendBytes(of id: Int32, skipSpecialTokens: Bool, to bytes: inout [UInt8]) {
        guard id >= 0 && Int(id) < tokenStrings.count && tokenStrings[Int(id)] != nil else { return }
        if skipSpecialTokens && skippedWithSpecials[Int(id)] { return }
        let start = id == 0 ? 0 : tokenEnds[Int(id) - 1]
        bytes += tokenBytes[start..<tokenEnds[Int(id)]]
    }
}
