// The post-processor, for one sequence: what `add_special_tokens` adds around the encoded text.
// Matches HF tokenizers' `processors/`: `ByteLevel` (it only trims offsets, so the ids stay as they
// are), `TemplateProcessing` with its `single` template (Llama-3 puts `<|begin_of_text|>` first this
// way), and a `Sequence` of them. Pair templates are never used; other processors (Bert, Roberta)
// are rejected when the tokenizer is loaded.

indirect enum PostProcessor: Sendable {
    enum TemplatePiece: Sendable {
        /// The encoded text (`$A`).
        case text
        /// A special token of the template, with the ids it stands for.
        case special([Int32])
    }

    case byteLevel
    case template([TemplatePiece])
    case sequence([PostProcessor])

    func apply(_ ids: [Int32], addSpecialTokens: Bool) -> [Int32] {
        switch self {
        case .byteLevel:
            return ids
        case .template(let pieces):
            var result: [Int32] = []
            for piece in pieces {
                switch piece {
                case .text: result += ids
                case .special(let specialIDs): if addSpecialTokens { result += specialIDs }
                }
            }
            return result
        case .sequence(let processors):
            return processors.reduce(ids) { $1.apply($0, addSpecialTokens: addSpecialTokens) }
        }
    }
}
