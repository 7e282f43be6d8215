// From the server's per-step advantages to one advantage per response token, as the SPARK release's
// reward manager places them (spark-paper.md §4.5; Reward's TangoGroup says the same from the other
// side): step j's end token is the token holding character `span.upperBound − 1`; step j covers the
// tokens after step j−1's end token up to and including its own, the first step from token 0; tokens
// after the last end token get the advantage after the last step. Characters are Unicode scalars, as
// the server's `span`s count them (Python `str` indices).
//
// The release's selective code starts the first step at token 3; with a chat template the first
// tokens of a response are the same for every response, so this makes no difference worth copying.

import Model

public enum TokenAdvantages {
    public struct Step: Sendable, Equatable {
        /// The step's characters in the response, in Unicode scalars.
        public var span: Range<Int>
        public var advantage: Double

        public init(span: Range<Int>, advantage: Double) {
            self.span = span
            self.advantage = advantage
        }
    }

    /// One advantage per token of `tokens`, the response as the policy wrote it.
    public static func place(
        steps: [Step], afterLastStep: Double, tokens: [Int32], tokenizer: Tokenizer
    ) -> [Double] {
        let ends = characterEnds(tokens: tokens, tokenizer: tokenizer)
        var advantages = Array(repeating: afterLastStep, count: tokens.count)
        var next = 0
        for step in steps where !step.span.isEmpty {
            guard let end = tokenHolding(character: step.span.upperBound - 1, ends: ends), end >= next else {
                continue
            }
            for token in next...end { advantages[token] = step.advantage }
            next = end + 1
        }
        return advantages
    }

    /// How many Unicode scalars the response has begun by the end of each token. Byte-level BPE may
    /// split a character: the token with its first byte holds it.
    static func characterEnds(tokens: [Int32], tokenizer: Tokenizer) -> [Int] {
        var characters = 0
        return tokens.map { token in
            // Bytes that begin a scalar: everything but UTF-8 continuation bytes (10xxxxxx).
            characters += tokenizer.decodeBytes([token]).filter { $0 & 0xC0 != 0x80 }.count
            return characters
        }
    }

    /// The first token by whose end `character` has begun.
    static func tokenHolding(character: Int, ends: [Int]) -> Int? {
        guard character >= 0, let last = ends.last, character < last else { return nil }
        var low = 0
        var high = ends.count - 1
        while low < high {
            let middle = (low + high) / 2
            if ends[middle] > character { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
