// One `.safetensors` file: an 8-byte little-endian header length N, N bytes of JSON
// `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}`, then the tensor data,
// offsets relative to the byte after the header, shapes row-major outermost first.
//
// Every header field is checked against the file before any tensor is touched: a truncated file, bad
// JSON, an unknown dtype or an offset range outside the data throws, naming the file and the tensor.

import JSON

public enum TensorType: String, Sendable, CaseIterable {
    case float32 = "F32"
    case bfloat16 = "BF16"
    case float16 = "F16"
    case float64 = "F64"
    case int64 = "I64"
    case int32 = "I32"
    case int16 = "I16"
    case int8 = "I8"
    case uint8 = "U8"
    case bool = "BOOL"

    public var byteCount: Int {
        switch self {
        case .float64, .int64: 8
        case .float32, .int32: 4
        case .bfloat16, .float16, .int16: 2
        case .int8, .uint8, .bool: 1
        }
    }
}

/// A tensor inside a mapped file: its type, shape and bytes.
public struct TensorView: @unchecked Sendable {
    public let name: String
    public let type: TensorType
    public let shape: [Int]
    public let data: UnsafeRawPointer
    public let byteCount: Int
    /// The file the bytes belong to; kept alive by every view.
    public let file: MappedFile

    public var elementCount: Int { shape.reduce(1, *) }
}

public final class SafetensorsFile: Sendable {
    public let path: String
    public let mapping: MappedFile
    public let tensors: [String: TensorView]
    public let metadata: [String: String]

    /// The reference implementation refuses headers above 100 MB; so do we.
    static let maximumHeaderBytes = 100_000_000

    public init(path: String) throws(CheckpointError) {
        self.path = path
        mapping = try MappedFile(path: path)
        func fail(_ problem: String) -> CheckpointError { CheckpointError(file: path, problem: problem) }

        guard mapping.byteCount >= 8, let base = mapping.base else {
            throw fail("file is \(mapping.byteCount) bytes, too short for the 8-byte header length")
        }
        let headerLength = Int(UInt64(littleEndian: base.loadUnaligned(as: UInt64.self)).clamped(to: Int.max))
        guard headerLength <= Self.maximumHeaderBytes else {
            throw fail("header length \(headerLength) exceeds the 100 MB limit (not a safetensors file?)")
        }
        guard headerLength <= mapping.byteCount - 8 else {
            throw fail(
                "header length \(headerLength) runs past the end of the \(mapping.byteCount)-byte file (truncated?)")
        }
        let headerBytes = UnsafeRawBufferPointer(start: base + 8, count: headerLength)
        let header: JSONValue
        do {
            header = try JSONValue.parse(headerBytes)
        } catch {
            throw fail("header is not valid JSON: \(error.description)")
        }
        guard let entries = header.objectValue else {
            throw fail("header must be a JSON object, found \(header.kindName)")
        }

        let dataStart = 8 + headerLength
        let dataLength = mapping.byteCount - dataStart
        var tensors: [String: TensorView] = [:]
        var metadata: [String: String] = [:]
        for (name, entry) in entries.pairs {
            if name == "__metadata__" {
                for (key, value) in entry.objectValue?.pairs ?? [] {
                    metadata[key] = value.stringValue ?? value.serialized
                }
                continue
            }
            guard let fields = entry.objectValue else { throw fail("tensor '\(name)': entry must be an object") }
            guard let typeName = fields["dtype"]?.stringValue else { throw fail("tensor '\(name)': missing dtype") }
            guard let type = TensorType(rawValue: typeName) else {
                throw fail("tensor '\(name)': unknown dtype '\(typeName)'")
            }
            guard let shapeValues = fields["shape"]?.arrayValue else { throw fail("tensor '\(name)': missing shape") }
            var shape: [Int] = []
            var elementCount = 1
            for value in shapeValues {
                guard let dimension = value.intValue, dimension >= 0 else {
                    throw fail("tensor '\(name)': shape \(JSONValue.array(shapeValues).serialized) has a bad dimension")
                }
                let (product, overflow) = elementCount.multipliedReportingOverflow(by: dimension)
                guard !overflow else { throw fail("tensor '\(name)': shape is too large") }
                shape.append(dimension)
                elementCount = product
            }
            guard let offsets = fields["data_offsets"]?.arrayValue, offsets.count == 2,
                let begin = offsets[0].intValue, let end = offsets[1].intValue
            else { throw fail("tensor '\(name)': data_offsets must be [begin, end]") }
            guard begin >= 0, begin <= end, end <= dataLength else {
                throw fail(
                    "tensor '\(name)': data_offsets [\(begin), \(end)] fall outside the \(dataLength) data bytes (truncated file?)"
                )
            }
            let (expectedBytes, overflow) = elementCount.multipliedReportingOverflow(by: type.byteCount)
            guard !overflow, end - begin == expectedBytes else {
                throw fail(
                    "tensor '\(name)': \(end - begin) bytes for shape \(shape) of \(typeName), expected \(elementCount * type.byteCount)"
                )
            }
            tensors[name] = TensorView(
                name: name, type: type, shape: shape, data: base + dataStart + begin, byteCount: end - begin,
                file: mapping)
        }
        self.tensors = tensors
        self.metadata = metadata
    }
}

extension UInt64 {
    fileprivate func clamped(to limit: Int) -> Int { self > UInt64(limit) ? limit : Int(self) }
}
