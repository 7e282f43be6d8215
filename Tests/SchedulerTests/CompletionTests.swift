import Engine
import Foundation
import Model
import TestSupport
import Testing

@testable import Scheduler

/// Stop conditions and streamed text, one byte per token: the fixture tokenizer's first tokens are
/// GPT-2's byte alphabet, so any byte string can be generated exactly by forcing each token greedily.
@Suite struct CompletionTests {
    let tokenizer: Tokenizer
    let vocabularySize = 640

    init() throws {
        tokenizer = try Tokenizer(contentsOfFile: Fixtures.model("qwen2-gqa-tied") + "/tokenizer.json")
    }

    /// The token of one byte: GPT-2's bytes_to_unicode character for it.
    func byteToken(_ byte: UInt8) -> Int32 {
        let printable = Array(33...126) + Array(161...172) + Array(174...255)
        var scalar = Int(byte)
        if !printable.contains(scalar) {
            scalar = 256 + (0...255).filter { !printable.contains($0) }.firstIndex(of: scalar)!
        }
        return tokenizer.id(of: String(UnicodeScalar(UInt32(scalar))!))!
    }

    /// Generates `text` byte by byte; returns the pieces streamed and the completion.
    func generate(
        _ text: String, stop: [String] = [], maxTokens: Int = 100, endWith endToken: Int32? = nil
    ) -> (pieces: [String], completion: Completion) {
        var tokens = text.utf8.map(byteToken)
        if let endToken { tokens.append(endToken) }
        var completion = Completion(
            sampling: SamplingParameters(
                temperature: 0, maxTokens: maxTokens, stopStrings: stop, stopTokenIds: endToken.map { [$0] } ?? []),
            tokenizer: tokenizer)
        var pieces: [String] = []
        for token in tokens where !completion.isFinished {
            var logits = [Float](repeating: 0, count: vocabularySize)
            logits[Int(token)] = 1
            pieces.append(logits.withUnsafeBufferPointer { completion.next($0) }.text)
        }
        return (pieces, completion)
    }

    @Test func holdsBackTextThatCouldStartAStopString() {
        let (pieces, completion) = generate("x </ans y </answer> z", stop: ["</answer>"])
        #expect(completion.finishReason == .stop)
        #expect(completion.completionText == "x </ans y ")
        #expect(pieces.joined() == "x </ans y ")
        // After each byte, what has been streamed so far.
        var streamed: [String] = []
        var total = ""
        for piece in pieces {
            total += piece
            streamed.append(total)
        }
        #expect(streamed[1] == "x ")
        #expect(streamed[6] == "x ", "'</ans' could still become '</answer>'")
        #expect(streamed[7] == "x </ans ")
        #expect(streamed[17] == "x </ans y ", "'</answer' is held back until its last byte")
        #expect(pieces.count == 19)
    }

    @Test func holdsBackOnlyTheLongestPossibleStart() {
        let (pieces, completion) = generate("ab\n\nc", stop: ["\n\n\n", "bX"], maxTokens: 5)
        #expect(completion.finishReason == .length)
        // "b" might start "bX"; then "\n" and "\n\n" might start "\n\n\n".
        #expect(pieces == ["a", "", "b", "", "\n\nc"])
        let (short, _) = generate("ab", stop: ["cd"])
        #expect(short == ["a", "b"])
    }

    @Test func cutsAtTheEarliestStopStringOnBytes() {
        let (pieces, completion) = generate("one\r\ntwo", stop: ["two", "\n"])
        #expect(completion.finishReason == .stop)
        #expect(completion.completionText == "one\r")
        #expect(pieces.joined() == "one\r")
        #expect(completion.ids.count == 5)
    }

    @Test func multiByteCharactersAreHeldWholeAndNeverSplit() {
        let (pieces, completion) = generate("aé bé!", stop: ["é!"])
        #expect(completion.completionText == "aé b")
        #expect(pieces.allSatisfy { !$0.contains("\u{FFFD}") })
        #expect(pieces == ["a", "", "", "é ", "b", "", "", ""])
    }

    @Test func lengthAndEndOfSequenceReleaseHeldText() {
        let (byLength, lengthEnd) = generate("ok </an", stop: ["</answer>"], maxTokens: 7)
        #expect(lengthEnd.finishReason == .length)
        #expect(byLength.last == "</an")
        #expect(lengthEnd.completionText == "ok </an")
        let (byEnd, end) = generate("ok </an", stop: ["</answer>"], endWith: 602)
        #expect(end.finishReason == .stop)
        #expect(byEnd.joined() == "ok </an")
        #expect(end.ids.last == 602)
    }

    @Test func aCharacterCutByTheLengthLimitEndsAsAReplacementCharacter() {
        let (pieces, completion) = generate("aé", maxTokens: 2)
        #expect(completion.completionText == "a\u{FFFD}")
        #expect(pieces == ["a", "\u{FFFD}"])
    }

    @Test func cancellingKeepsOnlyWhatWasStreamed() {
        let (pieces, running) = generate("ok </an", stop: ["</answer>"])
        var completion = running
        completion.end(.cancelled)
        #expect(completion.finishReason == .cancelled)
        #expect(completion.completionText == "ok ")
        #expect(pieces.joined() == "ok ")
    }
}

/// Verdict probabilities: read from the distribution of the token after a trigger, as the plain
/// softmax of that row gives them.
@Suite struct VerdictProbeTests {
    let harness: CompletionTests

    init() throws { harness = try CompletionTests() }

    @Test func readsTheCandidatesProbabilitiesAfterEachTrigger() {
        let correct = harness.byteToken(UInt8(ascii: "C"))
        let incorrect = harness.byteToken(UInt8(ascii: "I"))
        let probes = [
            VerdictProbe(trigger: "was", candidates: [correct, incorrect]),
            VerdictProbe(trigger: "Step #:", candidates: [correct, incorrect]),
        ]
        var completion = Completion(
            sampling: SamplingParameters(temperature: 0, maxTokens: 100), tokenizer: harness.tokenizer, probes: probes)
        var readings: [VerdictReading] = []
        // The model writes "It was C. Step 12:I" with logits that put 2.0 on C and 1.0 on I where a
        // verdict comes; the row's other tokens stay at 0.
        for byte in "It was C. Step 12:I".utf8 {
            var logits = [Float](repeating: 0, count: harness.vocabularySize)
            logits[Int(correct)] = 2
            logits[Int(incorrect)] = 1
            logits[Int(harness.byteToken(byte))] = 9
            let output = logits.withUnsafeBufferPointer { completion.next($0) }
            if let verdict = output.verdict { readings.append(verdict) }
        }
        #expect(readings.map(\.probe) == [0, 1])
        #expect(readings.map(\.textOffset) == [6, 18])
        // Softmax over 640 entries: one at 9, one at 2 (or 9 when it is the chosen byte), one at 1.
        let others = Float(harness.vocabularySize - 3)
        let denominator = expf(9) + expf(2) + expf(1) + others
        let expected = [expf(2) / denominator, expf(1) / denominator]
        for (got, want) in zip(readings[0].probabilities, expected) { #expect(abs(got - want) < 1e-6) }
        // At "Step 12:" the chosen byte is "I" itself (logit 9), so P(I) is the large one.
        let rest = others + 1
        let second = [expf(2) / (expf(9) + expf(2) + rest), expf(9) / (expf(9) + expf(2) + rest)]
        for (got, want) in zip(readings[1].probabilities, second) { #expect(abs(got - want) < 1e-6) }
    }

    /// At "It was" the model all but certainly wants a space (logit 40); C has 2, I has 1.
    func verdictAfterWas(constrains: Bool, temperature: Float, seed: UInt64 = 0) -> (Int32, VerdictReading?) {
        let correct = harness.byteToken(UInt8(ascii: "C"))
        let incorrect = harness.byteToken(UInt8(ascii: "I"))
        var sampling = SamplingParameters(temperature: temperature, maxTokens: 100)
        sampling.seed = seed
        var completion = Completion(
            sampling: sampling, tokenizer: harness.tokenizer,
            probes: [VerdictProbe(trigger: "was", candidates: [correct, incorrect], constrains: constrains)])
        var last: TokenOutput?
        for byte in "It was ".utf8 {
            var logits = [Float](repeating: 0, count: harness.vocabularySize)
            logits[Int(correct)] = 2
            logits[Int(incorrect)] = 1
            logits[Int(harness.byteToken(byte))] = 40
            last = logits.withUnsafeBufferPointer { completion.next($0) }
        }
        return (last!.token, last!.verdict)
    }

    @Test func aConstrainingProbeDrawsOnlyAmongItsCandidates() {
        let correct = harness.byteToken(UInt8(ascii: "C"))
        let (free, freeReading) = verdictAfterWas(constrains: false, temperature: 0)
        #expect(free == harness.byteToken(UInt8(ascii: " ")))
        #expect(freeReading?.mostLikelyIsCandidate == false)
        let (constrained, reading) = verdictAfterWas(constrains: true, temperature: 0)
        #expect(constrained == correct)
        // The reading is of the model's own distribution, the same with or without the constraint.
        #expect(reading == freeReading)
        // Sampled at temperature 1, C wins by its two-way share e^2 / (e^2 + e^1) = 0.731.
        var wins = 0
        for seed in 0..<1000 where verdictAfterWas(constrains: true, temperature: 1, seed: UInt64(seed)).0 == correct {
            wins += 1
        }
        #expect(abs(Double(wins) / 1000 - exp(2) / (exp(2) + exp(1))) < 0.045)
    }

    @Test func digitPlaceholdersNeedAtLeastOneDigit() {
        let probe = VerdictProbe(trigger: "Step #:", candidates: [1])
        #expect(probe.matches(suffixOf: Array("Step 7:".utf8)))
        #expect(probe.matches(suffixOf: Array("x Step 123:".utf8)))
        #expect(!probe.matches(suffixOf: Array("Step :".utf8)))
        #expect(!probe.matches(suffixOf: Array("Step 7: ".utf8)))
    }

    @Test func wordsThatShareAFirstTokenMakeNoProbe() throws {
        #expect(VerdictProbe(trigger: "x", words: [" correct", " correct"], tokenizer: harness.tokenizer) == nil)
        // In this small vocabulary " Yes" and " No" both start with the token " ".
        #expect(VerdictProbe(trigger: "x", words: [" Yes", " No"], tokenizer: harness.tokenizer) == nil)
        #expect(VerdictProbe(trigger: "x", words: ["Yes", "No"], tokenizer: harness.tokenizer) != nil)
    }
}
