// The GPT-2 byte-to-character map that byte-level BPE vocabularies are written in: each byte is shown
// as one printable character (`Ġ` for a space, `Ċ` for a newline), so a token is a string whose
// characters stand for bytes. Matches `bytes_char()` in HF tokenizers' `pre_tokenizers/byte_level.rs`.
//
// The encoder never builds those strings: it splits and merges raw bytes, and the map is used only
// at load time, to turn vocabulary strings back into the bytes they stand for.

enum ByteLevel {
    /// The character each byte stands for: printable Latin-1 bytes stand for themselves, the other 68
    /// are moved to U+0100 and up, in byte order.
    static let scalarOfByte: [Unicode.Scalar] = {
        var scalars = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let printable = (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
            if printable {
                scalars[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                scalars[byte] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return scalars
    }()

    /// The byte each character below U+0144 stands for, or -1.
    private static let byteOfScalar: [Int16] = {
        var table = [Int16](repeating: -1, count: 0x144)
        for (byte, scalar) in scalarOfByte.enumerated() { table[Int(scalar.value)] = Int16(byte) }
        return table
    }()

    /// The bytes `token` stands for, or nil when one of its characters is outside the map (such a
    /// token, typically an added token, decodes to its own UTF-8 bytes, as in HF's decoder).
    static func bytes(of token: String) -> [UInt8]? {
        var result: [UInt8] = []
        result.reserveCapacity(token.utf8.count)
        for scalar in token.unicodeScalars {
            guard scalar.value < byteOfScalar.count, byteOfScalar[Int(scalar.value)] >= 0 else { return nil }
            result.append(UInt8(byteOfScalar[Int(scalar.value)]))
        }
        return result
    }
}
