import Foundation
import JSON
import Model
import TestSupport
import Testing

@testable import RL

/// Placement against Hugging Face tokenizers' char_to_token (make_token_placement_fixtures.py), on
/// responses with accents, symbols, emoji and CJK that byte-level BPE splits across tokens.
@Suite struct TokenAdvantagesTests {
    struct Case {
        var text: String
        var ids: [Int32]
        var spans: [Range<Int>]
        var endTokens: [Int]
        var characterTokens: [Int]
    }

    static let tokenizer = try! Tokenizer(contentsOfFile: Fixtures.root + "/tokenizers/qwen-real/tokenizer.json")

    static let cases: [Case] = {
        let path = #filePath.replacingOccurrences(of: "TokenAdvantagesTests.swift", with: "token_placement.json")
        let document = try! JSONValue.parse(Array(FileManager.default.contents(atPath: path)!))
        return document.arrayValue!.map { value in
            let object = value.objectValue!
            let ints = { (key: String) in object[key]!.arrayValue!.map { $0.intValue! } }
            return Case(
                text: object["text"]!.stringValue!, ids: ints("ids").map { Int32($0) },
                spans: object["spans"]!.arrayValue!.map {
                    let pair = $0.arrayValue!.map { $0.intValue! }
                    return pair[0]..<pair[1]
                }, endTokens: ints("end_tokens"), characterTokens: ints("character_tokens"))
        }
    }()

    @Test func everyCharacterIsHeldByTheTokenHuggingFaceNames() {
        for example in Self.cases {
            #expect(Self.tokenizer.encode(example.text) == example.ids, "the fixture's ids are not this tokenizer's")
            let ends = TokenAdvantages.characterEnds(tokens: example.ids, tokenizer: Self.tokenizer)
            #expect(ends.last == example.text.unicodeScalars.count)
            let held = example.characterTokens.indices.map { TokenAdvantages.tokenHolding(character: $0, ends: ends) }
            #expect(held == example.characterTokens.map { Optional($0) }, "\(example.text)")
        }
    }

    @Test func stepsCoverTheirTokensAndTheRestGetsTheAfterLastStepValue() {
        for example in Self.cases {
            let steps = example.spans.enumerated().map {
                TokenAdvantages.Step(span: $0.element, advantage: Double($0.offset + 1))
            }
            let placed = TokenAdvantages.place(
                steps: steps, afterLastStep: -1, tokens: example.ids, tokenizer: Self.tokenizer)
            var expected = Array(repeating: -1.0, count: example.ids.count)
            var start = 0
            for (step, end) in example.endTokens.enumerated() {
                for token in start...end { expected[token] = Double(step + 1) }
                start = end + 1
            }
            #expect(placed == expected)
        }
    }

    @Test func noStepsLeaveEveryTokenTheOutcomeAdvantage() {
        let ids = Self.cases[0].ids
        #expect(
            TokenAdvantages.place(steps: [], afterLastStep: 0.7, tokens: ids, tokenizer: Self.tokenizer)
                == Array(repeating: 0.7, count: ids.count))
    }
}
