// The streaming decoder: its pieces add up to `decode(ids)` and it never emits part of a character.

import Testing

@testable import Model

/// A small deterministic generator (SplitMix64), so a failure can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct TokenizerStreamingTests {
    /// Random ids, weighted towards single-byte tokens so that characters split across tokens and
    /// invalid sequences are common, plus special tokens and ids no token has.
    @Test(arguments: ["qwen2", "llama3", "qwen-real"])
    func piecesAddUpToDecode(family: String) throws {
        let tokenizer = try TokenizerFixtures.tokenizer(family)
        let byteIDs = (0..<256).compactMap { tokenizer.id(of: String(ByteLevel.scalarOfByte[$0])) }
        let specials = Array(tokenizer.specialTokenIds)
        var generator = SplitMix64(state: 42)
        var withReplacement = 0
        for _ in 0..<500 {
            var ids: [Int32] = []
            for _ in 0..<Int.random(in: 1...30, using: &generator) {
                switch Int.random(in: 0..<20, using: &generator) {
                case 0..<11: ids.append(byteIDs.randomElement(using: &generator)!)
                case 11..<18: ids.append(Int32.random(in: 0..<Int32(tokenizer.vocabularySize), using: &generator))
                case 18: ids.append(specials.randomElement(using: &generator)!)
                default: ids.append(Int32(tokenizer.vocabularySize) + 3)
                }
            }
            for skip in [false, true] {
                var decoder = StreamingDecoder(tokenizer: tokenizer, skipSpecialTokens: skip)
                var streamed = ""
                for id in ids {
                    let piece = decoder.append(id)
                    // A piece never ends inside a character: re-decoding its bytes gives it back.
                    #expect(String(decoding: Array(piece.utf8), as: UTF8.self) == piece)
                    streamed += piece
                }
                streamed += decoder.finish()
                let whole = tokenizer.decode(ids, skipSpecialTokens: skip)
                if whole.contains("\u{FFFD}") { withReplacement += 1 }
                #expect(streamed.unicodeScalars.elementsEqual(whole.unicodeScalars), "\(family) \(ids) skip \(skip)")
            }
        }
        // Invalid bytes are part of the test, not only clean text.
        #expect(withReplacement > 50)
    }

    @Test func holdsBackASplitCharacterUntilComplete() throws {
        let tokenizer = try TokenizerFixtures.tokenizer("gpt2")
        let byteID = { (byte: UInt8) in tokenizer.id(of: String(ByteLevel.scalarOfByte[Int(byte)]))! }
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        // 😀 is F0 9F 98 80.
        #expect(decoder.append(byteID(0x41)) == "A")
        #expect(decoder.append(byteID(0xF0)) == "")
        #expect(decoder.append(byteID(0x9F)) == "")
        #expect(decoder.append(byteID(0x98)) == "")
        #expect(decoder.append(byteID(0x80)) == "😀")
        // A lead byte followed by a non-continuation byte can never complete: emitted at once.
        #expect(decoder.append(byteID(0xE2)) == "")
        #expect(decoder.append(byteID(0x41)) == "\u{FFFD}A")
        #expect(decoder.append(byteID(0xE2)) == "")
        #expect(decoder.finish() == "\u{FFFD}")
        #expect(decoder.finish() == "")
    }

    @Test func incompleteSuffixFollowsUTF8Rules() {
        #expect(StreamingDecoder.incompleteSuffixLength([0x41]) == 0)
        #expect(StreamingDecoder.incompleteSuffixLength([0xC3]) == 1)
        #expect(StreamingDecoder.incompleteSuffixLength([0xE0, 0xA0]) == 2)
        // E0 80 is an overlong start and ED A0 a surrogate: invalid already, nothing to wait for.
        #expect(StreamingDecoder.incompleteSuffixLength([0xE0, 0x80]) == 0)
        #expect(StreamingDecoder.incompleteSuffixLength([0xED, 0xA0]) == 0)
        #expect(StreamingDecoder.incompleteSuffixLength([0xF4, 0x8F, 0xBF]) == 3)
        #expect(StreamingDecoder.incompleteSuffixLength([0xF4, 0x90]) == 0)
        #expect(StreamingDecoder.incompleteSuffixLength([0xC0]) == 0)
        #expect(StreamingDecoder.incompleteSuffixLength([0x80, 0x80]) == 0)
    }
}
