// What one training step sees: documents laid end to end (packed), each token with the token it must
// predict and whether that prediction counts towards the loss. Attention never crosses a document
// boundary and positions restart at 0 in every document, so packing several documents into one
// sequence trains each of them exactly as if it were alone (the positions and masks that
// transformers gets from `position_ids` in packed training).

public struct TokenBatch: Sendable, Equatable {
    /// Input ids of every token of every document, in order.
    public private(set) var inputs: [Int32] = []
    /// The id each token must predict (the next token of its document).
    public private(set) var targets: [Int32] = []
    /// Whether the prediction at each token counts towards the loss.
    public private(set) var trainable: [Bool] = []
    /// Token ranges of the documents, contiguous and in order.
    public private(set) var documents: [Range<Int>] = []

    public init() {}

    /// Appends one document: `inputs[i]` predicts `targets[i]`, counted when `trainable[i]`.
    public mutating func append(inputs: [Int32], targets: [Int32], trainable: [Bool]) {
        precondition(!inputs.isEmpty, "empty document")
        precondition(inputs.count == targets.count && inputs.count == trainable.count, "ragged document")
        let start = self.inputs.count
        self.inputs += inputs
        self.targets += targets
        self.trainable += trainable
        documents.append(start..<self.inputs.count)
    }

    /// Appends a token sequence as one document that predicts each next token; `trainable[i]` says
    /// whether predicting `tokens[i + 1]` counts (all of them when nil).
    public mutating func append(sequence tokens: [Int32], trainable: [Bool]? = nil) {
        precondition(tokens.count >= 2, "a document needs two tokens to predict one")
        append(
            inputs: Array(tokens.dropLast()), targets: Array(tokens.dropFirst()),
            trainable: trainable ?? Array(repeating: true, count: tokens.count - 1))
    }

    public var tokenCount: Int { inputs.count }
    public var trainableCount: Int { trainable.reduce(0) { $0 + ($1 ? 1 : 0) } }
}
