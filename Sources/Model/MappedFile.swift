// A whole file mapped read-only into memory for the lifetime of this object. Checkpoint tensors are
// views into it, so loading costs no copy and the OS shares the pages between processes.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let byteCount: Int
    /// nil for an empty file (which cannot be mapped).
    public let base: UnsafeRawPointer?

    public init(path: String) throws(CheckpointError) {
        self.path = path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw CheckpointError(file: path, problem: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw CheckpointError(file: path, problem: "cannot stat: \(String(cString: strerror(errno)))")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw CheckpointError(file: path, problem: "not a regular file")
        }
        byteCount = Int(status.st_size)
        if byteCount == 0 {
            base = nil
            return
        }
        let address = mmap(nil, byteCount, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let address, address != MAP_FAILED else {
            throw CheckpointError(file: path, problem: "cannot map: \(String(cString: strerror(errno)))")
        }
        // Weights are read front to back on every forward pass; ask for read-ahead now.
        _ = madvise(address, byteCount, MADV_WILLNEED)
        base = UnsafeRawPointer(address)
    }

    /// Gives back the resident pages wholly inside `byteCount` bytes at `start` (within this file), for
    /// bytes already copied elsewhere: the process then holds one copy of the weights rather than two.
    /// Reading them again just maps them back in from the page cache.
    public func releasePages(_ start: UnsafeRawPointer, byteCount: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = (Int(bitPattern: start) + page - 1) / page * page
        let end = (Int(bitPattern: start) + byteCount) / page * page
        guard end > first, let address = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(address, end - first, MADV_DONTNEED)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), byteCount) }
    }
}
