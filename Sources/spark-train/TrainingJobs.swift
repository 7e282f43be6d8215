// spark-train sft and spark-train pretrain: the command lines, and what they load before handing
// over to Training's TrainingRun (model, tokenizer, data, held-out split, resume).

import CommandLineKit
import Model
import Training

/// Options both jobs share, with their defaults.
func trainingOptions(learningRate: String, batchTokens: String) -> [Option] {
    [
        .value("--out", "DIR", help: "where the checkpoint, metrics.csv and loss.svg are written", required: true),
        .value("--steps", "N", help: "optimiser steps (default: as many as --epochs take)"),
        .value("--epochs", "E", help: "passes over the training data when --steps is not given", default: "1"),
        .value("--lr", "X", help: "peak learning rate", default: learningRate),
        .value("--warmup-steps", "N", help: "linear warm-up steps (default: 5 % of the steps)"),
        .value("--min-lr-fraction", "X", help: "the cosine decay ends at this fraction of --lr", default: "0.1"),
        .value("--weight-decay", "X", help: "AdamW weight decay on the matrices", default: "0.1"),
        .flag("--decay-embedding", help: "decay the token embedding too (never norms or biases)"),
        .value("--beta2", "X", help: "AdamW beta2", default: "0.95"),
        .value("--max-grad-norm", "X", help: "clip gradients to this global norm", default: "1.0"),
        .value("--batch-tokens", "N", help: "input tokens per micro-batch", default: batchTokens),
        .value("--accumulate", "K", help: "micro-batches per optimiser step", default: "1"),
        .value("--seed", "S", help: "seed of the initialisation, the shuffling and the split", default: "0"),
        .value("--eval-fraction", "F", help: "share of the data held out for eval loss", default: "0.05"),
        .value("--eval-every", "N", help: "steps between evaluations (default: a tenth of the steps)"),
        .value("--save-every", "N", help: "steps between checkpoints (default: only at the end)"),
        .flag("--resume", help: "continue the run saved in --out (same data and options)"),
        .value("--stop-after", "N", help: "stop (and save) after N steps of this session; --resume continues"),
        .flag("--quiet", help: "no progress line"),
    ]
}

let sftCommand = Command(
    name: "spark-train sft",
    summary:
        "Supervised fine-tuning on JSONL {prompt, completion} or {messages: [...]} lines, with the loss on the completion / assistant tokens only.",
    options: [
        .value("--model", "DIR", help: "checkpoint to fine-tune (its chat template renders the data)", required: true),
        .value("--data", "FILE", help: "JSONL training data", required: true),
        .value("--max-length", "N", help: "examples are cut to this many tokens", default: "2048"),
    ] + trainingOptions(learningRate: "2e-5", batchTokens: "4096"))

let pretrainCommand = Command(
    name: "spark-train pretrain",
    summary: "Next-token pretraining on plain text (documents separated by blank lines) or JSONL with a text field.",
    options: [
        .value("--model", "DIR", help: "checkpoint to continue from"),
        .value("--config", "FILE", help: "or a config.json for a new model (with --tokenizer)"),
        .value("--tokenizer", "FILE", help: "tokenizer.json of the new model"),
        .value("--data", "FILE", help: "training text (.txt) or JSONL (.jsonl, field 'text')", required: true),
        .value("--sequence-length", "N", help: "tokens per packed sequence", default: "256"),
    ] + trainingOptions(learningRate: "3e-4", batchTokens: "4096"))

/// The model a job starts from, and how its checkpoints are written.
struct StartingPoint {
    var parameters: ModelParameters
    var writer: CheckpointWriter
    var tokenizer: Tokenizer
    var tokenizerConfig: TokenizerConfig
    var chatTemplate: ChatTemplate
}

func runSFT(_ arguments: [String]) throws {
    let options = sftCommand.parseOrExit(arguments)
    let settings = try runSettings(options, command: sftCommand)
    let start = try startingPoint(modelDirectory: options.string("--model")!, options: options, settings: settings)
    let file = options.string("--data")!
    let text = String(decoding: try readData(file), as: UTF8.self)
    let endOfSequence = start.tokenizerConfig.eosToken.flatMap { start.tokenizer.id(of: $0) }
    let examples = try SFTExample.parse(
        text, file: file, template: start.chatTemplate, tokenizer: start.tokenizer, endOfSequence: endOfSequence)
    let maximumLength = try options.int("--max-length")!
    let sequences = examples.map { example in
        TrainingSequence(documents: [
            TrainingDocument(
                tokens: Array(example.tokens.prefix(maximumLength)),
                trainable: Array(example.trainable.prefix(maximumLength)))
        ])
    }
    let (training, evaluation) = HeldOutSplit.split(
        sequences, fraction: try options.double("--eval-fraction")!, seed: settings.seed)
    try train(training, evaluation, file: file, start: start, settings: settings, options: options)
}

func runPretrain(_ arguments: [String]) throws {
    let options = pretrainCommand.parseOrExit(arguments)
    let settings = try runSettings(options, command: pretrainCommand)
    let start: StartingPoint
    switch (options.string("--model"), options.string("--config"), options.string("--tokenizer")) {
    case (let directory?, nil, nil):
        start = try startingPoint(modelDirectory: directory, options: options, settings: settings)
    case (nil, let configFile?, let tokenizerFile?):
        let config = try ModelConfig.load(contentsOfFile: configFile)
        let tokenizer = try Tokenizer(contentsOfFile: tokenizerFile)
        try checkVocabulary(tokenizer, tokenizerFile, config)
        var copied = ["tokenizer.json": tokenizerFile]
        let folder = tokenizerFile.contains("/") ? String(tokenizerFile[..<tokenizerFile.lastIndex(of: "/")!]) : "."
        let tokenizerConfigFile = FileSystem.join(folder, "tokenizer_config.json")
        var tokenizerConfig = TokenizerConfig()
        if FileSystem.exists(tokenizerConfigFile) {
            copied["tokenizer_config.json"] = tokenizerConfigFile
            tokenizerConfig = try TokenizerConfig.load(contentsOfFile: tokenizerConfigFile, templateFile: nil)
        }
        let writer = try CheckpointWriter(config: config, configFile: configFile, copiedFiles: copied)
        start = StartingPoint(
            parameters: try resumedParameters(options) ?? .initialized(config: config, seed: settings.seed),
            writer: writer, tokenizer: tokenizer, tokenizerConfig: tokenizerConfig,
            chatTemplate: .raw)
    default:
        pretrainCommand.fail("give --model DIR, or --config FILE with --tokenizer FILE")
    }
    let file = options.string("--data")!
    let text = String(decoding: try readData(file), as: UTF8.self)
    let documents = try PretrainCorpus.documents(text, file: file)
    let endOfSequence =
        start.tokenizerConfig.eosToken.flatMap { start.tokenizer.id(of: $0) }
        ?? start.parameters.config.eosTokenIds.first ?? start.tokenizer.id(of: "<|endoftext|>")
    let (trainingDocuments, evaluationDocuments) = HeldOutSplit.split(
        documents, fraction: try options.double("--eval-fraction")!, seed: settings.seed)
    let sequenceLength = try options.int("--sequence-length")!
    func sequences(_ documents: [String]) -> [TrainingSequence] {
        PretrainCorpus.sequences(
            documents, tokenizer: start.tokenizer, endOfSequence: endOfSequence, sequenceLength: sequenceLength)
    }
    try train(
        sequences(trainingDocuments), sequences(evaluationDocuments), file: file, start: start, settings: settings,
        options: options)
}

func runSettings(_ options: ParsedArguments, command: Command) throws -> RunSettings {
    var settings = RunSettings()
    settings.steps = try options.int("--steps")
    settings.epochs = try options.int("--epochs")!
    settings.learningRate = try options.double("--lr")!
    settings.warmupSteps = try options.int("--warmup-steps")
    settings.floorFraction = try options.double("--min-lr-fraction")!
    settings.optimizer = AdamWSettings(
        beta2: try options.double("--beta2")!, weightDecay: try options.double("--weight-decay")!)
    settings.optimizer.decayEmbedding = options.flag("--decay-embedding")
    settings.maximumGradientNorm = try options.double("--max-grad-norm")!
    settings.batchTokens = try options.int("--batch-tokens")!
    settings.accumulation = try options.int("--accumulate")!
    guard let seed = UInt64(options.string("--seed")!) else { command.fail("--seed must be a non-negative integer") }
    settings.seed = seed
    settings.evalEvery = try options.int("--eval-every")
    settings.saveEvery = try options.int("--save-every")
    if let steps = settings.steps, steps < 1 { command.fail("--steps must be at least 1") }
    if settings.epochs < 1 { command.fail("--epochs must be at least 1") }
    if settings.batchTokens < 1 || settings.accumulation < 1 {
        command.fail("--batch-tokens and --accumulate must be positive")
    }
    return settings
}

/// The checkpoint's weights (or, resuming, those saved in --out), tokenizer and chat template.
func startingPoint(modelDirectory: String, options: ParsedArguments, settings: RunSettings) throws -> StartingPoint {
    let checkpoint = try Checkpoint(directory: modelDirectory)
    guard let tokenizerPath = checkpoint.tokenizerPath else {
        throw CheckpointError(
            file: modelDirectory, problem: "no tokenizer.json: training needs the checkpoint's tokenizer")
    }
    let tokenizer = try Tokenizer(contentsOfFile: tokenizerPath)
    try checkVocabulary(tokenizer, tokenizerPath, checkpoint.config)
    let parameters =
        try resumedParameters(options)
        ?? ModelParameters(checkpoint: checkpoint)
    return StartingPoint(
        parameters: parameters, writer: try CheckpointWriter(copyingFrom: modelDirectory), tokenizer: tokenizer,
        tokenizerConfig: checkpoint.tokenizerConfig,
        chatTemplate: try ChatTemplate.recognise(checkpoint.tokenizerConfig.chatTemplate))
}

/// With --resume, the weights saved in --out.
func resumedParameters(_ options: ParsedArguments) throws -> ModelParameters? {
    guard options.flag("--resume") else { return nil }
    let directory = options.string("--out")!
    let checkpoint = try Checkpoint(directory: directory)
    return try ModelParameters(checkpoint: checkpoint)
}

func checkVocabulary(_ tokenizer: Tokenizer, _ path: String, _ config: ModelConfig) throws {
    guard tokenizer.vocabularySize <= config.vocabSize else {
        throw TrainingDataError.tokenizerMismatch(
            tokenizer: path, tokenizerVocabulary: tokenizer.vocabularySize, modelVocabulary: config.vocabSize)
    }
}

func readData(_ file: String) throws -> [UInt8] {
    do {
        return try FileSystem.read(file)
    } catch {
        throw TrainingDataError.unreadable(file: file, problem: error.problem)
    }
}

/// Runs (or resumes) the training and reports on standard error.
func train(
    _ sequences: [TrainingSequence], _ evaluation: [TrainingSequence], file: String, start: StartingPoint,
    settings: RunSettings, options: ParsedArguments
) throws {
    let training = sequences.filter { $0.trainableCount > 0 }
    guard !training.isEmpty else {
        throw TrainingDataError.noTrainableTokens(
            file: file,
            reason:
                "\(sequences.count) training sequences, none with a token to predict that the loss counts (\(evaluation.count) held out)"
        )
    }
    let run = TrainingRun(
        parameters: start.parameters, training: training, evaluation: evaluation, settings: settings,
        writer: start.writer, outputDirectory: options.string("--out")!)
    if options.flag("--resume") {
        let state = try run.resume()
        printToStandardError("resuming at step \(state.step) of \(state.totalSteps)")
    }
    let config = start.parameters.config
    printToStandardError(
        "model: \(config.layerCount) layers, hidden \(config.hiddenSize), \(start.parameters.parameterCount) parameters; data: \(training.count) training and \(evaluation.count) held-out sequences from \(file); \(run.totalSteps) steps"
    )
    var lines = ProgressLines(quiet: options.flag("--quiet"))
    try run.run(stepLimit: try options.int("--stop-after")) { event in
        switch event {
        case .progress(let line): lines.progress(line)
        case .note(let line): lines.note(line)
        }
    }
}
