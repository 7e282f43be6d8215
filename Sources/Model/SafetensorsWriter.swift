// Writes a `.safetensors` file the way the reference implementation lays it out: header JSON padded
// with spaces to a multiple of 8 bytes, tensors back to back in the given order. The file appears
// atomically: it is written under a temporary name and renamed, so a crash never leaves half a file.

import JSON

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public struct TensorRecord: Sendable {
    public enum Data: Sendable {
        case float32([Float])
        case bfloat16([UInt16])
        case float16([UInt16])
        case bytes(type: TensorType, [UInt8])
    }

    public var name: String
    public var shape: [Int]
    public var data: Data

    public init(name: String, shape: [Int], data: Data) {
        self.name = name
        self.shape = shape
        self.data = data
    }

    var type: TensorType {
        switch data {
        case .float32: .float32
        case .bfloat16: .bfloat16
        case .float16: .float16
        case .bytes(let type, _): type
        }
    }

    var byteCount: Int {
        switch data {
        case .float32(let values): values.count * 4
        case .bfloat16(let values), .float16(let values): values.count * 2
        case .bytes(_, let bytes): bytes.count
        }
    }
}

public enum SafetensorsWriter {
    public static func write(_ tensors: [TensorRecord], metadata: [String: String] = ["format": "pt"], to path: String)
        throws(CheckpointError)
    {
        var header = JSONObject()
        if !metadata.isEmpty {
            var entries = JSONObject()
            for key in metadata.keys.sorted() { entries[key] = .string(metadata[key]!) }
            header["__metadata__"] = .object(entries)
        }
        var offset = 0
        for tensor in tensors {
            let elements = tensor.shape.reduce(1, *)
            guard elements * tensor.type.byteCount == tensor.byteCount else {
                throw CheckpointError(
                    file: path,
                    problem: "tensor '\(tensor.name)': \(tensor.byteCount) bytes do not fit shape \(tensor.shape)")
            }
            header[tensor.name] = .object([
                "dtype": .string(tensor.type.rawValue), "shape": .array(tensor.shape.map { .int($0) }),
                "data_offsets": .array([.int(offset), .int(offset + tensor.byteCount)]),
            ])
            offset += tensor.byteCount
        }
        var headerText = JSONValue.object(header).serialized
        headerText += String(repeating: " ", count: (8 - headerText.utf8.count % 8) % 8)
        let file = try AtomicFile(path: path)
        let length = UInt64(headerText.utf8.count).littleEndian
        try file.write([UInt8]((0..<8).map { UInt8(truncatingIfNeeded: length >> ($0 * 8)) }))
        try file.write(headerText)
        for tensor in tensors {
            switch tensor.data {
            case .float32(let values): try file.write(values)
            case .bfloat16(let values), .float16(let values): try file.write(values)
            case .bytes(_, let bytes): try file.write(bytes)
            }
        }
        try file.commit()
    }
}

/// A file written under a temporary name in the same folder and renamed over `path` on commit;
/// dropped without commit, the temporary file is removed.
public final class AtomicFile {
    public let path: String
    private let temporaryPath: String
    private var handle: UnsafeMutablePointer<FILE>?

    public init(path: String) throws(CheckpointError) {
        self.path = path
        temporaryPath = path + ".tmp-\(getpid())"
        guard let handle = fopen(temporaryPath, "wb") else {
            throw CheckpointError(file: path, problem: "cannot create: \(String(cString: strerror(errno)))")
        }
        self.handle = handle
    }

    /// Appends the bytes of `values` (a trivial type, written in memory order).
    public func write<Element>(_ values: [Element]) throws(CheckpointError) {
        guard !values.isEmpty else { return }
        let written = values.withUnsafeBytes { bytes in
            handle.map { fwrite(bytes.baseAddress, 1, bytes.count, $0) == bytes.count } ?? false
        }
        guard written else {
            throw CheckpointError(file: path, problem: "write failed: \(String(cString: strerror(errno)))")
        }
    }

    public func write(_ text: String) throws(CheckpointError) { try write(Array(text.utf8)) }

    /// Flushes to disk and renames into place.
    public func commit() throws(CheckpointError) {
        guard let handle else { return }
        self.handle = nil
        let flushed = fflush(handle) == 0 && fsync(fileno(handle)) == 0
        let closed = fclose(handle) == 0
        guard flushed, closed, rename(temporaryPath, path) == 0 else {
            unlink(temporaryPath)
            throw CheckpointError(file: path, problem: "cannot finish writing: \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        if let handle {
            fclose(handle)
            unlink(temporaryPath)
        }
    }
}
