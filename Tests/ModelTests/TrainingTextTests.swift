// Reading training text: plain-text chunks cut only where the pre-tokenizer cuts anyway, JSONL records,
// and errors that name the file and the line.

import Foundation
import Testing

@testable import Model

@Suite struct TrainingTextTests {
    static func texts(_ content: String, _ format: TrainingText.Format, chunkBytes: Int = 1 << 20)
        throws(TrainingTextError) -> [String]
    {
        try texts(Array(content.utf8), format, chunkBytes: chunkBytes)
    }

    static func texts(_ content: [UInt8], _ format: TrainingText.Format, chunkBytes: Int = 1 << 20)
        throws(TrainingTextError) -> [String]
    {
        let directory = TestFiles.scratchDirectory("training-text")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        TestFiles.write(content, to: directory + "/data")
        var texts: [String] = []
        try TrainingText.forEachText(inFile: directory + "/data", format: format, chunkBytes: chunkBytes) { text, _ in
            texts.append(text)
        }
        return texts
    }

    static func error(_ content: [UInt8], _ format: TrainingText.Format) -> TrainingTextError? {
        do {
            _ = try texts(content, format)
            return nil
        } catch {
            return error
        }
    }

    @Test func plainTextChunksEndAtALineBeforeAVisibleCharacter() throws {
        let content = "ab\n  indented\n\n\ttab\n\u{301}mark\nnext line\r\nx\n"
        let chunks = try Self.texts(content, .text, chunkBytes: 1)
        #expect(chunks.joined() == content)
        // Not before a space, a tab, a line feed or a combining mark.
        #expect(chunks == ["ab\n  indented\n\n\ttab\n\u{301}mark\n", "next line\r\n", "x\n"])
        #expect(try Self.texts(content, .text) == [content])
    }

    @Test func jsonlRecordsAreTexts() throws {
        let content = "{\"text\": \"one\\n\"}\r\n\n   \n{\"id\": 3, \"text\": \"two\"}"
        #expect(try Self.texts(content, .jsonl) == ["one\n", "two"])
    }

    @Test func errorsNameTheLine() {
        let badUTF8 = Array("fine\nstill fine\nbad ".utf8) + [0xC3, 0x28] + Array(" here\n".utf8)
        #expect(Self.error(badUTF8, .text)?.line == 3)
        #expect(Self.error(badUTF8, .text)?.problem == "expected UTF-8 text, found the byte 0xC3")

        let cases: [(String, Int, String)] = [
            ("{\"text\": \"a\"}\nnot json\n", 2, "expected a JSON object, found invalid JSON"),
            ("{\"text\": \"a\"}\n\n{\"title\": \"b\"}\n", 3, "found no field \"text\""),
            ("{\"text\": 5}\n", 1, "found an integer"),
            ("[\"text\"]\n", 1, "found an array"),
        ]
        for (content, line, problem) in cases {
            let error = Self.error(Array(content.utf8), .jsonl)
            #expect(error?.line == line, "\(content.debugDescription)")
            #expect(error?.problem.contains(problem) == true, "\(String(describing: error))")
        }
        let missing = TrainingTextError(file: "/nonexistent/data.txt", line: nil, problem: "")
        do {
            try TrainingText.forEachText(inFile: missing.file, format: .text) { _, _ in }
            Issue.record("a missing file was read")
        } catch {
            #expect(error.description.hasPrefix("/nonexistent/data.txt: cannot open"))
        }
    }

    @Test func formatFollowsTheFileName() {
        #expect(TrainingText.Format(guessingFrom: "a/b.jsonl") == .jsonl)
        #expect(TrainingText.Format(guessingFrom: "b.ndjson") == .jsonl)
        #expect(TrainingText.Format(guessingFrom: "b.txt") == .text)
        #expect(TrainingText.Format(guessingFrom: "jsonl") == .text)
    }
}
