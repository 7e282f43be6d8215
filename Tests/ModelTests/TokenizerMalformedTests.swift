// A malformed tokenizer.json throws a CheckpointError naming the file, the field, what was expected
// and what was found; it never crashes.

import Foundation
import Testing

@testable import Model

@Suite struct TokenizerMalformedTests {
    /// A complete tokenizer.json small enough to edit: "ab" is one token, "<|end|>" a special token.
    static func minimal() -> [String: Any] {
        [
            "version": "1.0", "truncation": NSNull(), "padding": NSNull(),
            "added_tokens": [
                [
                    "id": 3, "content": "<|end|>", "single_word": false, "lstrip": false, "rstrip": false,
                    "normalized": false, "special": true,
                ]
            ],
            "normalizer": NSNull(),
            "pre_tokenizer": ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true],
            "post_processor": NSNull(),
            "decoder": ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true],
            "model": [
                "type": "BPE", "dropout": NSNull(), "unk_token": NSNull(), "continuing_subword_prefix": NSNull(),
                "end_of_word_suffix": NSNull(), "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                "vocab": ["a": 0, "b": 1, "ab": 2], "merges": [["a", "b"]],
            ] as [String: Any],
        ]
    }

    static func bytes(_ object: [String: Any]) throws -> [UInt8] {
        [UInt8](try JSONSerialization.data(withJSONObject: object))
    }

    static func problem(loading bytes: [UInt8]) -> String? {
        do {
            _ = try Tokenizer(json: bytes, name: "bad/tokenizer.json")
            return nil
        } catch {
            #expect(error.file == "bad/tokenizer.json")
            return error.problem
        }
    }

    @Test func minimalFileLoads() throws {
        let tokenizer = try Tokenizer(json: try Self.bytes(Self.minimal()), name: "minimal")
        #expect(tokenizer.encode("ab<|end|>ba") == [2, 3, 1, 0])
        #expect(tokenizer.vocabularySize == 4)
        #expect(tokenizer.specialTokenIds == [3])
        #expect(tokenizer.decode([2, 3, 1], skipSpecialTokens: true) == "abb")
        #expect(tokenizer.token(of: 3) == "<|end|>" && tokenizer.id(of: "ab") == 2 && tokenizer.token(of: 9) == nil)
    }

    /// Converted vocabularies write "" for the subword prefix and word suffix, as Hugging Face accepts.
    @Test func emptySubwordAffixesAreAbsentOnes() throws {
        var object = Self.minimal()
        object["model"] = Self.model(object) {
            $0["continuing_subword_prefix"] = ""
            $0["end_of_word_suffix"] = ""
        }
        #expect(try Tokenizer(json: try Self.bytes(object), name: "affixes").encode("ab<|end|>ba") == [2, 3, 1, 0])
        object["model"] = Self.model(object) { $0["continuing_subword_prefix"] = "##" }
        #expect(Self.problem(loading: try Self.bytes(object))?.contains("continuing_subword_prefix") == true)
    }

    static let edits: [(name: String, edit: @Sendable (inout [String: Any]) -> Void, expected: String)] = [
        ("model type", { $0["model"] = model($0) { $0["type"] = "WordPiece" } }, "model.type: expected \"BPE\""),
        (
            "vocab type", { $0["model"] = model($0) { $0["vocab"] = [1, 2] } },
            "model.vocab: expected an object, found an array"
        ),
        (
            "vocab id", { $0["model"] = model($0) { $0["vocab"] = ["a": "zero"] } },
            "model.vocab[\"a\"]: expected a non-negative"
        ),
        (
            "merge with an unknown token", { $0["model"] = model($0) { $0["merges"] = [["a", "c"]] } },
            "model.merges[0] (\"a\", \"c\") needs the token \"c\", which is not in model.vocab"
        ),
        (
            "merge string", { $0["model"] = model($0) { $0["merges"] = ["a b c"] } },
            "model.merges[0]: expected two tokens"
        ),
        (
            "merges missing", { $0["model"] = model($0) { $0["merges"] = nil } },
            "model.merges: expected an array, found nothing"
        ),
        ("unk token", { $0["model"] = model($0) { $0["unk_token"] = "<unk>" } }, "model.unk_token \"<unk>\" is not in"),
        ("dropout", { $0["model"] = model($0) { $0["dropout"] = 0.1 } }, "model.dropout: expected null"),
        (
            "pre-tokenizer", { $0["pre_tokenizer"] = ["type": "Whitespace"] },
            "pre_tokenizer.type: expected one of Sequence, Split, ByteLevel, found the string \"Whitespace\""
        ),
        (
            "split pattern", { $0["pre_tokenizer"] = split(#"\w+"#) },
            "pre_tokenizer.pretokenizers[0].pattern: expected {\"Regex\": the GPT-2, Qwen2 or Llama-3 pattern}"
        ),
        ("no byte level", { $0["pre_tokenizer"] = NSNull() }, "pre_tokenizer: expected a byte-level pre-tokenizer"),
        ("normalizer", { $0["normalizer"] = ["type": "BertNormalizer"] }, "normalizer.type: expected one of NFC"),
        ("decoder", { $0["decoder"] = ["type": "WordPiece"] }, "decoder.type: expected \"ByteLevel\""),
        ("post-processor", { $0["post_processor"] = ["type": "RobertaProcessing"] }, "post_processor.type: expected"),
        ("truncation", { $0["truncation"] = ["max_length": 5] }, "truncation: expected null"),
        ("version", { $0["version"] = "2.0" }, "version: expected \"1.0\", found the string \"2.0\""),
        (
            "added token", { $0["added_tokens"] = [["id": 3, "special": true]] },
            "added_tokens[0].content: expected a string, found nothing"
        ),
        ("added token flag", { $0["added_tokens"] = [["content": "x", "special": "yes"]] }, "added_tokens[0].special"),
    ]

    static func model(_ root: [String: Any], _ edit: (inout [String: Any]) -> Void) -> [String: Any] {
        var model = root["model"] as! [String: Any]
        edit(&model)
        return model
    }

    static func split(_ pattern: String) -> [String: Any] {
        [
            "type": "Sequence",
            "pretokenizers": [
                ["type": "Split", "pattern": ["Regex": pattern], "behavior": "Isolated", "invert": false],
                ["type": "ByteLevel", "add_prefix_space": false, "use_regex": false],
            ],
        ]
    }

    @Test func eachMistakeIsNamed() throws {
        for (name, edit, expected) in Self.edits {
            var object = Self.minimal()
            edit(&object)
            let problem = Self.problem(loading: try Self.bytes(object))
            #expect(problem?.contains(expected) == true, "\(name): \(problem ?? "loaded")")
        }
    }

    @Test func notJSON() throws {
        #expect(Self.problem(loading: Array("[1, 2]".utf8))?.contains("the top level: expected an object") == true)
        #expect(Self.problem(loading: [0xFF, 0xFE])?.contains("invalid JSON") == true)
        #expect(Self.problem(loading: [])?.contains("invalid JSON") == true)
    }

    /// Every truncation of a valid file is an error, not a crash.
    @Test func everyTruncationThrows() throws {
        let bytes = try Self.bytes(Self.minimal())
        for length in 0..<bytes.count {
            #expect(Self.problem(loading: Array(bytes[..<length])) != nil, "truncated at \(length)")
        }
    }

    /// Strings starting with U+FEFF are kept as written, raw (the vocabulary token and the first added
    /// token) or escaped (the second added token). The expected values are HF tokenizers 0.23.3's for
    /// this exact file (`Tokenizer.from_file(...).encode(text).ids` and `.decode(ids, skip_special_tokens=)`).
    @Test func tokensStartingWithByteOrderMark() throws {
        let json = #"""
            {"version": "1.0", "truncation": null, "padding": null,
             "added_tokens": [
              {"id": 3, "content": "\#u{FEFF}ab", "single_word": false, "lstrip": false, "rstrip": false,
               "normalized": false, "special": false},
              {"id": 9, "content": "\uFEFF<s>", "single_word": false, "lstrip": false, "rstrip": false,
               "normalized": false, "special": true}],
             "normalizer": null,
             "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
             "post_processor": null,
             "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
             "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
              "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
              "vocab": {"a": 0, "b": 1, "ab": 2, "\#u{FEFF}ab": 3, "ï": 4, "»": 5, "¿": 6, "ï»": 7, "ï»¿": 8},
              "merges": [["a", "b"], ["ï", "»"], ["ï»", "¿"]]}}
            """#
        #expect(json.contains("\"\u{FEFF}ab\"") && json.contains(#""\uFEFF<s>""#))
        let tokenizer = try Tokenizer(json: Array(json.utf8), name: "bom")
        #expect(tokenizer.token(of: 3) == "\u{FEFF}ab" && tokenizer.id(of: "\u{FEFF}ab") == 3)
        #expect(tokenizer.token(of: 9) == "\u{FEFF}<s>" && tokenizer.specialTokenIds == [9])
        let encodings: [(String, [Int32])] = [
            ("\u{FEFF}ab", [3]), ("ab\u{FEFF}ab", [2, 3]), ("\u{FEFF}<s>ab", [9, 2]), ("\u{FEFF}b", [8, 1]),
            ("\u{FEFF}a\u{FEFF}ab", [8, 0, 3]), ("\u{FEFF}\u{FEFF}<s>", [8, 9]),
        ]
        for (text, ids) in encodings {
            #expect(tokenizer.encode(text) == ids, "\(text.debugDescription)")
            #expect(tokenizer.decode(ids) == text, "\(ids)")
        }
        #expect(tokenizer.decode([0, 3, 9, 8], skipSpecialTokens: true) == "a\u{FEFF}ab\u{FEFF}")
        #expect(tokenizer.decodeBytes([3]) == [0xEF, 0xBB, 0xBF, 0x61, 0x62])
    }

    @Test func missingFile() {
        #expect(throws: CheckpointError.self) { try Tokenizer(contentsOfFile: "/nonexistent/tokenizer.json") }
    }

    /// HF gives added tokens the vocabulary's id when they are in it, else the next ids from the
    /// vocabulary's size, whatever ids the file states.
    @Test func addedTokenIDsFollowHF() throws {
        var object = Self.minimal()
        object["added_tokens"] = [
            ["id": 50, "content": "<x>", "special": false, "normalized": false],
            ["id": 7, "content": "ab", "special": true, "normalized": false],
            ["id": 99, "content": "<y>", "special": true, "normalized": false],
        ]
        let tokenizer = try Tokenizer(json: try Self.bytes(object), name: "ids")
        #expect(tokenizer.id(of: "<x>") == 3)
        #expect(tokenizer.id(of: "ab") == 2)
        #expect(tokenizer.id(of: "<y>") == 4)
        #expect(tokenizer.specialTokenIds == [2, 4])
        #expect(tokenizer.decode([0, 2, 4, 1], skipSpecialTokens: true) == "ab")
    }
}
