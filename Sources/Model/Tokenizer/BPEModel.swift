// The BPE model: turns one pre-tokenized piece (raw bytes; each byte is one character of the
// byte-level alphabet) into token ids by applying merges in rank order. Matches HF tokenizers'
// `models/bpe` (`merge_word`, `Word::merge_all`, `ignore_merges`, `unk_token` with `fuse_unk`,
// `byte_fallback`); dropout, and a non-empty `continuing_subword_prefix` or `end_of_word_suffix`, are
// rejected at load.
//
// The merge loop is HF's priority queue, stale entries and all: when two merges make the same token
// (vocabularies converted from tiktoken have many), a queued entry is applied if the pair now at its
// position makes the same new token, even though that pair's own rank differs. A plain "merge the
// lowest-ranked pair" loop gives different ids on such words.

import Synchronization

final class BPEModel: Sendable {
    struct Merge: Sendable {
        let rank: Int32
        let newID: Int32
    }

    /// The merges by the ids of their two parts (`left << 32 | right`).
    private let merges: [UInt64: Merge]
    /// The id of each byte's one-character token, or -1 when the vocabulary lacks it.
    private let byteIDs: [Int32]
    /// Whole pieces found in the vocabulary bypass merging (`ignore_merges`, Llama-3); nil when off.
    private let wholeWords: [ArraySlice<UInt8>: Int32]?
    private let unknownID: Int32?
    private let fuseUnknown: Bool
    /// With `byte_fallback`, the `<0xNN>` tokens of each byte's character (its UTF-8 bytes), when the
    /// vocabulary has them all.
    private let fallbackIDs: [[Int32]?]
    /// Encodings of recent pieces. Pieces repeat (words, indentation), and a hit skips the merge loop.
    private let cache = Mutex<[ArraySlice<UInt8>: [Int32]]>([:])

    /// HF caches pieces shorter than 256 bytes; the cache is emptied when it reaches this size, so a
    /// long-running server keeps following the text it sees.
    private static let cacheCapacity = 50_000
    private static let cachedPieceLength = 256

    /// - Parameters:
    ///   - vocabulary: token string → id, as in tokenizer.json.
    ///   - merges: the pairs in rank order.
    init(
        vocabulary: [String: Int32], merges pairs: [(String, String)], ignoreMerges: Bool, unknownToken: String?,
        fuseUnknown: Bool, byteFallback: Bool, file: String
    ) throws(CheckpointError) {
        var merges: [UInt64: Merge] = [:]
        merges.reserveCapacity(pairs.count)
        for (rank, (left, right)) in pairs.enumerated() {
            let merged = left + right
            guard let leftID = vocabulary[left], let rightID = vocabulary[right], let newID = vocabulary[merged] else {
                let missing = vocabulary[left] == nil ? left : vocabulary[right] == nil ? right : merged
                throw CheckpointError(
                    file: file,
                    problem: "model.merges[\(rank)] (\"\(left)\", \"\(right)\") needs the token \"\(missing)\", "
                        + "which is not in model.vocab")
            }
            // A repeated pair keeps its last rank, as HF's HashMap collect does.
            merges[Self.pairKey(leftID, rightID)] = Merge(rank: Int32(rank), newID: newID)
        }
        self.merges = merges
        byteIDs = ByteLevel.scalarOfByte.map { vocabulary[String($0)] ?? -1 }
        if ignoreMerges {
            var wholeWords: [ArraySlice<UInt8>: Int32] = [:]
            wholeWords.reserveCapacity(vocabulary.count)
            for (token, id) in vocabulary {
                if let bytes = ByteLevel.bytes(of: token) { wholeWords[bytes[...]] = id }
            }
            self.wholeWords = wholeWords
        } else {
            wholeWords = nil
        }
        if let unknownToken {
            guard let id = vocabulary[unknownToken] else {
                throw CheckpointError(
                    file: file, problem: "model.unk_token \"\(unknownToken)\" is not in model.vocab")
            }
            unknownID = id
        } else {
            unknownID = nil
        }
        self.fuseUnknown = fuseUnknown
        fallbackIDs = ByteLevel.scalarOfByte.map { scalar in
            guard byteFallback else { return nil }
            var ids: [Int32] = []
            for byte in String(scalar).utf8 {
                let hex = String(byte, radix: 16, uppercase: true)
                guard let id = vocabulary["<0x\(hex.count == 1 ? "0" + hex : hex)>"] else { return nil }
                ids.append(id)
            }
            return ids
        }
    }

    /// Appends the ids of `piece` to `ids`.
    func encode(_ piece: ArraySlice<UInt8>, into ids: inout [Int32]) {
        if piece.isEmpty { return }
        if let wholeWords, let id = wholeWords[piece] {
            ids.append(id)
            return
        }
        let cacheable = piece.count < Self.cachedPieceLength
        if cacheable, let hit = cache.withLock({ $0[piece] }) {
            ids.append(contentsOf: hit)
            return
        }
        let encoded = merge(piece)
        ids.append(contentsOf: encoded)
        if cacheable {
            let key = ArraySlice(Array(piece))
            cache.withLock { cache in
                if cache.count >= Self.cacheCapacity { cache.removeAll(keepingCapacity: true) }
                cache[key] = encoded
            }
        }
    }

    /// One symbol of the word being merged, in a doubly linked list over the initial symbols.
    private struct Symbol {
        var id: Int32
        var previous: Int
        var next: Int
        var removed = false
    }

    /// A queued merge at `position` (the left symbol); the queue pops the lowest rank, then the
    /// leftmost position.
    private struct Candidate: Prioritized {
        let rank: Int32
        let position: Int
        let newID: Int32

        func precedes(_ other: Candidate) -> Bool {
            rank != other.rank ? rank < other.rank : position < other.position
        }
    }

    /// `merge_word` and `Word::merge_all`.
    private func merge(_ piece: ArraySlice<UInt8>) -> [Int32] {
        var symbols = initialSymbols(piece)
        var queue = PriorityQueue<Candidate>(reservingCapacity: symbols.count)
        for index in symbols.indices.dropLast() {
            if let merge = merges[Self.pairKey(symbols[index].id, symbols[index + 1].id)] {
                queue.push(Candidate(rank: merge.rank, position: index, newID: merge.newID))
            }
        }
        while let top = queue.pop() {
            let position = top.position
            if symbols[position].removed || symbols[position].next < 0 { continue }
            let nextPosition = symbols[position].next
            let right = symbols[nextPosition]
            guard let current = merges[Self.pairKey(symbols[position].id, right.id)], current.newID == top.newID else {
                continue
            }
            symbols[position].id = top.newID
            symbols[position].next = right.next
            symbols[nextPosition].removed = true
            if right.next >= 0 { symbols[right.next].previous = position }
            let previous = symbols[position].previous
            if previous >= 0, let merge = merges[Self.pairKey(symbols[previous].id, top.newID)] {
                queue.push(Candidate(rank: merge.rank, position: previous, newID: merge.newID))
            }
            let next = symbols[position].next
            if next >= 0, let merge = merges[Self.pairKey(top.newID, symbols[next].id)] {
                queue.push(Candidate(rank: merge.rank, position: position, newID: merge.newID))
            }
        }
        return symbols.compactMap { $0.removed ? nil : $0.id }
    }

    /// The symbols before any merge: one per byte, or its `<0xNN>` fallback tokens, or the unknown
    /// token (one per missing byte, or one per run of them with `fuse_unk`); a byte with none of
    /// these is dropped, as HF does when there is no `unk_token`.
    private func initialSymbols(_ piece: ArraySlice<UInt8>) -> [Symbol] {
        var ids: [Int32] = []
        ids.reserveCapacity(piece.count)
        var pendingUnknown = false
        for byte in piece {
            let id = byteIDs[Int(byte)]
            if id >= 0 {
                if pendingUnknown, let unknownID { ids.append(unknownID) }
                pendingUnknown = false
                ids.append(id)
            } else if let fallback = fallbackIDs[Int(byte)] {
                ids.append(contentsOf: fallback)
            } else if let unknownID {
                if pendingUnknown && !fuseUnknown { ids.append(unknownID) }
                pendingUnknown = true
            }
        }
        if pendingUnknown, let unknownID { ids.append(unknownID) }
        return ids.indices.map { index in
            Symbol(id: ids[index], previous: index - 1, next: index + 1 < ids.count ? index + 1 : -1)
        }
    }

    static func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }
}
