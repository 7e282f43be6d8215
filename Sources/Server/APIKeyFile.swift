// API keys read from a file (`spark-server --api-key-file`): the way an orchestrator hands over a secret
// (a Kubernetes Secret or a Docker secret mounted as a file), and the one that keeps a key out of `ps`
// and out of the process environment. One key per line, so that a rotation can list the old and the
// new key side by side until every client has moved.

import Model

public enum APIKeyFile {
    public struct ReadError: Error, Equatable, CustomStringConvertible {
        public let path: String
        public let problem: String

        public var description: String { "API key file \(path): \(problem)" }
    }

    /// The keys in `text`: one per line, surrounding spaces and tabs trimmed; blank lines and lines
    /// starting with `#` are skipped.
    public static func keys(in text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).map { line in
            var key = Substring(line)
            while let first = key.first, first == " " || first == "\t" { key.removeFirst() }
            while let last = key.last, last == " " || last == "\t" { key.removeLast() }
            return String(key)
        }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    /// The keys in the file at `path`; a file without any key is an error, since starting without
    /// authentication because a secret was mounted empty would be worse than not starting.
    public static func read(_ path: String) throws(ReadError) -> [String] {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.read(path)
        } catch {
            throw ReadError(path: path, problem: error.problem)
        }
        let keys = keys(in: String(decoding: bytes, as: UTF8.self))
        guard !keys.isEmpty else { throw ReadError(path: path, problem: "no key found (one key per line expected)") }
        return keys
    }
}
