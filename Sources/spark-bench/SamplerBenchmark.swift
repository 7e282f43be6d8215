// `spark-bench sampler`: microseconds the Sampler spends per row of logits, for the sampling settings
// requests use, at Qwen's vocabulary size. The engine thread samples every running sequence once per
// decode step, so at 64 sequences this cost is paid 64 times per iteration, beside the forward pass.
//
// Rows are Zipf-distributed (probability of the token of rank r ∝ r^-1.5, logits −1.5·ln r over a
// shuffled vocabulary): a plausible next-token distribution whose top-p 0.95 set holds a few hundred
// tokens. The benchmark cycles over `--rows` distinct rows, 39 MB at the defaults, so that each row
// comes from memory as it does after a batched forward pass rather than from the cache.

import CommandLineKit
import Engine

#if canImport(Glibc)
    import Glibc
#endif

let samplerCommand = Command(
    name: "spark-bench sampler",
    summary: "Microseconds per row of logits for greedy, temperature, top-p, top-k and top-logprobs sampling.",
    options: [
        .value("--vocab", "N", help: "vocabulary size (Qwen2.5: 151936)", default: "151936"),
        .value("--rows", "N", help: "distinct rows cycled through (one per running sequence)", default: "64"),
        .value("--repetitions", "N", help: "best of this many passes over the rows", default: "5"),
    ])

func runSamplerBenchmark(_ arguments: [String]) throws {
    let options = samplerCommand.parseOrExit(arguments)
    let vocabSize = try options.int("--vocab")!
    let rowCount = try options.int("--rows")!
    let repetitions = try options.int("--repetitions")!
    guard vocabSize > 0, rowCount > 0, repetitions > 0 else {
        samplerCommand.fail("--vocab, --rows and --repetitions must be positive")
    }
    let rows = zipfRows(count: rowCount, vocabSize: vocabSize)
    let settings: [(name: String, parameters: SamplingParameters)] = [
        ("greedy", SamplingParameters(temperature: 0)),
        ("greedy, top logprobs 20", SamplingParameters(temperature: 0, topLogprobs: 20)),
        ("greedy, top logprobs 1000", SamplingParameters(temperature: 0, topLogprobs: 1000)),
        ("temperature 1", SamplingParameters(temperature: 1)),
        ("temperature 0.7", SamplingParameters(temperature: 0.7)),
        ("temperature 1, top-p 0.95", SamplingParameters(temperature: 1, topP: 0.95)),
        ("temperature 1, top-k 50", SamplingParameters(temperature: 1, topK: 50)),
    ]
    print("spark-bench sampler: vocab \(vocabSize), \(rowCount) Zipf(1.5) rows, best of \(repetitions) passes")
    for setting in settings {
        var parameters = setting.parameters
        parameters.seed = 1
        var sampler = Sampler(parameters: parameters)
        var best = Double.infinity
        var checksum: Int32 = 0
        for _ in 0..<repetitions {
            let seconds = Stopwatch.time {
                for row in rows {
                    row.withUnsafeBufferPointer { checksum &+= sampler.sample($0).token }
                }
            }
            best = min(best, seconds / Double(rowCount))
        }
        // The checksum keeps the samples alive and shows that the settings choose differently.
        let name = setting.name + String(repeating: " ", count: max(0, 28 - setting.name.count))
        print("  \(name)\(format(best * 1e6, 1)) µs per row   (token checksum \(checksum))")
    }
}

/// `count` rows of Zipf(1.5) logits over independently shuffled vocabularies.
func zipfRows(count: Int, vocabSize: Int) -> [[Float]] {
    var random = SeededRandom(seed: 7)
    let byRank = (0..<vocabSize).map { -1.5 * Float(log(Double($0 + 1))) }
    return (0..<count).map { _ in byRank.shuffled(using: &random) }
}
