// Who owns which KV block, and which blocks hold a prompt prefix worth keeping: vLLM's block pool
// with automatic prefix caching (docs/design/prefix_caching.md), minus its hashing risk.
//
// A full block is cached under its key: the identity of the content before it plus its own token ids.
// vLLM hashes that chain and trusts the hash; here the identity of a prefix is a serial number handed
// out when a block's content is first registered and never reused, and the tokens are compared
// exactly, so two different prefixes can never share a key, whatever their hashes. Blocks are
// reference-counted. A cached block that nobody owns waits in an LRU queue and keeps its content until
// it is reused; blocks holding nothing worth keeping are handed out first. Nothing here depends on
// dictionary iteration order: the same calls give the same blocks.
//
// Not thread-safe: the engine thread owns it.

struct BlockKey: Hashable {
    /// The serial of the content before this block; `BlockManager.rootSerial` for the first block.
    var parent: UInt64
    var tokens: [Int32]
}

struct BlockManager {
    static let rootSerial: UInt64 = 0

    let blockCount: Int
    let blockSize: Int
    let prefixCaching: Bool
    private var referenceCounts: [Int]
    /// The key a block is cached under, while it is.
    private var keys: [BlockKey?]
    /// The serial of a cached block's content (the prefix up to and including it).
    private var serials: [UInt64]
    private var cachedBlocks: [BlockKey: Int32] = [:]
    /// Blocks with no owner and no cached content, taken from the end: the most recently freed first,
    /// whose memory is most likely still in the CPU's caches.
    private var emptyBlocks: [Int32]
    /// Cached blocks with no owner, least recently used first.
    private var evictable: BlockQueue
    private var nextSerial: UInt64 = 1

    init(blockCount: Int, blockSize: Int, prefixCaching: Bool) {
        precondition(blockCount > 0 && blockSize > 0, "a block pool needs blocks of at least one token")
        self.blockCount = blockCount
        self.blockSize = blockSize
        self.prefixCaching = prefixCaching
        referenceCounts = Array(repeating: 0, count: blockCount)
        keys = Array(repeating: nil, count: blockCount)
        serials = Array(repeating: 0, count: blockCount)
        emptyBlocks = (0..<Int32(blockCount)).reversed()
        evictable = BlockQueue(capacity: blockCount)
    }

    /// Blocks that `allocate` can hand out, evicting cached content if it must.
    var availableCount: Int { emptyBlocks.count + evictable.count }
    /// Blocks owned by at least one sequence.
    var inUseCount: Int { blockCount - availableCount }
    /// Blocks whose content is cached, owned or not.
    var cachedCount: Int { cachedBlocks.count }

    func referenceCount(_ block: Int32) -> Int { referenceCounts[Int(block)] }

    func isEvictable(_ block: Int32) -> Bool { referenceCounts[Int(block)] == 0 }

    /// The serial identifying the content of `block` up to and including it; the block must be cached.
    func serial(of block: Int32) -> UInt64 {
        precondition(keys[Int(block)] != nil, "block \(block) is not cached")
        return serials[Int(block)]
    }

    /// The cached blocks holding `tokens[0 ..< k × blockSize]` for the largest k ≤ `maximumBlocks`,
    /// without taking them.
    func cachedPrefix(of tokens: [Int32], maximumBlocks: Int) -> [Int32] {
        guard prefixCaching else { return [] }
        var blocks: [Int32] = []
        var parent = Self.rootSerial
        while blocks.count < maximumBlocks {
            let start = blocks.count * blockSize
            guard start + blockSize <= tokens.count else { break }
            let key = BlockKey(parent: parent, tokens: Array(tokens[start..<(start + blockSize)]))
            guard let block = cachedBlocks[key] else { break }
            blocks.append(block)
            parent = serials[Int(block)]
        }
        return blocks
    }

    /// Takes a share of a cached block found by `cachedPrefix`.
    mutating func acquire(_ block: Int32) {
        let index = Int(block)
        precondition(keys[index] != nil, "only cached blocks are shared")
        if referenceCounts[index] == 0 { evictable.remove(block) }
        referenceCounts[index] += 1
    }

    /// A block for new content: an empty one if there is any, else the least recently used cached
    /// block, whose content is forgotten. Nil when every block is owned.
    mutating func allocate() -> Int32? {
        let block: Int32
        if let empty = emptyBlocks.popLast() {
            block = empty
        } else if let oldest = evictable.popFirst() {
            cachedBlocks[keys[Int(oldest)]!] = nil
            keys[Int(oldest)] = nil
            block = oldest
        } else {
            return nil
        }
        referenceCounts[Int(block)] = 1
        return block
    }

    /// Gives back one share of each block, last block first: a sequence's tail holds the longest, least
    /// shareable prefixes, so it should be evicted before its head (vLLM frees in the same order).
    mutating func release(_ blocks: [Int32]) {
        for block in blocks.reversed() {
            let index = Int(block)
            precondition(referenceCounts[index] > 0, "block \(block) released more often than taken")
            referenceCounts[index] -= 1
            guard referenceCounts[index] == 0 else { continue }
            if keys[index] != nil {
                evictable.append(block)
            } else {
                emptyBlocks.append(block)
            }
        }
    }

    /// Records that `block`, owned by the caller, now holds `tokens` after the content `parent`, and
    /// returns the serial of the content up to and including it. When another block already holds the
    /// same content, that block stays the cached one and its serial is returned (both hold the same
    /// prefix); `block` stays uncached and becomes an empty block when released.
    mutating func register(_ block: Int32, parent: UInt64, tokens: ArraySlice<Int32>) -> UInt64 {
        precondition(prefixCaching, "registering a block with prefix caching off")
        precondition(tokens.count == blockSize, "only full blocks are cached")
        precondition(referenceCounts[Int(block)] > 0 && keys[Int(block)] == nil, "block \(block) is not fresh")
        let key = BlockKey(parent: parent, tokens: Array(tokens))
        if let existing = cachedBlocks[key] { return serials[Int(existing)] }
        cachedBlocks[key] = block
        keys[Int(block)] = key
        serials[Int(block)] = nextSerial
        nextSerial += 1
        return serials[Int(block)]
    }
}

/// A doubly linked queue of block ids with O(1) removal from the middle, in two arrays indexed by
/// block (vLLM's free block queue).
private struct BlockQueue {
    private static let none: Int32 = -1
    private var previous: [Int32]
    private var next: [Int32]
    private var head = BlockQueue.none
    private var tail = BlockQueue.none
    private(set) var count = 0

    init(capacity: Int) {
        previous = Array(repeating: Self.none, count: capacity)
        next = Array(repeating: Self.none, count: capacity)
    }

    mutating func append(_ block: Int32) {
        previous[Int(block)] = tail
        next[Int(block)] = Self.none
        if tail == Self.none { head = block } else { next[Int(tail)] = block }
        tail = block
        count += 1
    }

    mutating func remove(_ block: Int32) {
        let before = previous[Int(block)]
        let after = next[Int(block)]
        if before == Self.none { head = after } else { next[Int(before)] = after }
        if after == Self.none { tail = before } else { previous[Int(after)] = before }
        previous[Int(block)] = Self.none
        next[Int(block)] = Self.none
        count -= 1
    }

    mutating func popFirst() -> Int32? {
        guard head != Self.none else { return nil }
        let block = head
        remove(block)
        return block
    }
}
