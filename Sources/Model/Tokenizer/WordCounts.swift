// The words of training text and how often each occurs: what `BPETrainer` learns merges from. Text goes
// through the pipeline that the trained tokenizer.json declares (and Qwen2's and Llama 3's have): NFC,
// then the split pattern (Qwen2's by default; Llama 3's keeps numbers of up to three digits whole; GPT-2's
// keeps a number whole with its leading space), then the byte-level alphabet, which needs no work here
// because words are kept as bytes.
//
// This is what HF tokenizers' `Tokenizer::train` feeds its BpeTrainer: each text is normalized and
// pre-tokenized whole, and added tokens are not cut out first, so a special token written in the text
// counts as ordinary text (`<|im_end|>` as `<|`, `im`, `_end`, `|>`).

public struct WordCounts: Sendable {
    static let normalizer = Normalizer.nfc
    public let splitPattern: SplitPattern
    private let preTokenizer: PreTokenizer

    /// Each distinct word, in order of first appearance: the order is the trainer's word order, which
    /// keeps training deterministic.
    private(set) var words: [[UInt8]] = []
    private(set) var counts: [Int] = []
    private var indexOfWord: [ArraySlice<UInt8>: Int32] = [:]
    private var pieces: [Range<Int>] = []
    /// Bytes of text added, as given (before normalization).
    public private(set) var textBytes = 0
    public private(set) var totalWords = 0

    /// The pipeline splits with `splitPattern`, then applies ByteLevel without a regex of its own (GPT-2's
    /// own pipeline splits inside ByteLevel instead; its pattern in a Split step cuts the same pieces).
    public init(splitPattern: SplitPattern = .qwen2) {
        self.splitPattern = splitPattern
        preTokenizer = PreTokenizer(steps: [.split(splitPattern), .byteLevel(addPrefixSpace: false, useRegex: false)])
    }

    public var distinctWords: Int { words.count }

    /// Counts the words of one text. Cutting a document into several texts changes the counts (a
    /// `"\n\n"` cut in two is two `"\n"`) unless the cuts fall where the pre-tokenizer cuts anyway.
    public mutating func add(_ text: String) {
        textBytes += text.utf8.count
        var bytes = Array(Self.normalizer.apply(text).utf8)
        preTokenizer.split(&bytes, into: &pieces)
        totalWords += pieces.count
        for piece in pieces {
            if let index = indexOfWord[bytes[piece]] {
                counts[Int(index)] += 1
            } else {
                let word = Array(bytes[piece])
                indexOfWord[word[...]] = Int32(words.count)
                words.append(word)
                counts.append(1)
            }
        }
    }
}
