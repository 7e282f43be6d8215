// Owned, 64-byte aligned memory for activations, converted weights and the KV cache: the kernels'
// vector loads and the cache lines they stream through want that alignment.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public final class AlignedBuffer<Element>: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Element>

    /// Zero-filled storage for `count` elements of a trivial type.
    public init(count: Int) {
        precondition(count >= 0, "negative buffer size")
        precondition(_isPOD(Element.self), "AlignedBuffer holds trivial types only")
        self.count = count
        let bytes = max(count * MemoryLayout<Element>.stride, 64)
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            fatalError("out of memory allocating \(bytes) bytes")
        }
        memset(raw, 0, bytes)
        pointer = raw.bindMemory(to: Element.self, capacity: max(count, 1))
    }

    deinit { free(pointer) }

    public var buffer: UnsafeMutableBufferPointer<Element> { UnsafeMutableBufferPointer(start: pointer, count: count) }
}
