// Verdict probabilities for generative reward models, read while the model writes. When the text so
// far ends with a probe's trigger (say "**This step is"), the distribution the next token is drawn
// from is the model's verdict: the probabilities of each candidate's first token (" correct",
// " incorrect") are read from it. This costs no extra forward pass. A constraining probe also limits
// the token drawn there to its candidates and then writes the rest of the chosen word, so that a
// reply always says one of the verdicts whatever the vocabulary makes of the words.

import Model

public struct VerdictProbe: Sendable, Equatable {
    /// The text after which the verdict comes. A `#` matches a run of one or more ASCII digits
    /// (`Step #:` for PRM replies). An empty trigger reads the first token (an ORM's whole reply).
    public var trigger: String
    /// The first token of each candidate answer, in the order the readings report them.
    public var candidates: [Int32]
    /// The tokens of each candidate word after its first, written after it when the probe constrains.
    public var continuations: [[Int32]]
    /// Whether the token at the slot is drawn among the candidates only (by their share of the
    /// model's distribution, under the sequence's own sampling parameters).
    public var constrains: Bool

    public init(trigger: String, candidates: [Int32], continuations: [[Int32]]? = nil, constrains: Bool = false) {
        precondition(continuations == nil || continuations!.count == candidates.count, "one continuation per candidate")
        self.trigger = trigger
        self.candidates = candidates
        self.continuations = continuations ?? candidates.map { _ in [] }
        self.constrains = constrains
    }

    /// A probe whose candidates are words (with their leading space, as they follow the trigger),
    /// each reduced to its first token. Nil when two words share their first token, which would make
    /// the reading meaningless.
    public init?(trigger: String, words: [String], tokenizer: Tokenizer, constrains: Bool = false) {
        let encoded = words.map { tokenizer.encode($0) }
        let firsts = encoded.compactMap(\.first)
        guard firsts.count == words.count, Set(firsts).count == firsts.count else { return nil }
        self.init(
            trigger: trigger, candidates: firsts, continuations: encoded.map { Array($0.dropFirst()) },
            constrains: constrains)
    }

    /// Whether `text` ends with the trigger (for an empty trigger: whether nothing is written yet).
    func matches(suffixOf text: [UInt8]) -> Bool {
        if trigger.isEmpty { return text.isEmpty }
        var pattern = Array(trigger.utf8)[...]
        var position = text.count
        while let last = pattern.last {
            if last == UInt8(ascii: "#") {
                var digits = 0
                while position > 0, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[position - 1]) {
                    position -= 1
                    digits += 1
                }
                guard digits > 0 else { return false }
            } else {
                guard position > 0, text[position - 1] == last else { return false }
                position -= 1
            }
            pattern.removeLast()
        }
        return true
    }
}

/// The probabilities of a probe's candidates at one verdict slot, under the model's raw distribution.
public struct VerdictReading: Sendable, Equatable {
    /// Index of the probe in the request's list.
    public var probe: Int
    public var probabilities: [Float]
    /// Bytes of completion text before the verdict token (where the trigger ended).
    public var textOffset: Int
    /// Whether the model's most likely token at the slot is one of the candidates: where it is not,
    /// an unconstrained greedy reply would have written something else than a verdict there.
    public var mostLikelyIsCandidate: Bool

    public init(probe: Int, probabilities: [Float], textOffset: Int, mostLikelyIsCandidate: Bool) {
        self.probe = probe
        self.probabilities = probabilities
        self.textOffset = textOffset
        self.mostLikelyIsCandidate = mostLikelyIsCandidate
    }
}
