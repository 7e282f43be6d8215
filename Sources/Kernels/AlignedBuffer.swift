// Owned, 64-byte aligned, zero-filled memory for activations, converted weights and the KV cache: the
// kernels' vector loads and the cache lines they stream through want that alignment. Large buffers
// are anonymous mappings, so their pages cost nothing until first written (a KV cache sized for the
// worst case does not occupy its full size in RAM).

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public final class AlignedBuffer<Element>: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Element>

    /// Zero-filled storage for `count` elements of a trivial type.
    private let mappedBytes: Int

    /// Buffers from this size up are mapped rather than allocated.
    static var mappingThreshold: Int { 1 << 20 }

    public init(count: Int) {
        precondition(count >= 0, "negative buffer size")
        precondition(_isPOD(Element.self), "AlignedBuffer holds trivial types only")
        self.count = count
        let bytes = max(count * MemoryLayout<Element>.stride, 64)
        let raw: UnsafeMutableRawPointer
        if bytes >= Self.mappingThreshold {
            let address = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            guard let address, address != MAP_FAILED else { fatalError("out of memory mapping \(bytes) bytes") }
            raw = address
            mappedBytes = bytes
        } else {
            var allocation: UnsafeMutableRawPointer?
            guard posix_memalign(&allocation, 64, bytes) == 0, let allocation else {
                fatalError("out of memory allocating \(bytes) bytes")
            }
            memset(allocation, 0, bytes)
            raw = allocation
            mappedBytes = 0
        }
        pointer = raw.bindMemory(to: Element.self, capacity: max(count, 1))
    }

    /// Asks for transparent huge pages, for a large buffer streamed end to end (packed weights): a
    /// 2 MiB page is one fault when written and one TLB entry when read, where 4 KiB pages are 512.
    public func adviseHugePages() {
        #if os(Linux)
            if mappedBytes > 0 { _ = madvise(pointer, mappedBytes, MADV_HUGEPAGE) }
        #endif
    }

    deinit {
        if mappedBytes > 0 {
            munmap(pointer, mappedBytes)
        } else {
            free(pointer)
        }
    }

    public var buffer: UnsafeMutableBufferPointer<Element> { UnsafeMutableBufferPointer(start: pointer, count: count) }
}
