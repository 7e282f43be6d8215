import Model
import Testing

@Suite struct MappedFileTests {
    /// Pages given back after their bytes were copied read back unchanged, whatever the range's
    /// alignment, including ranges that hold no whole page.
    @Test func releasedPagesReadBackUnchanged() throws {
        let path = TestFiles.scratchDirectory("mapped") + "/data.bin"
        let bytes = (0..<(5 * 4096 + 123)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        TestFiles.write(bytes, to: path)
        let file = try MappedFile(path: path)
        let base = try #require(file.base)
        for (offset, count) in [(100, 3 * 4096), (0, file.byteCount), (4096, 4096), (10, 50)] {
            file.releasePages(base + offset, byteCount: count)
            let mapped = UnsafeRawBufferPointer(start: base, count: file.byteCount)
            #expect(Array(mapped) == bytes, "after releasing \(count) bytes at \(offset)")
        }
    }
}
