// spark-train tokenizer: trains a byte-level BPE tokenizer (Qwen2's pipeline, HF BpeTrainer's algorithm)
// on a text file and writes tokenizer.json and tokenizer_config.json. Progress goes to standard error; the
// summary, with the throughput, to standard output.

import CommandLineKit
import Model

#if canImport(Glibc)
    import Glibc
#endif

let tokenizerCommand = Command(
    name: "spark-train tokenizer",
    summary:
        "Train a byte-level BPE tokenizer (Qwen2's pipeline) and write tokenizer.json and tokenizer_config.json.",
    options: [
        .value(
            "--data", "FILE", help: "training text: plain UTF-8, or JSONL with a string field \"text\" per line",
            required: true),
        .value(
            "--vocab-size", "N", help: "tokens in all: the special tokens, the 256 byte symbols and the merges",
            required: true),
        .value("--out", "DIR", help: "folder for tokenizer.json and tokenizer_config.json", required: true),
        .value(
            "--special-tokens", "LIST", help: "comma-separated, ids 0, 1, ... in this order (\"\" for none)",
            default: "<|endoftext|>,<|im_start|>,<|im_end|>"),
        .value(
            "--split-pattern", "qwen2|llama3|gpt2",
            help:
                "the pre-tokenizer's split: qwen2 cuts numbers into digits, llama3 keeps up to three digits whole, gpt2 "
                + "keeps a number whole with its leading space",
            default: "qwen2"),
        .flag("--digits-apart", help: "never merge two digits into one token (with gpt2: ` 63` is ` 6`, `3`)"),
        .value("--min-frequency", "F", help: "the fewest occurrences a pair needs to be merged", default: "2"),
        .value(
            "--format", "auto|text|jsonl", help: "auto: jsonl for files named *.jsonl or *.ndjson, else text",
            default: "auto"),
    ])

func runTokenizerTraining(_ arguments: [String]) throws {
    let options = tokenizerCommand.parseOrExit(arguments)
    let path = options.string("--data")!
    let directory = options.string("--out")!
    let specialTokens = options.string("--special-tokens")!.split(separator: ",").map(String.init)
    if Set(specialTokens).count != specialTokens.count {
        tokenizerCommand.fail("--special-tokens lists a token twice: \(specialTokens)")
    }
    let vocabularySize = try options.int("--vocab-size")!
    let initialCount = BPETrainer.initialTokens(specialTokens: specialTokens).count
    if vocabularySize < initialCount {
        tokenizerCommand.fail(
            "--vocab-size must be at least \(initialCount) (\(specialTokens.count) special tokens and 256 byte symbols), "
                + "found \(vocabularySize)")
    }
    let minimumFrequency = try options.int("--min-frequency")!
    if minimumFrequency < 0 { tokenizerCommand.fail("--min-frequency must be 0 or more, found \(minimumFrequency)") }
    let splitName = options.string("--split-pattern")!
    guard let splitPattern = SplitPattern(rawValue: splitName) else {
        tokenizerCommand.fail("--split-pattern must be qwen2, llama3 or gpt2, found \(splitName)")
    }
    let format: TrainingText.Format
    switch options.string("--format")! {
    case "auto": format = TrainingText.Format(guessingFrom: path)
    case let name:
        guard let named = TrainingText.Format(rawValue: name) else {
            tokenizerCommand.fail("--format must be auto, text or jsonl, found \(name)")
        }
        format = named
    }

    let clock = ContinuousClock()
    let start = clock.now
    let fileBytes = fileSize(path)
    var corpus = WordCounts(splitPattern: splitPattern)
    var reportedMegabytes = -1
    try TrainingText.forEachText(inFile: path, format: format) { text, bytesRead in
        corpus.add(text)
        // JSONL hands over one record at a time: one progress line per megabyte is enough.
        if bytesRead / 1_000_000 != reportedMegabytes || bytesRead == fileBytes {
            reportedMegabytes = bytesRead / 1_000_000
            writeToStandardError("\rcounting words: \(megabytes(bytesRead)) of \(megabytes(fileBytes)) MB")
        }
    }
    let counted = clock.now
    printToStandardError("")
    printToStandardError(
        "counted \(corpus.totalWords) words, \(corpus.distinctWords) distinct, in \(seconds(counted - start)) s")
    if corpus.textBytes == 0 { throw TrainError("\(path): no text to train on") }

    let trainer = BPETrainer(
        vocabularySize: vocabularySize, specialTokens: specialTokens, minimumFrequency: minimumFrequency,
        digitsApart: options.flag("--digits-apart"))
    let mergesWanted = vocabularySize - initialCount
    let tokenizer = trainer.train(corpus) { merges in
        if merges % 100 == 0 || merges == mergesWanted {
            writeToStandardError("\rmerges: \(merges) of \(mergesWanted)")
        }
    }
    let trained = clock.now
    printToStandardError("")
    if tokenizer.tokens.count < vocabularySize {
        printToStandardError(
            "stopped at \(tokenizer.tokens.count) tokens: no pair left that occurs at least \(max(minimumFrequency, 1)) "
                + "times")
    }
    try tokenizer.write(to: directory)
    let total = clock.now - start
    print(
        "wrote \(FileSystem.join(directory, "tokenizer.json")) (\(tokenizer.tokens.count) tokens: "
            + "\(tokenizer.specialTokens.count) special, 256 bytes, \(tokenizer.merges.count) merges) and "
            + "tokenizer_config.json (eos \(tokenizer.eosToken ?? "none"), "
            + "chat template \(tokenizer.hasChatTemplate ? "ChatML" : "none"))")
    let rate = Double(corpus.textBytes) / 1e6 / total.secondsValue
    print(
        "\(megabytes(corpus.textBytes)) MB in \(seconds(total)) s (counting \(seconds(counted - start)) s, "
            + "merges \(seconds(trained - counted)) s, writing \(seconds(total - (trained - start))) s): "
            + "\(twoDecimals(rate)) MB/s")
}

private func fileSize(_ path: String) -> Int {
    var status = stat()
    return stat(path, &status) == 0 ? Int(status.st_size) : 0
}

private func megabytes(_ bytes: Int) -> String { twoDecimals(Double(bytes) / 1e6) }

private func seconds(_ duration: Duration) -> String { twoDecimals(duration.secondsValue) }

extension Duration {
    fileprivate var secondsValue: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

private func twoDecimals(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}
