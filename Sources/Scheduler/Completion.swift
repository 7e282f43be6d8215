// The output side of one sequence: picks each next token with the sequence's own seeded sampler,
// decides when it stops (EOS ids, stop strings, max_tokens), and assembles the text. Stop strings are
// matched on UTF-8 bytes, not Characters, so that "\n" matches inside "\r\n". Streamed pieces hold
// back any tail of the text that could still become a stop string, so no piece ever shows part of
// one; the pieces always add up to the final completion text.

import Engine
import Model

#if canImport(Glibc)
    import Glibc
#endif

struct Completion {
    let sampling: SamplingParameters
    private var sampler: Sampler
    private var decoder: StreamingDecoder?
    private let stopStrings: [[UInt8]]
    private let longestStop: Int
    private(set) var ids: [Int32] = []
    /// The completion's UTF-8 bytes, whole characters, cut before a matched stop string.
    private var text: [UInt8] = []
    /// Bytes of `text` handed out as pieces so far.
    private var emitted = 0
    /// Bytes of `text` known not to start a stop string.
    private var releasable = 0
    private(set) var finishReason: FinishReason?
    private let probes: [VerdictProbe]
    /// The probe whose trigger the text ends with: the next token is a verdict.
    private var armedProbe: Int?
    /// The rest of a verdict word that a constraining probe chose, written before anything else.
    private var forced: [Int32] = []

    init(sampling: SamplingParameters, tokenizer: Tokenizer?, probes: [VerdictProbe] = []) {
        self.sampling = sampling
        self.probes = probes
        armedProbe = probes.firstIndex { $0.trigger.isEmpty }
        sampler = Sampler(parameters: sampling)
        decoder = tokenizer.map { StreamingDecoder(tokenizer: $0, skipSpecialTokens: true) }
        stopStrings = sampling.stopStrings.map { Array($0.utf8) }
        longestStop = stopStrings.map(\.count).max() ?? 0
    }

    var isFinished: Bool { finishReason != nil }

    /// The text so far: all of it once finished, the streamed part before.
    var completionText: String { String(decoding: text[..<emitted], as: UTF8.self) }

    /// Samples the next token from `logits` (the row after the sequence's last token) and settles
    /// whether the sequence ends with it.
    mutating func next(_ logits: UnsafeBufferPointer<Float>) -> TokenOutput {
        precondition(!isFinished, "sampling a finished sequence")
        let verdict = forced.isEmpty ? armedProbe.map { readVerdict(probe: $0, logits) } : nil
        let choice: SampledToken
        if !forced.isEmpty {
            let token = forced.removeFirst()
            choice = SampledToken(
                token: token, logprob: logits[Int(token)] - Sampler.logSumExp(logits), topLogprobs: [])
        } else if let armedProbe, probes[armedProbe].constrains {
            let probe = probes[armedProbe]
            choice = sample(among: probe.candidates, logits)
            if let chosen = probe.candidates.firstIndex(of: choice.token) { forced = probe.continuations[chosen] }
        } else {
            choice = sampler.sample(logits)
        }
        ids.append(choice.token)
        if sampling.stopTokenIds.contains(choice.token) {
            end(.stop)
        } else {
            if var decoder {
                append(decoder.append(choice.token))
                self.decoder = decoder
            }
            if !isFinished && ids.count >= sampling.maxTokens { end(.length) }
        }
        let piece = String(decoding: text[emitted..<releasable], as: UTF8.self)
        emitted = releasable
        armedProbe = isFinished ? nil : probes.firstIndex { $0.matches(suffixOf: text) }
        return TokenOutput(
            token: choice.token, logprob: choice.logprob, topLogprobs: choice.topLogprobs, text: piece,
            verdict: verdict)
    }

    /// P(candidate) = exp(logit − log Σ exp(logits)) for each candidate of the probe.
    private func readVerdict(probe index: Int, _ logits: UnsafeBufferPointer<Float>) -> VerdictReading {
        let normalizer = Sampler.logSumExp(logits)
        let probabilities = probes[index].candidates.map { candidate in
            Int(candidate) < logits.count ? Float(exp(Double(logits[Int(candidate)] - normalizer))) : 0
        }
        let mostLikely = Sampler.argmax(logits)
        return VerdictReading(
            probe: index, probabilities: probabilities, textOffset: text.count,
            mostLikelyIsCandidate: probes[index].candidates.contains(mostLikely))
    }

    /// Draws from the logits with every token but the candidates ruled out.
    private mutating func sample(among candidates: [Int32], _ logits: UnsafeBufferPointer<Float>) -> SampledToken {
        var allowed = [Float](repeating: -.infinity, count: logits.count)
        for candidate in candidates where Int(candidate) < logits.count {
            allowed[Int(candidate)] = logits[Int(candidate)]
        }
        return allowed.withUnsafeBufferPointer { sampler.sample($0) }
    }

    /// Ends the sequence. `stop` and `length` release all text held back (a character still missing
    /// bytes becomes U+FFFD, as in `Tokenizer.decode`); the caller hands it out with the last token.
    /// `cancelled` and `timeout` drop it, so that the completion is what was streamed.
    mutating func end(_ reason: FinishReason) {
        switch reason {
        case .stop, .length:
            if var decoder {
                append(decoder.finish())
                self.decoder = decoder
            }
            if finishReason == nil { releasable = text.count }
        case .cancelled, .timeout:
            text.removeSubrange(emitted...)
            releasable = emitted
        }
        if finishReason == nil { finishReason = reason }
    }

    /// Appends newly decoded text; on a stop string, cuts the text before it and finishes.
    private mutating func append(_ piece: String) {
        guard !piece.isEmpty, !isFinished else { return }
        // A match lies partly in the new bytes: earlier ones were searched when they arrived.
        let searchFrom = max(0, text.count - longestStop + 1)
        text += piece.utf8
        var earliest: Int?
        for stop in stopStrings {
            if let found = firstOccurrence(of: stop, from: searchFrom), found < (earliest ?? .max) { earliest = found }
        }
        if let earliest {
            text.removeSubrange(earliest...)
            releasable = text.count
            finishReason = .stop
            return
        }
        releasable = text.count - heldBackCount()
    }

    /// The length of the longest tail of `text` that is a proper prefix of a stop string. The tail
    /// starts where a stop string starts, so cutting before it never splits a character.
    private func heldBackCount() -> Int {
        var length = min(longestStop - 1, text.count)
        while length > 0 {
            let tail = text[(text.count - length)...]
            if stopStrings.contains(where: { $0.count > length && $0[..<length].elementsEqual(tail) }) { return length }
            length -= 1
        }
        return 0
    }

    private func firstOccurrence(of needle: [UInt8], from start: Int) -> Int? {
        guard text.count >= needle.count else { return nil }
        var position = start
        while position + needle.count <= text.count {
            if text[position] == needle[0], text[position..<(position + needle.count)].elementsEqual(needle) {
                return position
            }
            position += 1
        }
        return nil
    }
}
