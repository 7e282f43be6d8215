// `spark-train recipe`: SPARK's whole recipe on the built-in math world, from nothing, by this
// project's own jobs run in process (tokenizer, pretrain, sft, synth, eval processbench). The data it
// makes and the report it writes come from the Recipe library; this file runs the phases in order. The
// base is pretrained from random weights on the world's text; the generator starts from it, the
// verifier from the reader: the base practised on copying ledgers, then on checking drills, then
// pretrained further on verifications (WorldCorpus says why the generator must not read those).
//
// Each phase writes into `<name>.partial` and renames it to `<name>` when it is done, so a phase whose
// output exists is complete and is skipped when the recipe is run again; a stopped Stage I continues
// from its journal, a stopped training phase starts again. Every phase's wall time is appended to
// `phase-times.tsv`.

import CommandLineKit
import Domain
import JSON
import Model
import Recipe
import Synthesis

#if canImport(Glibc)
    import Glibc
#endif

let recipeCommand = Command(
    name: "spark-train recipe",
    summary:
        "SPARK's recipe on the math world: tokenizer, base model, generator, verifier, Stage I data by every method, ORM/PRM/PRM-CoT per method, their evaluation on a held-out benchmark.",
    options: [
        .value("--out", "DIR", help: "run folder; a run started again skips the phases already done", required: true),
        .flag("--quick", help: "tiny models and data: checks the plumbing in a few minutes, not the quality"),
        .value("--seed", "S", help: "seeds the worlds' problems, the initialisations and the sampling", default: "0"),
    ])

let recipeVariants = ["orm", "prm", "prm_cot"]

func runRecipe(_ arguments: [String]) throws {
    let options = recipeCommand.parseOrExit(arguments)
    guard let seed = UInt64(options.string("--seed")!) else {
        recipeCommand.fail("--seed must be a non-negative integer")
    }
    let scale = options.flag("--quick") ? RecipeScale.quick : RecipeScale.full
    let recipe = Recipe(directory: options.string("--out")!, scale: scale, seed: seed)
    try FileSystem.createDirectory(recipe.directory)
    try recipe.run()
}

struct Recipe {
    let directory: String
    let scale: RecipeScale
    let seed: UInt64

    func path(_ name: String) -> String { FileSystem.join(directory, name) }

    /// Distinct seeds for the recipe's separate draws, so no two phases share problems.
    func seed(_ phase: UInt64) -> UInt64 { seed &* 100 &+ phase }

    func run() throws {
        try phase("corpus") { out in
            let pretraining = try WorldCorpus.pretrainingLines(
                problemCount: scale.pretrainProblems, factCount: scale.pretrainFacts,
                ledgerCount: scale.pretrainLedgers, seed: seed(1))
            let reading = try WorldCorpus.readingLines(
                verificationCount: scale.readerVerifications, drillCount: scale.readerDrills,
                factCount: scale.readerFacts, seed: seed(10))
            let generatorRows = try WorldCorpus.generatorRows(problemCount: scale.generatorProblems, seed: seed(2))
            let verifierRows = try WorldCorpus.verifierRows(problemCount: scale.verifierProblems, seed: seed(3))
            try writeLines(FileSystem.join(out, "pretrain.jsonl"), pretraining)
            try writeLines(FileSystem.join(out, "reader.jsonl"), reading)
            try writeLines(
                FileSystem.join(out, "ledgers.jsonl"),
                WorldCorpus.ledgerLines(ledgerCount: scale.pretrainLedgers, seed: seed(1)))
            try writeLines(
                FileSystem.join(out, "drills.jsonl"),
                WorldCorpus.drillLines(drillCount: scale.readerDrills, seed: seed(10)))
            try writeLines(FileSystem.join(out, "generator.jsonl"), generatorRows.map(\.jsonLine))
            try writeLines(FileSystem.join(out, "verifier.jsonl"), verifierRows.map(\.jsonLine))
            try writeLines(
                FileSystem.join(out, "tokenizer.jsonl"),
                pretraining + reading + (generatorRows + verifierRows).map(\.textLine))
        }
        // Digit tokens, each number's leading space joined to its first digit (` 63` is ` 6`, `3`): with
        // whole-number tokens a sum is a table to memorise (the base added 28 of 49 fresh sums right), and
        // with Qwen2's split a bare space token stands before every number, so a model copying `with 8`
        // from a problem has to look two tokens back. docs/recipe-notebook.md has the figures.
        try phase("tokenizer") { out in
            try runTokenizerTraining([
                "--data", path("corpus/tokenizer.jsonl"), "--vocab-size", String(scale.vocabularySize), "--out", out,
                "--split-pattern", "gpt2", "--digits-apart",
            ])
        }
        try phase("base") { out in
            let config = FileSystem.join(out, "recipe-config.json")
            try writeText(config, scale.configJSON)
            try runPretrain(
                [
                    "--config", config, "--tokenizer", path("tokenizer/tokenizer.json"), "--data",
                    path("corpus/pretrain.jsonl"), "--steps", String(scale.pretrainSteps),
                ] + pretrainFlags(out, seed: seed(9)))
        }
        // The verifier's lineage before the generator: whether the reader learns to copy is the recipe's
        // least certain step (docs/recipe-notebook.md), and its loss and copy_probe.py tell early whether
        // a run is worth going on.
        try phase("copying-base") { out in
            try pretrainFurther(from: "base", on: "corpus/ledgers.jsonl", steps: scale.copyingSteps, out: out)
        }
        try phase("drilled-base") { out in
            try pretrainFurther(
                from: "copying-base", on: "corpus/drills.jsonl", steps: scale.readerDrillSteps, out: out)
        }
        try phase("reader") { out in
            try pretrainFurther(from: "drilled-base", on: "corpus/reader.jsonl", steps: scale.readerSteps, out: out)
        }
        try phase("generator") { out in
            try runSFT(
                sft(
                    from: "base", data: path("corpus/generator.jsonl"), steps: scale.generatorSteps,
                    learningRate: scale.fineTuneLearningRate, out: out))
        }
        try phase("verifier") { out in
            try runSFT(
                sft(
                    from: "reader", data: path("corpus/verifier.jsonl"), steps: scale.verifierSteps,
                    learningRate: scale.fineTuneLearningRate, out: out))
        }
        // The reward models are judged through `/v1/verify`, which lays a record's steps out as a list;
        // trained on the policy's layout alone, the single PRM-CoT scored F1 70.6 there, on both 75.9.
        try phase("stage1") { out in
            try runSynth(
                synth(problems: scale.stageOneProblems, seed: seed(5), out: out)
                    + ["--verifications", String(scale.verificationsPerSolution), "--step-list-rows"])
        }
        try phase("benchmark") { out in try buildBenchmark(out) }
        try phase("eval/verifier") { out in
            let check = try VerifierCheck.run(
                verifier: path("verifier"), benchmark: path("benchmark/benchmark.jsonl"),
                maxTokens: scale.verifierMaxTokens)
            try writeText(FileSystem.join(out, "report.json"), check.json.serialized + "\n")
            try writeText(FileSystem.join(out, "summary.md"), check.summary + "\n")
            printToStandardError("recipe: " + check.summary)
        }
        for method in SynthesisMethod.allCases.map(\.rawValue) {
            for variant in recipeVariants {
                let data = path("stage1/\(method)/\(variant).jsonl")
                guard try lineCount(data) > 0 else { continue }
                try phase("reward-models/\(method)/\(variant)") { out in
                    try runSFT(
                        sft(
                            from: "verifier", data: data,
                            steps: variant == "prm_cot" ? scale.rewardModelSteps : scale.verdictOnlyRewardModelSteps,
                            learningRate: scale.rewardModelLearningRate, out: out))
                }
                try phase("eval/\(method)-\(variant)") { out in
                    try runProcessBench([
                        "--data", path("benchmark/benchmark.jsonl"), "--model",
                        path("reward-models/\(method)/\(variant)"),
                        "--variant", variant, "--max-tokens", String(scale.verifierMaxTokens), "--report",
                        FileSystem.join(out, "report.json"),
                    ])
                }
            }
        }
        try writeReport()
    }

    /// Runs `body` into `<name>.partial` unless `<name>` exists, then renames it into place.
    func phase(_ name: String, _ body: (String) throws -> Void) throws {
        let finished = path(name)
        if FileSystem.exists(finished) {
            printToStandardError("recipe: \(name) is done, skipped")
            return
        }
        let partial = finished + ".partial"
        try FileSystem.createDirectory(partial)
        printToStandardError("recipe: \(name)")
        let clock = ContinuousClock()
        let start = clock.now
        try body(partial)
        guard rename(partial, finished) == 0 else {
            throw TrainError("cannot rename \(partial) to \(finished): \(String(cString: strerror(errno)))")
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let line = "\(name)\t\(Int(seconds.rounded()))\n"
        printToStandardError("recipe: \(name) took \(Int(seconds.rounded())) s")
        let log = fopen(path("phase-times.tsv"), "a")
        if let log {
            fputs(line, log)
            fclose(log)
        }
    }

    /// Pretrains the checkpoint of phase `start` further on the run's `data`.
    func pretrainFurther(from start: String, on data: String, steps: Int, out: String) throws {
        try runPretrain(
            ["--model", path(start), "--data", path(data), "--steps", String(steps)]
                + pretrainFlags(out, seed: seed(11)))
    }

    func pretrainFlags(_ out: String, seed: UInt64) -> [String] {
        [
            "--lr", String(scale.pretrainLearningRate), "--sequence-length", "2048", "--batch-tokens", "4096",
            "--seed", String(seed),
        ] + trainingFlags(out)
    }

    func trainingFlags(_ out: String) -> [String] { ["--out", out, "--quiet", "--eval-fraction", "0.05"] }

    /// Fine-tunes the checkpoint of phase `start`. The reward models start from the verifier: SPARK's
    /// start from an instruct model that already follows a verification prompt, and the verifier is this
    /// recipe's only model that does.
    func sft(from start: String, data: String, steps: Int, learningRate: Double, out: String) -> [String] {
        [
            "--model", path(start), "--data", data, "--lr", String(learningRate),
            "--batch-tokens",
            "4096", "--max-length",
            String(scale.maxPositions), "--seed", String(seed(6)), "--steps", String(steps),
        ] + trainingFlags(out)
    }

    func synth(problems: Int, seed: UInt64, out: String) -> [String] {
        [
            "--world-problems", String(problems), "--seed", String(seed), "--generator", path("generator"),
            "--verifier", path("verifier"), "--solutions", String(scale.solutionsPerProblem), "--out", out,
            "--generator-temperature", String(scale.generatorTemperature), "--max-tokens",
            String(max(scale.generatorMaxTokens, scale.verifierMaxTokens)),
        ] + RecipeWorlds.policySynthArguments
    }

    /// The generator's solutions to fresh problems (verified once, which the benchmark does not use),
    /// topped up by the world's writer and labelled by the checker.
    func buildBenchmark(_ out: String) throws {
        let solutionsRun = FileSystem.join(out, "solutions")
        let benchmarkSeed = seed(7)
        try runSynth(
            synth(problems: scale.benchmarkProblems, seed: benchmarkSeed, out: solutionsRun)
                + ["--verifications", "1", "--methods", "single"])
        let problems = try ProblemGenerator(settings: RecipeWorlds.policy).problems(
            count: scale.benchmarkProblems, seed: benchmarkSeed)
        let indexByID = Dictionary(uniqueKeysWithValues: problems.enumerated().map { ($1.id, $0) })
        var generated: [(problemIndex: Int, text: String)] = []
        for line in try readLines(FileSystem.join(solutionsRun, "solutions.jsonl")) {
            let object = try JSONValue.parse(Array(line.utf8)).objectValue
            guard let id = object?["problem_id"]?.stringValue, let index = indexByID[id],
                let text = object?["solution"]?.stringValue
            else { throw TrainError("\(solutionsRun)/solutions.jsonl: a line without a known problem_id and solution") }
            generated.append((index, text))
        }
        let benchmark = RecipeBenchmark.build(
            problems: problems, generated: generated, generatorName: "recipe-generator", seed: benchmarkSeed)
        guard !benchmark.records.isEmpty else {
            throw TrainError("the benchmark has no record: neither the generator nor the writer gave usable solutions")
        }
        try writeText(FileSystem.join(out, "benchmark.jsonl"), benchmark.jsonLines)
        let outcomes = RecipeBenchmark.generatorOutcomes(problems: problems, generated: generated)
        var outcomesObject = JSONObject()
        for key in outcomes.keys.sorted() { outcomesObject[key] = .int(outcomes[key]!) }
        try writeText(
            FileSystem.join(out, "generator-outcomes.json"), JSONValue.object(outcomesObject).serialized + "\n")
        let fromGenerator = benchmark.records.filter { $0.generator != RecipeBenchmark.writerName }.count
        printToStandardError(
            "benchmark: \(benchmark.records.count) records, \(fromGenerator) written by the generator")
    }

    func writeReport() throws {
        var scores: [RecipeScore] = []
        for method in SynthesisMethod.allCases.map(\.rawValue) {
            for variant in recipeVariants {
                let rows = try lineCount(path("stage1/\(method)/\(variant).jsonl"))
                let reportFile = path("eval/\(method)-\(variant)/report.json")
                guard rows > 0, FileSystem.exists(reportFile) else {
                    scores.append(
                        RecipeScore(
                            method: method, variant: variant, erroneousAccuracy: nil, correctAccuracy: nil, f1: nil,
                            trainingRows: rows))
                    continue
                }
                let split = try JSONValue.parse(FileSystem.read(reportFile)).objectValue?["splits"]?.arrayValue?.first?
                    .objectValue
                scores.append(
                    RecipeScore(
                        method: method, variant: variant, erroneousAccuracy: split?["erroneous_accuracy"]?.doubleValue,
                        correctAccuracy: split?["correct_accuracy"]?.doubleValue, f1: split?["f1"]?.doubleValue,
                        trainingRows: rows))
            }
        }
        let records = try lineCount(path("benchmark/benchmark.jsonl"))
        let note =
            scale.vocabularySize == RecipeScale.quick.vocabularySize
            ? "Quick mode: tiny models, the figures say nothing about the method."
            : "Full recipe (`spark-train recipe --out DIR`), seed \(seed)."
        let outcomes =
            try JSONValue.parse(FileSystem.read(path("benchmark/generator-outcomes.json"))).objectValue ?? [:]
        let generatorLine =
            "The generator's solutions to the benchmark's problems, by the checker: "
            + outcomes.keys.map { "\($0) \(outcomes[$0]?.intValue ?? 0)" }.joined(separator: ", ") + "."
        let verifierLine = try readLines(path("eval/verifier/summary.md")).joined(separator: "\n")
        let markdown = RecipeReport.markdown(
            scores, benchmarkRecords: records, note: note + "\n\n" + generatorLine + "\n\n" + verifierLine)
        try writeText(path("report.md"), markdown)
        try writeText(path("report.svg"), RecipeReport.svg(scores))
        printToStandardError("recipe: wrote \(path("report.md")) and \(path("report.svg"))")
        try ship(scores, report: markdown)
    }

    /// Copies the PRM-CoT with the best F1 (the first of equals, in method order) to `spark-prm-cot`,
    /// the folder spark-server serves by default once it is copied to the package's `models/`, with a
    /// model card; its config declares `RecipeScale.servedPositions`, so SPARK's client is served.
    func ship(_ scores: [RecipeScore], report: String) throws {
        let candidates = scores.filter { $0.variant == "prm_cot" && $0.f1 != nil }
        guard
            let best = candidates.reduce(
                nil,
                { (best: RecipeScore?, score) in
                    best.map { $0.f1! >= score.f1! ? $0 : score } ?? score
                })
        else {
            printToStandardError("recipe: no PRM-CoT was trained, none to ship")
            return
        }
        let source = path("reward-models/\(best.method)/prm_cot")
        let shipped = path("spark-prm-cot")
        try FileSystem.createDirectory(shipped)
        for file in ["model.safetensors", "tokenizer.json", "tokenizer_config.json"] {
            try writeBytes(FileSystem.join(shipped, file), FileSystem.read(FileSystem.join(source, file)))
        }
        guard var config = try JSONValue.parse(FileSystem.read(FileSystem.join(source, "config.json"))).objectValue
        else { throw TrainError("\(source)/config.json is not a JSON object") }
        config["max_position_embeddings"] = .int(RecipeScale.servedPositions)
        try writeText(FileSystem.join(shipped, "config.json"), JSONValue.object(config).serialized + "\n")
        try writeText(FileSystem.join(shipped, "README.md"), RecipeReport.modelCard(best: best, report: report))
        printToStandardError("recipe: the best PRM-CoT (\(best.method)) is in \(shipped)")
    }
}

func writeLines(_ path: String, _ lines: [String]) throws {
    try writeText(path, lines.map { $0 + "\n" }.joined())
}

func writeText(_ path: String, _ text: String) throws {
    let file = try AtomicFile(path: path)
    try file.write(text)
    try file.commit()
}

func writeBytes(_ path: String, _ bytes: [UInt8]) throws {
    let file = try AtomicFile(path: path)
    try file.write(bytes)
    try file.commit()
}

func readLines(_ path: String) throws -> [String] {
    String(decoding: try FileSystem.read(path), as: UTF8.self).split(separator: "\n").map(String.init)
}

/// Non-empty lines of `path`; 0 when it does not exist.
func lineCount(_ path: String) throws -> Int {
    FileSystem.exists(path) ? try readLines(path).filter { !$0.allSatisfy(\.isWhitespace) }.count : 0
}
