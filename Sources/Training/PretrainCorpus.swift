// Pretraining data: plain text (documents separated by blank lines) or JSONL with a "text" field,
// tokenized, each document followed by the end-of-sequence token, laid end to end and cut into
// windows of `sequenceLength + 1` tokens that overlap by one, so that every next-token prediction
// inside a document is made exactly once. A window that spans documents keeps them apart: each
// piece is its own document in the batch (no attention across, positions from 0).

import JSON
import Model

public enum PretrainCorpus {
    /// The documents of a data file's `text` (named `file` in errors).
    public static func documents(_ text: String, file: String) throws(TrainingDataError) -> [String] {
        guard file.hasSuffix(".jsonl") else {
            return text.split(separator: "\n\n", omittingEmptySubsequences: true).map(String.init).filter {
                !$0.allSatisfy(\.isWhitespace)
            }
        }
        var documents: [String] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy(\.isWhitespace) { continue }
            func fail(_ problem: String) -> TrainingDataError {
                .badLine(file: file, line: index + 1, problem: problem)
            }
            guard let value = try? JSONValue.parse(String(line)) else { throw fail("not valid JSON") }
            guard let object = value.objectValue else { throw fail("expected a JSON object, found \(value.kindName)") }
            guard let field = object["text"] else { throw fail("no 'text' field") }
            guard let text = field.stringValue else { throw fail("'text' must be a string, found \(field.kindName)") }
            documents.append(text)
        }
        return documents
    }

    /// Fixed-length training sequences from `documents`.
    public static func sequences(
        _ documents: [String], tokenizer: Tokenizer, endOfSequence: Int32?, sequenceLength: Int
    ) -> [TrainingSequence] {
        precondition(sequenceLength >= 1, "sequence length must be positive")
        var stream: [Int32] = []
        var documentStarts: Set<Int> = []
        for document in documents {
            documentStarts.insert(stream.count)
            stream += tokenizer.encode(document)
            if let endOfSequence { stream.append(endOfSequence) }
        }
        var sequences: [TrainingSequence] = []
        var start = 0
        while start + 1 < stream.count {
            let end = min(stream.count, start + sequenceLength + 1)
            var pieces: [TrainingDocument] = []
            var pieceStart = start
            for index in (start + 1)..<end where documentStarts.contains(index) {
                pieces.append(piece(stream[pieceStart..<index]))
                pieceStart = index
            }
            pieces.append(piece(stream[pieceStart..<end]))
            sequences.append(TrainingSequence(documents: pieces.filter { $0.tokens.count >= 2 }))
            start = end - 1
        }
        return sequences.filter { !$0.documents.isEmpty }
    }

    private static func piece(_ tokens: ArraySlice<Int32>) -> TrainingDocument {
        TrainingDocument(tokens: Array(tokens), trainable: [false] + Array(repeating: true, count: tokens.count - 1))
    }
}
