// The unit the data pipeline hands to training: one sequence of one or more documents (an SFT
// example is one document; a pretraining sequence is a fixed-length window that may span several),
// and how sequences are shuffled and packed into micro-batches under a token budget.

public struct TrainingDocument: Sendable, Equatable {
    public var tokens: [Int32]
    /// Whether predicting tokens[i] is trained (trainable[0] never is: nothing precedes it).
    public var trainable: [Bool]

    public init(tokens: [Int32], trainable: [Bool]) {
        precondition(tokens.count == trainable.count, "one trainable flag per token")
        self.tokens = tokens
        self.trainable = trainable
    }
}

public struct TrainingSequence: Sendable, Equatable {
    public var documents: [TrainingDocument]

    public init(documents: [TrainingDocument]) { self.documents = documents }

    /// Tokens the model reads for this sequence (every document's tokens but its last).
    public var inputCount: Int { documents.reduce(0) { $0 + $1.tokens.count - 1 } }
    public var trainableCount: Int { documents.reduce(0) { $0 + $1.trainable.dropFirst().filter { $0 }.count } }

    /// Micro-batches of whole sequences in the given order, each holding as many as fit in
    /// `tokenBudget` input tokens (at least one).
    public static func pack(_ sequences: [TrainingSequence], tokenBudget: Int) -> [TokenBatch] {
        var batches: [TokenBatch] = []
        var current = TokenBatch()
        for sequence in sequences {
            if current.tokenCount > 0 && current.tokenCount + sequence.inputCount > tokenBudget {
                batches.append(current)
                current = TokenBatch()
            }
            for document in sequence.documents where document.tokens.count >= 2 {
                current.append(sequence: document.tokens, trainable: Array(document.trainable.dropFirst()))
            }
        }
        if current.tokenCount > 0 { batches.append(current) }
        return batches
    }
}
