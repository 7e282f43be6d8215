// What one forward pass computes: a flattened batch of token chunks from many sequences. A chunk is a
// piece of a prompt being prefilled, or the single newest token of a decoding sequence; the forward
// pass does not distinguish them. Each chunk says where its tokens sit in its sequence, which KV
// blocks hold that sequence, and which of its positions need logits.

public enum LogitsSelection: Sendable, Equatable {
    case none
    /// The last token of the chunk (the next-token distribution).
    case last
    /// Every token of the chunk (prompt log-probabilities, `--dump-logits`).
    case all
}

public struct SequenceChunk: Sendable, Equatable {
    public var tokens: [Int32]
    /// Position of `tokens[0]`; positions before it are already in the KV cache.
    public var startPosition: Int
    /// KV blocks covering positions 0 ..< startPosition + tokens.count, in order.
    public var blockTable: [Int32]
    public var logits: LogitsSelection

    public init(tokens: [Int32], startPosition: Int, blockTable: [Int32], logits: LogitsSelection) {
        self.tokens = tokens
        self.startPosition = startPosition
        self.blockTable = blockTable
        self.logits = logits
    }

    var logitsRowCount: Int {
        switch logits {
        case .none: 0
        case .last: 1
        case .all: tokens.count
        }
    }
}

public struct ForwardBatch: Sendable, Equatable {
    public var chunks: [SequenceChunk]

    public init(chunks: [SequenceChunk]) { self.chunks = chunks }

    public var tokenCount: Int { chunks.reduce(0) { $0 + $1.tokens.count } }
    public var logitsRowCount: Int { chunks.reduce(0) { $0 + $1.logitsRowCount } }
}
