// A Hugging Face checkpoint folder: config.json, the safetensors weights (one file, or shards listed
// in model.safetensors.index.json), generation_config.json, tokenizer files. Opening it maps the
// weight files and checks every header; tensors are looked up by name afterwards.

import JSON

public final class Checkpoint: Sendable {
    public let directory: String
    public let config: ModelConfig
    public let generationConfig: GenerationConfig
    public let tokenizerConfig: TokenizerConfig
    /// Path of tokenizer.json, if the folder has one.
    public let tokenizerPath: String?
    public let files: [SafetensorsFile]
    private let tensors: [String: TensorView]

    public init(directory: String) throws(CheckpointError) {
        self.directory = directory
        guard FileSystem.isDirectory(directory) else {
            throw CheckpointError(
                file: directory, problem: "not a directory (expected a Hugging Face checkpoint folder)")
        }
        config = try ModelConfig.load(contentsOfFile: FileSystem.join(directory, "config.json"))
        let generationPath = FileSystem.join(directory, "generation_config.json")
        generationConfig =
            FileSystem.exists(generationPath)
            ? try GenerationConfig.load(contentsOfFile: generationPath) : GenerationConfig()
        let tokenizerConfigPath = FileSystem.join(directory, "tokenizer_config.json")
        let templatePath = FileSystem.join(directory, "chat_template.jinja")
        tokenizerConfig =
            FileSystem.exists(tokenizerConfigPath)
            ? try TokenizerConfig.load(
                contentsOfFile: tokenizerConfigPath, templateFile: FileSystem.exists(templatePath) ? templatePath : nil)
            : TokenizerConfig()
        let tokenizerPath = FileSystem.join(directory, "tokenizer.json")
        self.tokenizerPath = FileSystem.exists(tokenizerPath) ? tokenizerPath : nil
        (files, tensors) = try Self.openWeights(in: directory)
    }

    /// The tensor called `name`; absent tensors are an error that names the tensor and the folder.
    public func tensor(_ name: String) throws(CheckpointError) -> TensorView {
        guard let tensor = tensors[name] else {
            throw CheckpointError(file: directory, problem: "the weights have no tensor '\(name)'")
        }
        return tensor
    }

    public var tensorNames: [String] { tensors.keys.sorted() }

    /// SHA-256 of config.json followed by the weight files in name order: what
    /// `cat config.json model*.safetensors | sha256sum` prints in the folder.
    public func contentDigest() throws(CheckpointError) -> String {
        var hash = SHA256()
        let configPath = FileSystem.join(directory, "config.json")
        let config = try MappedFile(path: configPath)
        hash.update(UnsafeRawBufferPointer(start: config.base, count: config.byteCount))
        for file in files {
            hash.update(UnsafeRawBufferPointer(start: file.mapping.base, count: file.mapping.byteCount))
        }
        return hash.finalize()
    }

    /// EOS ids from generation_config.json, else config.json, plus the tokenizer's EOS token.
    public func endOfSequenceIds(eosTokenId: Int32?) -> Set<Int32> {
        var ids = Set(generationConfig.eosTokenIds.isEmpty ? config.eosTokenIds : generationConfig.eosTokenIds)
        if let eosTokenId { ids.insert(eosTokenId) }
        return ids
    }

    private static func openWeights(in directory: String) throws(CheckpointError) -> (
        [SafetensorsFile], [String: TensorView]
    ) {
        let single = FileSystem.join(directory, "model.safetensors")
        let indexPath = FileSystem.join(directory, "model.safetensors.index.json")
        if FileSystem.exists(indexPath) {
            let reader = try JSONReader(JSONDocument.load(indexPath), file: indexPath)
            guard let weightMap = reader.object["weight_map"]?.objectValue else {
                throw reader.error("missing 'weight_map' object")
            }
            var files: [String: SafetensorsFile] = [:]
            var tensors: [String: TensorView] = [:]
            for (name, fileValue) in weightMap.pairs {
                guard let fileName = fileValue.stringValue, !fileName.contains("/"), !fileName.isEmpty else {
                    throw reader.error(
                        "weight_map entry '\(name)' must be a file name in the folder, found \(fileValue.serialized)")
                }
                if files[fileName] == nil {
                    files[fileName] = try SafetensorsFile(path: FileSystem.join(directory, fileName))
                }
                guard let tensor = files[fileName]!.tensors[name] else {
                    throw reader.error("weight_map puts '\(name)' in \(fileName), which has no such tensor")
                }
                tensors[name] = tensor
            }
            return (files.keys.sorted().map { files[$0]! }, tensors)
        }
        if FileSystem.exists(single) {
            let file = try SafetensorsFile(path: single)
            return ([file], file.tensors)
        }
        let hint =
            FileSystem.exists(FileSystem.join(directory, "pytorch_model.bin"))
            ? " (.bin checkpoints are not supported: save with safe_serialization=True)" : ""
        throw CheckpointError(
            file: directory, problem: "no model.safetensors or model.safetensors.index.json\(hint)")
    }
}
