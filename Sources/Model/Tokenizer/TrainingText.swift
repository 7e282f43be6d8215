// Reads the text that a tokenizer is trained on: plain UTF-8 text, or JSONL with a string field `text`
// on each line (blank lines skipped). A JSONL record is one text. A plain-text file is one text too, handed
// over in chunks of about `chunkBytes` cut only just after a line feed and before a printable ASCII
// character: the Qwen2 pre-tokenizer always cuts there (no piece runs from a line break into a visible
// character) and NFC cannot join across it (the character is a starter), so the words counted are those
// of the whole file. Bad input throws an error that names the file, the line and what was wrong.

import JSON

public struct TrainingTextError: Error, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let problem: String

    public var description: String { "\(file)\(line.map { " line \($0)" } ?? ""): \(problem)" }
}

public enum TrainingText {
    public enum Format: String, Sendable, CaseIterable {
        case text, jsonl

        /// JSONL for names ending in `.jsonl` or `.ndjson`, else plain text.
        public init(guessingFrom path: String) {
            self = path.hasSuffix(".jsonl") || path.hasSuffix(".ndjson") ? .jsonl : .text
        }
    }

    /// A plain-text chunk reaches at least this many bytes before a cut is looked for.
    public static let defaultChunkBytes = 1 << 20

    /// Calls `body` with each text of the file in order, and the number of the file's bytes read so far.
    public static func forEachText(
        inFile path: String, format: Format, chunkBytes: Int = defaultChunkBytes,
        _ body: (_ text: String, _ bytesRead: Int) -> Void
    ) throws(TrainingTextError) {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.read(path)
        } catch {
            throw TrainingTextError(file: path, line: nil, problem: error.problem)
        }
        switch format {
        case .text: try forEachChunk(of: bytes, path: path, chunkBytes: chunkBytes, body)
        case .jsonl: try forEachRecord(of: bytes, path: path, body)
        }
    }

    private static func forEachChunk(
        of bytes: [UInt8], path: String, chunkBytes: Int, _ body: (String, Int) -> Void
    ) throws(TrainingTextError) {
        var start = 0
        var line = 1
        while start < bytes.count {
            var end = min(start + chunkBytes, bytes.count)
            while end < bytes.count && !(bytes[end - 1] == 0x0A && (0x21...0x7E).contains(bytes[end])) { end += 1 }
            let chunk = bytes[start..<end]
            guard let text = String(validating: chunk, as: UTF8.self) else {
                let offset = firstInvalidUTF8(in: chunk)
                let lineOfError = line + bytes[start..<offset].count { $0 == 0x0A }
                throw TrainingTextError(
                    file: path, line: lineOfError,
                    problem: "expected UTF-8 text, found the byte 0x\(hex(bytes[offset]))")
            }
            line += chunk.count { $0 == 0x0A }
            body(text, end)
            start = end
        }
    }

    private static func forEachRecord(of bytes: [UInt8], path: String, _ body: (String, Int) -> Void)
        throws(TrainingTextError)
    {
        var start = 0
        var line = 0
        while start < bytes.count {
            line += 1
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            let record = bytes[start..<end]
            start = end + 1
            if record.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let value: JSONValue
            do {
                value = try JSONValue.parse(record)
            } catch {
                throw TrainingTextError(file: path, line: line, problem: "expected a JSON object, found \(error)")
            }
            guard case .string(let text)? = value.objectValue?["text"] else {
                let found = value.objectValue.map { $0["text"]?.kindName ?? "no field \"text\"" } ?? value.kindName
                throw TrainingTextError(
                    file: path, line: line, problem: "expected an object with a string field \"text\", found \(found)")
            }
            body(text, min(start, bytes.count))
        }
    }

    /// The offset of the first byte that does not begin a valid UTF-8 sequence.
    private static func firstInvalidUTF8(in bytes: ArraySlice<UInt8>) -> Int {
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var offset = bytes.startIndex
        while case .valid(let encoded) = parser.parseScalar(from: &iterator) { offset += encoded.count }
        return offset
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return digits.count == 1 ? "0" + digits : digits
    }
}
