// Verdict probabilities for generative reward models, read while the model writes. When the text so
// far ends with a probe's trigger (say "**This step is"), the distribution the next token is drawn
// from is the model's verdict: the probabilities of each candidate's first token (" correct",
// " incorrect") are read from it. This costs no extra forward pass.

import Model

public struct VerdictProbe: Sendable, Equatable {
    /// The text after which the verdict comes. A `#` matches a run of one or more ASCII digits
    /// (`Step #:` for PRM replies). An empty trigger reads the first token (an ORM's whole reply).
    public var trigger: String
    /// The first token of each candidate answer, in the order the readings report them.
    public var candidates: [Int32]

    public init(trigger: String, candidates: [Int32]) {
        self.trigger = trigger
        self.candidates = candidates
    }

    /// A probe whose candidates are words (with their leading space, as they follow the trigger),
    /// each reduced to its first token. Nil when two words share their first token, which would make
    /// the reading meaningless.
    public init?(trigger: String, words: [String], tokenizer: Tokenizer) {
        let firsts = words.compactMap { tokenizer.encode($0).first }
        guard firsts.count == words.count, Set(firsts).count == firsts.count else { return nil }
        self.init(trigger: trigger, candidates: firsts)
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
}
