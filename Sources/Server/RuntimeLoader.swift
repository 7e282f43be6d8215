// Loads a checkpoint into what serves it: weights, tokenizer, the transformer behind its scheduler,
// and the model description the routes use. Shared by spark-server and the tools that serve a model
// in process (spark-train eval).

import Engine
import Model
import Scheduler

public struct SchedulingOptions: Sendable {
    public var maxBatchTokens = 512
    public var maxRunning = 64
    public var kvCacheMegabytes = 2048
    public var blockSize = 16
    public var prefixCaching = true

    public init() {}
}

public enum RuntimeLoader {
    public static func load(
        directory: String, precision: WeightPrecision, scheduling: SchedulingOptions, alias: String?, created: Int
    ) throws(CheckpointError) -> (
        runtime: ServingRuntime, checkpoint: Checkpoint, configuration: SchedulerConfiguration
    ) {
        let checkpoint = try Checkpoint(directory: directory)
        guard let tokenizerPath = checkpoint.tokenizerPath else {
            throw CheckpointError(file: directory, problem: "no tokenizer.json: serving needs the tokenizer")
        }
        let tokenizer = try Tokenizer(contentsOfFile: tokenizerPath)
        let transformer = Transformer(weights: try ModelWeights(checkpoint: checkpoint, precision: precision))
        let configuration = SchedulerConfiguration(
            kvCacheBlocks: KVCache.blockCount(
                config: checkpoint.config, blockSize: scheduling.blockSize, megabytes: scheduling.kvCacheMegabytes),
            maxBatchTokens: scheduling.maxBatchTokens, maxRunning: scheduling.maxRunning,
            blockSize: scheduling.blockSize,
            prefixCaching: scheduling.prefixCaching)
        let scheduler = Scheduler(model: transformer, tokenizer: tokenizer, configuration: configuration)
        let model = ServedModel(
            checkpoint: checkpoint, tokenizer: tokenizer, alias: alias, created: created,
            checkpointDigest: try checkpoint.contentDigest())
        return (ServingRuntime(model: model, scheduler: scheduler), checkpoint, configuration)
    }
}
