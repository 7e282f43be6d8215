// The replies a run has received so far, one JSON line each in `calls.jsonl` of the output folder:
// `{"call": <fingerprint>, "reply": <text>}`. A run restarted with the same arguments makes the same
// calls (same prompts, same seeds), finds their replies here and asks only for the rest, so it ends with
// the output an uninterrupted run would have written. Each reply is written and flushed as it arrives;
// a line a kill cut short is dropped on the next start.

import JSON
import Model
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

public final class CallJournal: Sendable {
    public let path: String
    private let state: Mutex<State>

    private struct State {
        var replies: [String: String]
        var file: UnsafeMutablePointer<FILE>?
    }

    public init(path: String) throws(SynthesisError) {
        self.path = path
        var replies: [String: String] = [:]
        if FileSystem.exists(path) {
            let bytes: [UInt8]
            do {
                bytes = try FileSystem.read(path)
            } catch {
                throw .file(path: error.file, reason: error.problem)
            }
            let complete = bytes.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
            if complete < bytes.count && truncate(path, off_t(complete)) != 0 {
                throw .file(path: path, reason: "cannot drop the unfinished last line")
            }
            for (index, line) in bytes[..<complete].split(separator: 10, omittingEmptySubsequences: false).enumerated()
            where !line.isEmpty {
                let reason = "expected {\"call\": string, \"reply\": string}"
                guard let object = try? JSONValue.parse(line).objectValue, let call = object["call"]?.stringValue,
                    let reply = object["reply"]?.stringValue
                else { throw .badLine(file: path, line: index + 1, reason: reason) }
                replies[call] = reply
            }
        }
        guard let file = fopen(path, "ab") else {
            throw .file(path: path, reason: "cannot open for appending: \(String(cString: strerror(errno)))")
        }
        state = Mutex(State(replies: replies, file: file))
    }

    deinit {
        state.withLock { if let file = $0.file { fclose(file) } }
    }

    public var count: Int { state.withLock { $0.replies.count } }

    public func reply(_ fingerprint: String) -> String? { state.withLock { $0.replies[fingerprint] } }

    /// Keeps `reply` and writes it through to the file.
    public func record(_ fingerprint: String, reply: String) throws(SynthesisError) {
        let line = JSONValue.object(["call": .string(fingerprint), "reply": .string(reply)]).serialized + "\n"
        let written = state.withLock { state in
            state.replies[fingerprint] = reply
            let bytes = Array(line.utf8)
            return fwrite(bytes, 1, bytes.count, state.file) == bytes.count && fflush(state.file) == 0
        }
        guard written else { throw .file(path: path, reason: "write failed: \(String(cString: strerror(errno)))") }
    }
}
