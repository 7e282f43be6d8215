// `generation_config.json`: the token ids that end generation, and the sampling defaults the model's
// authors chose (servers such as vLLM apply them when a request leaves a parameter out).

import JSON

public struct GenerationConfig: Sendable, Equatable {
    public var eosTokenIds: [Int32]
    public var bosTokenId: Int32?
    public var padTokenId: Int32?
    public var temperature: Double?
    public var topP: Double?
    public var topK: Int?

    public init(eosTokenIds: [Int32] = [], bosTokenId: Int32? = nil, padTokenId: Int32? = nil) {
        self.eosTokenIds = eosTokenIds
        self.bosTokenId = bosTokenId
        self.padTokenId = padTokenId
    }

    public static func load(contentsOfFile path: String) throws(CheckpointError) -> GenerationConfig {
        let reader = try JSONReader(JSONDocument.load(path), file: path)
        var config = GenerationConfig(
            eosTokenIds: try reader.tokenIds("eos_token_id"),
            bosTokenId: try reader.optionalTokenId("bos_token_id"),
            padTokenId: try reader.optionalTokenId("pad_token_id"))
        config.temperature = reader.object["temperature"]?.doubleValue
        config.topP = reader.object["top_p"]?.doubleValue
        config.topK = reader.object["top_k"]?.intValue
        return config
    }
}
