// The BPE trainer against HF tokenizers' BpeTrainer: on the corpus of scripts/make_bpe_training_fixtures.py
// the trained tokenizer.json equals HF's byte for byte (same vocabulary, same merges in the same order,
// same pipeline), whether the text is one document or JSONL records; the trained tokenizer gives HF's ids
// and decodes back to the text; and the merge step reports the pair changes HF's `Word::merge` reports.
// Each test run is a new process with a new hash seed, so equality with the committed file also shows
// that training does not depend on hashing order.

import Foundation
import JSON
import Testing

@testable import Model

enum BPETrainingFixtures {
    static let folder = TestFiles.fixtures + "/bpe-training"
    static let specialTokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    /// The settings the script trains HF with.
    static let trainer = BPETrainer(vocabularySize: 1200, specialTokens: specialTokens, minimumFrequency: 2)

    static func counts(
        _ file: String, format: TrainingText.Format, chunkBytes: Int, splitPattern: SplitPattern = .qwen2
    ) throws -> WordCounts {
        var counts = WordCounts(splitPattern: splitPattern)
        try TrainingText.forEachText(inFile: folder + "/" + file, format: format, chunkBytes: chunkBytes) { text, _ in
            counts.add(text)
        }
        return counts
    }

    static func hfFile(_ name: String) -> String {
        String(decoding: TestFiles.read(folder + "/" + name + "/tokenizer.json"), as: UTF8.self)
    }
}

@Suite struct BPETrainerTests {
    /// Cutting the plain text into chunks (4 KiB here, 1 MiB by default: one chunk) changes nothing.
    @Test(arguments: [4096, TrainingText.defaultChunkBytes])
    func plainTextTrainingEqualsHF(chunkBytes: Int) throws {
        let counts = try BPETrainingFixtures.counts("corpus.txt", format: .text, chunkBytes: chunkBytes)
        let trained = BPETrainingFixtures.trainer.train(counts)
        #expect(trained.tokens.count == 1200)
        #expect(trained.tokenizerJSON.serialized == BPETrainingFixtures.hfFile("text"))
    }

    @Test func jsonlTrainingEqualsHF() throws {
        let counts = try BPETrainingFixtures.counts("corpus.jsonl", format: .jsonl, chunkBytes: 1)
        let trained = BPETrainingFixtures.trainer.train(counts)
        #expect(trained.tokenizerJSON.serialized == BPETrainingFixtures.hfFile("jsonl"))
    }

    /// With Llama 3's split, numbers of up to three digits are words of their own, so frequent ones
    /// become tokens; the file is still HF's, byte for byte.
    @Test func llama3SplitTrainingEqualsHFAndKeepsNumbersWhole() throws {
        let counts = try BPETrainingFixtures.counts(
            "corpus.txt", format: .text, chunkBytes: 1 << 20, splitPattern: .llama3)
        let trained = BPETrainingFixtures.trainer.train(counts)
        let json = trained.tokenizerJSON.serialized
        #expect(json == BPETrainingFixtures.hfFile("llama3"))
        #expect(json != BPETrainingFixtures.hfFile("text"))
        let twoDigitTokens = trained.tokens.filter(isTwoDigitNumber)
        #expect(!twoDigitTokens.isEmpty)
        let qwen2 = BPETrainingFixtures.trainer.train(
            try BPETrainingFixtures.counts("corpus.txt", format: .text, chunkBytes: 1 << 20))
        #expect(!qwen2.tokens.contains(where: isTwoDigitNumber))
        let tokenizer = try Tokenizer(json: Array(json.utf8), name: "llama3-trained")
        let number = twoDigitTokens[0]
        #expect(tokenizer.encode(" \(number)").count == 2, "' ' and '\(number)'")
    }

    /// The trained file loads in the project's tokenizer, which gives HF's ids (recorded from HF's own
    /// training) on unicode, digits, whitespace runs and special tokens, and decodes them back to the
    /// NFC form of the text.
    @Test func trainedTokenizerEncodesAsHFAndRoundTrips() throws {
        let counts = try BPETrainingFixtures.counts("corpus.txt", format: .text, chunkBytes: 4096)
        let json = BPETrainingFixtures.trainer.train(counts).tokenizerJSON.serialized
        let tokenizer = try Tokenizer(json: Array(json.utf8), name: "trained")
        #expect(tokenizer.specialTokenIds == [0, 1, 2])
        let lines = String(decoding: TestFiles.read(BPETrainingFixtures.folder + "/encode.jsonl"), as: UTF8.self)
            .split(separator: "\n")
        #expect(lines.count >= 300)
        for (index, line) in lines.enumerated() {
            let testCase = try JSONDecoder().decode(TokenizerFixtures.Case.self, from: Data(line.utf8))
            let ids = tokenizer.encode(testCase.text)
            #expect(ids == testCase.ids, "encode.jsonl line \(index + 1): \(testCase.text.debugDescription)")
            let expected = Array(Normalizer.nfc.apply(testCase.text).utf8)
            #expect(tokenizer.decodeBytes(ids) == expected, "line \(index + 1): decoding gives other bytes")
        }
    }

    /// HF's `Word::merge` test (h e l l o, merging l l) and an overlapping run (a a a a, merging a a).
    @Test func mergeReportsHFsPairChanges() {
        let (h, e, l, o, ll): (Int32, Int32, Int32, Int32, Int32) = (0, 1, 2, 3, 4)
        var word = [h, e, l, l, o]
        var changes: [(UInt64, Int)] = []
        BPETrainer.merge(&word, l, l, into: ll) { changes.append(($0, $1)) }
        #expect(word == [h, e, ll, o])
        let key = BPEModel.pairKey
        #expect(changes.map(\.0) == [key(e, l), key(e, ll), key(l, o), key(ll, o)])
        #expect(changes.map(\.1) == [-1, 1, -1, 1])

        let (a, aa): (Int32, Int32) = (7, 9)
        var run = [a, a, a, a]
        changes = []
        BPETrainer.merge(&run, a, a, into: aa) { changes.append(($0, $1)) }
        #expect(run == [aa, aa])
        #expect(changes.map(\.0) == [key(a, a), key(aa, a), key(aa, a), key(aa, aa)])
        #expect(changes.map(\.1) == [-1, 1, -1, 1])
    }

    /// With GPT-2's split and `digitsApart`, no token holds two digits and a number's leading space joins
    /// its first digit. HF's trainer has no such option; trained on pieces of one digit each (the
    /// fixture's split) it learns the same merges, so the files differ only in the pattern.
    @Test func digitsApartTrainingEqualsHFOnSingleDigitPieces() throws {
        let counts = try BPETrainingFixtures.counts(
            "corpus.txt", format: .text, chunkBytes: 1 << 20, splitPattern: .gpt2)
        let trained = BPETrainer(
            vocabularySize: 1200, specialTokens: BPETrainingFixtures.specialTokens, minimumFrequency: 2,
            digitsApart: true
        ).train(counts)
        #expect(!trained.tokens.contains { token in token.filter { ("0"..."9").contains($0) }.count > 1 })
        #expect(trained.tokens.contains("Ġ1"))
        let reference = BPETrainingFixtures.hfFile("digits-apart").replacing(#" ?[0-9]| ?\\p{N}+"#, with: #" ?\\p{N}+"#)
        #expect(reference != BPETrainingFixtures.hfFile("digits-apart"))
        #expect(trained.tokenizerJSON.serialized == reference)
        let plain = BPETrainingFixtures.trainer.train(
            try BPETrainingFixtures.counts("corpus.txt", format: .text, chunkBytes: 1 << 20, splitPattern: .gpt2))
        #expect(plain.tokens.contains { token in token.filter { ("0"..."9").contains($0) }.count > 1 })
    }

    @Test func stopsAtTheVocabularySizeOrTheMinimumFrequency() throws {
        let counts = try BPETrainingFixtures.counts("corpus.txt", format: .text, chunkBytes: 1 << 20)
        let specials = BPETrainingFixtures.specialTokens
        let exact = BPETrainer(vocabularySize: 259 + 5, specialTokens: specials, minimumFrequency: 0).train(counts)
        #expect(exact.tokens.count == 264)
        #expect(exact.merges.count == 5)
        let none = BPETrainer(vocabularySize: 5000, specialTokens: specials, minimumFrequency: 1_000_000).train(counts)
        #expect(none.tokens == BPETrainer.initialTokens(specialTokens: specials))
        #expect(none.merges.isEmpty)
    }

    /// Byte symbols sort by the character that stands for them: `!` (byte 0x21) first, `Ā` (byte 0) after `ÿ`.
    @Test func initialTokensAreSpecialsThenBytesByCharacter() {
        let tokens = BPETrainer.initialTokens(specialTokens: ["<s>", "</s>"])
        #expect(tokens.count == 258)
        #expect(Array(tokens.prefix(3)) == ["<s>", "</s>", "!"])
        #expect(tokens.firstIndex(of: "Ā")! == tokens.firstIndex(of: "ÿ")! + 1)
    }

    /// tokenizer_config.json reads back with the ChatML template and the special tokens; without the
    /// ChatML tokens there is no template and the first special token ends a sequence.
    @Test func writesAConfigTheProjectReads() throws {
        let counts = try BPETrainingFixtures.counts("corpus.txt", format: .text, chunkBytes: 1 << 20)
        let directory = TestFiles.scratchDirectory("bpe-config")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let trainer = BPETrainer(
            vocabularySize: 300, specialTokens: BPETrainingFixtures.specialTokens, minimumFrequency: 2)
        try trainer.train(counts).write(to: directory + "/chatml")
        let config = try TokenizerConfig.load(
            contentsOfFile: directory + "/chatml/tokenizer_config.json", templateFile: nil)
        #expect(config.eosToken == "<|im_end|>")
        #expect(config.padToken == "<|endoftext|>")
        #expect(config.bosToken == nil)
        let template = try ChatTemplate.recognise(config.chatTemplate)
        #expect(template == .chatML(defaultSystemPrompt: nil))
        // What transformers 5.24 renders from this template (checked with make_bpe_training_fixtures.py --check).
        let rendered = template.render([ChatMessage(role: "user", content: "Hi")], addGenerationPrompt: true)
        #expect(rendered == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        #expect(try Tokenizer(contentsOfFile: directory + "/chatml/tokenizer.json").vocabularySize == 300)

        try BPETrainer(vocabularySize: 300, specialTokens: ["<s>", "</s>"], minimumFrequency: 2).train(counts)
            .write(to: directory + "/plain")
        let plain = try TokenizerConfig.load(
            contentsOfFile: directory + "/plain/tokenizer_config.json", templateFile: nil)
        #expect(plain.chatTemplate == nil)
        #expect(plain.eosToken == "<s>")
        #expect(plain.padToken == nil)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory + "/plain").sorted()
        #expect(files == ["tokenizer.json", "tokenizer_config.json"])

        // transformers gives a Qwen2Tokenizer Qwen2's split whatever tokenizer.json says; a Llama 3
        // split is only kept by the fast tokenizer class (make_bpe_training_fixtures.py --check).
        #expect(
            try tokenizerClass(BPETrainer(vocabularySize: 300, specialTokens: [], minimumFrequency: 2).train(counts))
                == "Qwen2Tokenizer")
        let llama3Counts = try BPETrainingFixtures.counts(
            "corpus.txt", format: .text, chunkBytes: 1 << 20, splitPattern: .llama3)
        #expect(
            try tokenizerClass(
                BPETrainer(vocabularySize: 300, specialTokens: [], minimumFrequency: 2).train(llama3Counts))
                == "PreTrainedTokenizerFast")
    }

    private func isTwoDigitNumber(_ token: String) -> Bool {
        token.count == 2 && token.allSatisfy { $0.isASCII && $0.isNumber }
    }

    private func tokenizerClass(_ tokenizer: TrainedTokenizer) throws -> String? {
        tokenizer.configJSON.objectValue?["tokenizer_class"]?.stringValue
    }
}
