import Testing

@testable import Scheduler

@Suite struct BlockManagerTests {
    /// Allocates blocks for `tokens` and registers each full one, as the scheduler does once they are
    /// computed; returns the block table.
    func store(_ tokens: [Int32], in manager: inout BlockManager) -> [Int32] {
        var table: [Int32] = []
        var parent = BlockManager.rootSerial
        for start in stride(from: 0, to: tokens.count, by: manager.blockSize) {
            let block = manager.allocate()!
            table.append(block)
            if start + manager.blockSize <= tokens.count {
                parent = manager.register(block, parent: parent, tokens: tokens[start..<(start + manager.blockSize)])
            }
        }
        return table
    }

    @Test func handsOutBlocksInOrderAndTakesThemBack() {
        var manager = BlockManager(blockCount: 4, blockSize: 2, prefixCaching: false)
        let blocks = (0..<4).map { _ in manager.allocate() }
        #expect(blocks == [0, 1, 2, 3])
        #expect(manager.allocate() == nil)
        #expect(manager.inUseCount == 4)
        manager.release([1, 2])
        #expect(manager.availableCount == 2)
        // Freed last first: the block released last (the first of the table) is reused first.
        #expect(manager.allocate() == 1)
    }

    @Test func findsTheLongestCachedPrefixOfWholeBlocks() {
        var manager = BlockManager(blockCount: 8, blockSize: 2, prefixCaching: true)
        let table = store([1, 2, 3, 4, 5], in: &manager)
        #expect(manager.cachedPrefix(of: [1, 2, 3, 4, 5, 6], maximumBlocks: 10) == Array(table[0..<2]))
        #expect(manager.cachedPrefix(of: [1, 2, 3, 4], maximumBlocks: 1) == [table[0]])
        #expect(manager.cachedPrefix(of: [1, 2, 3, 9], maximumBlocks: 10) == [table[0]])
        #expect(manager.cachedPrefix(of: [2, 2, 3, 4], maximumBlocks: 10) == [])
        #expect(manager.cachedCount == 2)
    }

    /// The same block of tokens after different prefixes is different content, and two sequences that
    /// compute the same content keep one cached copy.
    @Test func keysIncludeTheWholePrefixExactly() {
        var manager = BlockManager(blockCount: 8, blockSize: 2, prefixCaching: true)
        let first = store([1, 2, 3, 4], in: &manager)
        let second = store([5, 6, 3, 4], in: &manager)
        #expect(manager.cachedPrefix(of: [5, 6, 3, 4], maximumBlocks: 2) == second)
        #expect(manager.cachedPrefix(of: [1, 2, 3, 4], maximumBlocks: 2) == first)
        let duplicate = store([1, 2], in: &manager)
        #expect(manager.serial(of: first[0]) != manager.serial(of: second[0]))
        #expect(manager.cachedPrefix(of: [1, 2], maximumBlocks: 1) == [first[0]])
        // The duplicate holds nothing worth keeping: released, it is empty again, not cached.
        manager.release(duplicate)
        #expect(manager.cachedCount == 4)
        #expect(manager.allocate() == duplicate[0])
    }

    /// Never-cached blocks are reused before cached ones; cached ones go least recently released
    /// first, and a sequence's blocks are released tail first, so its prefix outlives its tail.
    @Test func evictsLeastRecentlyUsedTailFirst() {
        var manager = BlockManager(blockCount: 6, blockSize: 2, prefixCaching: true)
        let a = store([1, 2, 3, 4, 5, 6], in: &manager)
        let b = store([7, 8, 9, 10], in: &manager)
        manager.release(a)
        manager.release(b)
        #expect(manager.inUseCount == 0)
        #expect(manager.availableCount == 6)
        #expect(manager.allocate() == 5)
        // a's tail, then a's middle, then a's head, then b's tail...
        let evictionOrder = [a[2], a[1], a[0], b[1], b[0]]
        for (count, victim) in evictionOrder.enumerated() {
            #expect(manager.allocate() == victim, "eviction \(count)")
        }
        #expect(manager.cachedPrefix(of: [1, 2, 3, 4, 5, 6], maximumBlocks: 3) == [])
        #expect(manager.cachedPrefix(of: [7, 8, 9, 10], maximumBlocks: 2) == [])
    }

    @Test func evictsEmptyBlocksBeforeCachedOnes() {
        var manager = BlockManager(blockCount: 4, blockSize: 2, prefixCaching: true)
        let a = store([1, 2, 3, 4], in: &manager)
        manager.release(a)
        let fresh = [manager.allocate(), manager.allocate()]
        #expect(fresh == [2, 3])
        #expect(manager.cachedPrefix(of: [1, 2, 3, 4], maximumBlocks: 2) == a)
    }

    @Test func sharedBlocksStayUntilTheirLastOwnerReleasesThem() {
        var manager = BlockManager(blockCount: 4, blockSize: 2, prefixCaching: true)
        let a = store([1, 2, 3, 4], in: &manager)
        let hits = manager.cachedPrefix(of: [1, 2, 3, 4, 5], maximumBlocks: 2)
        #expect(hits == a)
        for block in hits { manager.acquire(block) }
        #expect(manager.referenceCount(a[0]) == 2)
        manager.release(a)
        #expect(manager.inUseCount == 2)
        manager.release(hits)
        #expect(manager.inUseCount == 0)
        #expect(manager.cachedCount == 2)
    }

    /// Taking a cached block out of the LRU queue and releasing it again makes it the most recent.
    @Test func aHitRefreshesABlocksPlaceInTheQueue() {
        var manager = BlockManager(blockCount: 4, blockSize: 2, prefixCaching: true)
        let a = store([1, 2, 3, 4], in: &manager)
        let c = store([5, 6], in: &manager)
        manager.release(a)
        manager.release(c)
        let hit = manager.cachedPrefix(of: [1, 2], maximumBlocks: 1)
        #expect(hit == [a[0]])
        manager.acquire(a[0])
        manager.release(hit)
        let order = (0..<4).map { _ in manager.allocate()! }
        #expect(order == [3, a[1], c[0], a[0]])
    }
}
