// Writes a Hugging Face checkpoint folder: config.json, model.safetensors (float32, the names of
// transformers' state dict; a tied model has no lm_head tensor, as save_pretrained writes it),
// generation_config.json and the tokenizer files of the model it came from, plus any files the
// trainer keeps beside them (optimiser state, metrics, plot).
//
// Atomic as a whole: everything is written into a sibling folder `<dir>.partial`, which then
// replaces `<dir>` by two renames (the old folder moves to `<dir>.previous` and is deleted after).
// A crash leaves either the old checkpoint or the new one complete; only between the two renames is
// `<dir>` briefly absent, and `<dir>.previous` then still holds the old one.

import Foundation
import JSON
import Model

public struct CheckpointWriter {
    /// The files copied from the source checkpoint when present.
    static let tokenizerFiles = [
        "tokenizer.json", "tokenizer_config.json", "chat_template.jinja", "special_tokens_map.json", "vocab.json",
        "merges.txt",
    ]

    /// config.json to write: the source checkpoint's, or one made from the ModelConfig.
    public var configObject: JSONObject
    /// generation_config.json to write.
    public var generationConfigObject: JSONObject
    /// Files copied into every checkpoint: name in the checkpoint → source path.
    public var copiedFiles: [String: String]

    /// Writes what `source` had (its config, generation config and tokenizer files).
    public init(copyingFrom source: String) throws(CheckpointError) {
        configObject = ConfigFile.asFloat32(try Self.readObject(FileSystem.join(source, "config.json")))
        let generationPath = FileSystem.join(source, "generation_config.json")
        generationConfigObject =
            FileSystem.exists(generationPath) ? try Self.readObject(generationPath) : [:]
        copiedFiles = [:]
        for name in Self.tokenizerFiles where FileSystem.exists(FileSystem.join(source, name)) {
            copiedFiles[name] = FileSystem.join(source, name)
        }
    }

    /// Writes a config made from `config` (or, given `configFile`, that file's own keys), and copies
    /// `copiedFiles`.
    public init(config: ModelConfig, configFile: String? = nil, copiedFiles: [String: String] = [:])
        throws(CheckpointError)
    {
        configObject =
            try configFile.map { path throws(CheckpointError) in
                ConfigFile.asFloat32(try Self.readObject(path))
            } ?? ConfigFile.object(config)
        var generation: JSONObject = [:]
        if let bos = config.bosTokenId { generation["bos_token_id"] = .int(Int(bos)) }
        if !config.eosTokenIds.isEmpty { generation["eos_token_id"] = .array(config.eosTokenIds.map { .int(Int($0)) }) }
        generationConfigObject = generation
        self.copiedFiles = copiedFiles
    }

    /// Writes the checkpoint of `parameters` at `directory`, with `extraFiles` (name → bytes) and
    /// `extraTensorFiles` (name → safetensors content) beside it.
    public func write(
        _ parameters: ModelParameters, to directory: String, extraFiles: [String: [UInt8]] = [:],
        extraTensorFiles: [String: [TensorRecord]] = [:]
    ) throws(CheckpointError) {
        let partial = directory + ".partial"
        let previous = directory + ".previous"
        let files = FileManager.default
        try? files.removeItem(atPath: partial)
        try FileSystem.createDirectory(partial)
        let tensors = parameters.all.map { tensor in
            TensorRecord(name: tensor.name, shape: tensor.shape, data: .float32(tensor.array))
        }
        try SafetensorsWriter.write(tensors, to: FileSystem.join(partial, "model.safetensors"))
        try Self.write(
            Array(JSONValue.object(configObject).serialized.utf8), to: FileSystem.join(partial, "config.json"))
        try Self.write(
            Array(JSONValue.object(generationConfigObject).serialized.utf8),
            to: FileSystem.join(partial, "generation_config.json"))
        for (name, source) in copiedFiles {
            try Self.write(try FileSystem.read(source), to: FileSystem.join(partial, name))
        }
        for (name, bytes) in extraFiles { try Self.write(bytes, to: FileSystem.join(partial, name)) }
        for (name, records) in extraTensorFiles {
            try SafetensorsWriter.write(records, to: FileSystem.join(partial, name))
        }

        try? files.removeItem(atPath: previous)
        do {
            if files.fileExists(atPath: directory) { try files.moveItem(atPath: directory, toPath: previous) }
            try files.moveItem(atPath: partial, toPath: directory)
        } catch {
            throw CheckpointError(file: directory, problem: "cannot move the new checkpoint into place: \(error)")
        }
        try? files.removeItem(atPath: previous)
    }

    static func write(_ bytes: [UInt8], to path: String) throws(CheckpointError) {
        let file = try AtomicFile(path: path)
        try file.write(bytes)
        try file.commit()
    }

    static func readObject(_ path: String) throws(CheckpointError) -> JSONObject {
        let bytes = try FileSystem.read(path)
        guard let value = try? JSONValue.parse(bytes), let object = value.objectValue else {
            throw CheckpointError(file: path, problem: "not a JSON object")
        }
        return object
    }
}
