// Every case recorded from HF tokenizers by scripts/make_tokenizer_fixtures.py must come out the same:
// ids for encode cases, text and bytes for decode cases. Also round trips and the scalar classes.
// The fixture helpers here are shared by the other tokenizer test files.

import Foundation
import Synchronization
import Testing

@testable import Model

enum TokenizerFixtures {
    static let families = ["qwen2", "gpt2", "gpt2-prefix", "llama3", "norm", "nfd", "nfkd", "qwen-real"]

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tokenizers")

    static func path(_ family: String, _ file: String) -> String {
        folder.appendingPathComponent(family).appendingPathComponent(file).path
    }

    private static let loaded = Mutex<[String: Tokenizer]>([:])

    /// Each family's tokenizer, loaded once for all tests (the 151k-token one takes a while in debug).
    static func tokenizer(_ family: String) throws -> Tokenizer {
        if let tokenizer = loaded.withLock({ $0[family] }) { return tokenizer }
        let tokenizer = try Tokenizer(contentsOfFile: path(family, "tokenizer.json"))
        loaded.withLock { $0[family] = tokenizer }
        return tokenizer
    }

    /// One line of encode.jsonl or decode.jsonl. Read with JSONDecoder: JSONSerialization drops a
    /// U+FEFF that starts a string.
    struct Case: Decodable {
        let text: String
        let ids: [Int32]
        let add_special_tokens: Bool?
        let skip_special: Bool?
        let bytes: String?
    }

    static func cases(_ family: String, _ file: String) throws -> [(line: Int, value: Case)] {
        let text = try String(contentsOfFile: path(family, file), encoding: .utf8)
        return try text.split(separator: "\n").enumerated().map { index, line in
            (index + 1, try JSONDecoder().decode(Case.self, from: Data(line.utf8)))
        }
    }

    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).map {
            UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)!
        }
    }
}

@Suite struct TokenizerFixtureTests {
    @Test(arguments: TokenizerFixtures.families)
    func encodeMatchesHF(family: String) throws {
        let tokenizer = try TokenizerFixtures.tokenizer(family)
        let cases = try TokenizerFixtures.cases(family, "encode.jsonl")
        #expect(cases.count >= 300)
        for (line, testCase) in cases {
            let ids = tokenizer.encode(testCase.text, addSpecialTokens: testCase.add_special_tokens ?? false)
            #expect(ids == testCase.ids, "\(family) encode.jsonl line \(line): \(testCase.text.debugDescription)")
        }
    }

    @Test(arguments: TokenizerFixtures.families)
    func decodeMatchesHF(family: String) throws {
        let tokenizer = try TokenizerFixtures.tokenizer(family)
        for (line, testCase) in try TokenizerFixtures.cases(family, "decode.jsonl") {
            let skip = testCase.skip_special ?? false
            let place = "\(family) decode.jsonl line \(line): \(testCase.ids)"
            #expect(tokenizer.decode(testCase.ids, skipSpecialTokens: skip) == testCase.text, "\(place)")
            let bytes = TokenizerFixtures.bytes(hex: try #require(testCase.bytes))
            #expect(tokenizer.decodeBytes(testCase.ids, skipSpecialTokens: skip) == bytes, "\(place)")
        }
    }

    /// decode(encode(x)) gives back x, NFC-normalized for the Qwen families. Not for families that
    /// change text by design: a prefix space, lowercasing, or `<|mask|>` taking the spaces around it;
    /// nor for texts holding the added token "Ångström!": HF decodes it as byte-level characters
    /// (Å is byte 0xC5 there), which gives invalid UTF-8 (the decode fixtures check that).
    @Test(arguments: ["qwen2", "gpt2", "llama3", "qwen-real"])
    func roundTrip(family: String) throws {
        let tokenizer = try TokenizerFixtures.tokenizer(family)
        let normalizer: Normalizer? = family.hasPrefix("qwen") ? .nfc : nil
        for (line, testCase) in try TokenizerFixtures.cases(family, "encode.jsonl")
        where !testCase.text.contains("<|mask|>") {
            let expected = normalizer?.apply(testCase.text) ?? testCase.text
            if expected.unicodeScalars.contains("\u{C5}") { continue }
            let decoded = tokenizer.decode(tokenizer.encode(testCase.text))
            #expect(
                decoded.unicodeScalars.elementsEqual(expected.unicodeScalars),
                "\(family) encode.jsonl line \(line): \(testCase.text.debugDescription)")
        }
    }

    /// Threads share one tokenizer (and its BPE cache): results must not depend on who encodes first.
    @Test func concurrentEncodesAgree() async throws {
        let tokenizer = try TokenizerFixtures.tokenizer("qwen-real")
        let cases = try TokenizerFixtures.cases("qwen-real", "encode.jsonl").map(\.value)
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    var generator = SplitMix64(state: UInt64(worker))
                    for testCase in cases.shuffled(using: &generator)
                    where testCase.add_special_tokens != true {
                        #expect(tokenizer.encode(testCase.text) == testCase.ids)
                    }
                }
            }
        }
    }

    /// The letter / number / whitespace classes the scanner uses equal those HF's regex engine gives
    /// every scalar (recorded in onig-classes.txt).
    @Test func scalarClassesMatchOniguruma() throws {
        let text = try String(
            contentsOf: TokenizerFixtures.folder.appendingPathComponent("onig-classes.txt"), encoding: .utf8)
        let names: [Substring: ScalarClass] = ["L": .letter, "N": .number, "W": .space, "NL": .newline, "O": .other]
        var checked = 0
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: " ")
            let first = try #require(UInt32(fields[0], radix: 16))
            let last = try #require(UInt32(fields[1], radix: 16))
            let expected = try #require(names[fields[2]])
            for value in first...last {
                let found = ScalarClass.of(value)
                if found != expected {
                    Issue.record("U+\(String(value, radix: 16, uppercase: true)): expected \(expected), found \(found)")
                }
                checked += 1
            }
        }
        #expect(checked == 0x110000 - 0x800)
    }
}
