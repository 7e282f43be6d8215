// What can be wrong with training data or with the model it is meant for, each case carrying what a
// user needs to fix it: the file, the line and the field at fault.

public enum TrainingDataError: Error, Equatable, CustomStringConvertible {
    /// A line of a JSONL file that is not what the job reads.
    case badLine(file: String, line: Int, problem: String)
    /// The data holds no token whose prediction would be trained.
    case noTrainableTokens(file: String, reason: String)
    /// The tokenizer produces ids that the model has no embedding for.
    case tokenizerMismatch(tokenizer: String, tokenizerVocabulary: Int, modelVocabulary: Int)
    /// The data file cannot be read.
    case unreadable(file: String, problem: String)

    public var description: String {
        switch self {
        case .badLine(let file, let line, let problem): "\(file):\(line): \(problem)"
        case .noTrainableTokens(let file, let reason): "\(file): no trainable tokens (\(reason))"
        case .tokenizerMismatch(let tokenizer, let tokenizerVocabulary, let modelVocabulary):
            "\(tokenizer) has \(tokenizerVocabulary) tokens but the model's vocab_size is \(modelVocabulary): the checkpoint and the tokenizer do not belong together"
        case .unreadable(let file, let problem): "\(file): \(problem)"
        }
    }
}
