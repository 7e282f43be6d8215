// Learns byte-level BPE merges from counted words. The algorithm is HF tokenizers' BpeTrainer
// (`models/bpe/trainer.rs`, with `initial_alphabet` the 256 byte symbols), reproduced step for step so
// that the vocabulary and the merges equal HF's on the same text (scripts/make_bpe_training_fixtures.py
// records HF's, the tests compare):
//
// - ids: the special tokens first, in the order given; then the 256 byte symbols sorted by the code
//   point of the character that stands for them (`!` is the first, `Ā`, byte 0, comes after `ÿ`); then
//   each merge's new token in the order merges are made.
// - each step merges the pair of adjacent symbols with the highest count over all words (word count
//   times occurrences); ties go to the pair with the smaller (left id, right id). Training stops at
//   `vocabularySize` tokens, or when the best pair occurs fewer than `minimumFrequency` times.
// - pair counts are kept up to date incrementally: merging a pair in a word reports the pairs it removed
//   and made around each occurrence (not the merged pair itself, whose count HF leaves as it is), and a
//   priority queue holds the candidate pairs. A queued entry whose count has gone stale is re-queued
//   with the current count when it reaches the top (HF's lazy queue), and an entry carries the words
//   where its pair was found when it was queued; the merge is applied in those words only.
// - a merge whose token string already exists (`ab`+`c` after `a`+`bc`) reuses that token's id, and a
//   pair merged twice keeps its later rank in the file, as in HF. No training tried here (random
//   corpora over two to four letters, 10 MB of code up to 45,000 tokens) made such a repeat, in HF or
//   here; with left-to-right merging a token may have only one way to form. Should one happen, one
//   difference is possible: two queue entries of one pair with the same count pop in an order that
//   depends on HF's hash seeds; here the older entry goes first.
// - one addition HF's trainer lacks: with `digitsApart`, a pair whose token would hold two digits is
//   never merged, so every digit of a number stays a token of its own (with GPT-2's split, the
//   number's leading space joins its first digit: ` 63` is ` 6`, `3`). A model then reads every
//   number digit by digit, and the space token no longer stands between a word and the number after
//   it, which a model copying `with 8` from a problem would otherwise have to see past.

public struct BPETrainer: Sendable {
    public let vocabularySize: Int
    public let specialTokens: [String]
    public let minimumFrequency: Int
    public let digitsApart: Bool

    public init(vocabularySize: Int, specialTokens: [String], minimumFrequency: Int, digitsApart: Bool = false) {
        self.vocabularySize = vocabularySize
        self.specialTokens = specialTokens
        self.minimumFrequency = minimumFrequency
        self.digitsApart = digitsApart
    }

    /// The tokens there are before any merge: the distinct special tokens and the 256 byte symbols.
    public static func initialTokens(specialTokens: [String]) -> [String] {
        var tokens: [String] = []
        var seen: Set<String> = []
        let byteSymbols = ByteLevel.scalarOfByte.sorted { $0.value < $1.value }.map { String($0) }
        for token in specialTokens + byteSymbols where seen.insert(token).inserted { tokens.append(token) }
        return tokens
    }

    /// Learns the merges. `progress` is called after each merge with the number of merges made.
    public func train(_ corpus: WordCounts, progress: (_ merges: Int) -> Void = { _ in }) -> TrainedTokenizer {
        var tokens = Self.initialTokens(specialTokens: specialTokens)
        var idOfToken: [String: Int32] = [:]
        for (id, token) in tokens.enumerated() { idOfToken[token] = Int32(id) }
        let idOfByte = ByteLevel.scalarOfByte.map { idOfToken[String($0)]! }

        var words = corpus.words.map { $0.map { idOfByte[Int($0)] } }
        let counts = corpus.counts
        var pairCounts: [UInt64: Int] = [:]
        var wordsWithPair: [UInt64: [Int32]] = [:]
        for (index, word) in words.enumerated() {
            for position in word.indices.dropLast() {
                let pair = BPEModel.pairKey(word[position], word[position + 1])
                pairCounts[pair, default: 0] += counts[index]
                wordsWithPair[pair, default: []].appendIfNotLast(Int32(index))
            }
        }
        var queue = PairQueue()
        queue.push(wordsWithPair, counts: pairCounts)

        var mergedPairs: [UInt64] = []
        while idOfToken.count < vocabularySize, var top = queue.pop() {
            let current = pairCounts[top.pair]!
            // Counts only fall when an occurrence is merged away, so they never go below the true count.
            precondition(current >= 0, "pair count below zero")
            if top.count != current {
                top.count = current
                queue.push(top)
                continue
            }
            if top.count < 1 || top.count < minimumFrequency { break }
            let left = Int32(truncatingIfNeeded: top.pair >> 32)
            let right = Int32(truncatingIfNeeded: top.pair)
            let newToken = tokens[Int(left)] + tokens[Int(right)]
            if digitsApart && newToken.utf8.count(where: Self.isDigit) > 1 { continue }
            let newID: Int32
            if let known = idOfToken[newToken] {
                newID = known
            } else {
                newID = Int32(tokens.count)
                tokens.append(newToken)
                idOfToken[newToken] = newID
            }
            mergedPairs.append(top.pair)

            var madePairs: [UInt64: [Int32]] = [:]
            for wordIndex in queue.takeWords(of: top) {
                let count = counts[Int(wordIndex)]
                Self.merge(&words[Int(wordIndex)], left, right, into: newID) { pair, change in
                    pairCounts[pair, default: 0] += change * count
                    if change > 0 { madePairs[pair, default: []].appendIfNotLast(wordIndex) }
                }
            }
            queue.push(madePairs, counts: pairCounts)
            progress(mergedPairs.count)
        }

        // A pair merged twice keeps its last rank, as HF's model (a map from pair to rank) saves it.
        var laterPairs: Set<UInt64> = []
        var ranked: [(String, String)] = []
        for pair in mergedPairs.reversed() {
            guard laterPairs.insert(pair).inserted else { continue }
            ranked.append((tokens[Int(pair >> 32)], tokens[Int(pair & 0xFFFF_FFFF)]))
        }
        var seenSpecials: Set<String> = []
        return TrainedTokenizer(
            tokens: tokens, specialTokens: specialTokens.filter { seenSpecials.insert($0).inserted },
            merges: ranked.reversed(), splitPattern: corpus.splitPattern)
    }

    /// An ASCII digit, which the byte-level alphabet writes as itself.
    private static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }

    /// HF's `Word::merge`: replaces each occurrence of (left, right), left to right, by `merged`, and
    /// reports each pair removed (-1) or made (+1) next to an occurrence, in HF's order. The merged
    /// pair's own count is not reported, as in HF.
    static func merge(
        _ word: inout [Int32], _ left: Int32, _ right: Int32, into merged: Int32, change: (UInt64, Int) -> Void
    ) {
        let length = word.count
        var read = 0
        var write = 0
        while read < length {
            if word[read] == left && read + 1 < length && word[read + 1] == right {
                if write > 0 {
                    change(BPEModel.pairKey(word[write - 1], left), -1)
                    change(BPEModel.pairKey(word[write - 1], merged), 1)
                }
                if read + 2 < length {
                    change(BPEModel.pairKey(right, word[read + 2]), -1)
                    change(BPEModel.pairKey(merged, word[read + 2]), 1)
                }
                word[write] = merged
                read += 2
            } else {
                word[write] = word[read]
                read += 1
            }
            write += 1
        }
        word.removeLast(length - write)
    }
}

/// The candidate pairs, highest count first, then the smaller pair, then the older entry. Each entry
/// carries the words where its pair was found when it was queued.
private struct PairQueue {
    struct Entry: Prioritized {
        var count: Int
        let pair: UInt64
        /// The push sequence number, and the index of the entry's words in `wordLists`.
        let sequence: Int

        func precedes(_ other: Entry) -> Bool {
            if count != other.count { return count > other.count }
            if pair != other.pair { return pair < other.pair }
            return sequence < other.sequence
        }
    }

    private var entries = PriorityQueue<Entry>()
    private var wordLists: [[Int32]] = []

    /// Queues each pair of `wordsWithPair` whose count is positive, in pair order.
    mutating func push(_ wordsWithPair: [UInt64: [Int32]], counts: [UInt64: Int]) {
        for (pair, words) in wordsWithPair.sorted(by: { $0.key < $1.key }) {
            let count = counts[pair]!
            guard count > 0 else { continue }
            entries.push(Entry(count: count, pair: pair, sequence: wordLists.count))
            wordLists.append(words)
        }
    }

    /// Queues a popped entry again (with its count brought up to date).
    mutating func push(_ entry: Entry) { entries.push(entry) }

    mutating func pop() -> Entry? { entries.pop() }

    /// The words of a popped entry, handed over once.
    mutating func takeWords(of entry: Entry) -> [Int32] {
        defer { wordLists[entry.sequence] = [] }
        return wordLists[entry.sequence]
    }
}

extension [Int32] {
    /// Adds a word index once: a word's changes arrive together, so a repeat is always the last element.
    fileprivate mutating func appendIfNotLast(_ element: Int32) {
        if last != element { append(element) }
    }
}
