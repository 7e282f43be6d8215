// NumPy `.npy` files (format version 1.0) of float32 or float64 arrays in C order: what
// `spark-generate --dump-logits` writes, and what the golden tests read references from.
// Format: magic "\x93NUMPY", version 1 0, a little-endian u16 header length, a Python dict literal
// `{'descr': '<f4', 'fortran_order': False, 'shape': (r, c), }` padded so the data starts on a
// multiple of 64 bytes, then the data.

public struct NumpyArray: Sendable, Equatable {
    public var shape: [Int]
    /// The values, widened to float32 when the file holds float64.
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not match \(values.count) values")
        self.shape = shape
        self.values = values
    }

    /// The file's bytes, float32 little-endian.
    public var fileBytes: [UInt8] {
        let dimensions = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dimensions)), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let length = UInt16(header.utf8.count)
        bytes += [UInt8(length & 0xff), UInt8(length >> 8)]
        bytes += Array(header.utf8)
        bytes.reserveCapacity(bytes.count + values.count * 4)
        for value in values {
            let bits = value.bitPattern.littleEndian
            bytes += [UInt8(bits & 0xff), UInt8((bits >> 8) & 0xff), UInt8((bits >> 16) & 0xff), UInt8(bits >> 24)]
        }
        return bytes
    }

    public init(fileBytes bytes: [UInt8], name: String) throws(CheckpointError) {
        func fail(_ problem: String) -> CheckpointError { CheckpointError(file: name, problem: problem) }
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw fail("not a .npy file (bad magic)")
        }
        guard bytes[6] == 1 else {
            throw fail("npy format version \(bytes[6]).\(bytes[7]) is not supported (only 1.0)")
        }
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        guard bytes.count >= 10 + headerLength else { throw fail("truncated header") }
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        let elementBytes: Int
        if header.contains("'descr': '<f4'") {
            elementBytes = 4
        } else if header.contains("'descr': '<f8'") {
            elementBytes = 8
        } else {
            throw fail("only little-endian float32/float64 arrays are supported (header \(header))")
        }
        guard header.contains("'fortran_order': False") else { throw fail("Fortran-order arrays are not supported") }
        guard let open = header.firstRange(of: "'shape': ("),
            let close = header[open.upperBound...].firstIndex(of: ")")
        else { throw fail("no shape in header \(header)") }
        var shape: [Int] = []
        for part in header[open.upperBound..<close].split(separator: ",") {
            let digits = part.filter { $0 != " " }
            guard let dimension = Int(digits), dimension >= 0 else { throw fail("bad shape in header \(header)") }
            shape.append(dimension)
        }
        let count = shape.reduce(1, *)
        let dataStart = 10 + headerLength
        guard bytes.count == dataStart + count * elementBytes else {
            throw fail(
                "expected \(count * elementBytes) data bytes for shape \(shape), found \(bytes.count - dataStart)")
        }
        var values = [Float](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            for index in 0..<count {
                let offset = dataStart + index * elementBytes
                if elementBytes == 4 {
                    values[index] = Float(
                        bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                } else {
                    values[index] = Float(
                        Double(
                            bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                        ))
                }
            }
        }
        self.init(shape: shape, values: values)
    }

    public static func load(contentsOfFile path: String) throws(CheckpointError) -> NumpyArray {
        try NumpyArray(fileBytes: FileSystem.read(path), name: path)
    }
}
