// What a run needs to resume exactly where it stopped, kept beside the checkpoint: the AdamW moments
// (optimizer.safetensors, tensors `first_moment.<name>` and `second_moment.<name>`) and the step
// reached with the run's shape (trainer_state.json), so that a resumed run takes the same steps on
// the same data at the same rates as an uninterrupted one.

import JSON
import Model

public struct TrainerState: Sendable, Equatable {
    public var step: Int
    public var totalSteps: Int
    public var seed: UInt64

    static let fileName = "trainer_state.json"
    public static let optimizerFileName = "optimizer.safetensors"

    var json: String {
        JSONValue.object(["step": .int(step), "total_steps": .int(totalSteps), "seed": .string(String(seed))])
            .serialized + "\n"
    }

    static func load(directory: String) throws(CheckpointError) -> TrainerState {
        let path = FileSystem.join(directory, fileName)
        let object = try CheckpointWriter.readObject(path)
        guard let step = object["step"]?.intValue, let total = object["total_steps"]?.intValue,
            let seedText = object["seed"]?.stringValue, let seed = UInt64(seedText)
        else { throw CheckpointError(file: path, problem: "expected integer 'step' and 'total_steps' and a 'seed'") }
        return TrainerState(step: step, totalSteps: total, seed: seed)
    }

    /// The tensors of optimizer.safetensors for `optimizer`.
    public static func optimizerTensors(_ optimizer: AdamW) -> [TensorRecord] {
        var records: [TensorRecord] = []
        for (prefix, moments) in [("first_moment.", optimizer.firstMoment), ("second_moment.", optimizer.secondMoment)]
        {
            for tensor in moments.all {
                records.append(
                    TensorRecord(name: prefix + tensor.name, shape: tensor.shape, data: .float32(tensor.array)))
            }
        }
        return records
    }

    /// Restores `optimizer`'s moments from `directory`'s optimizer.safetensors and sets its step count.
    public static func restore(_ optimizer: AdamW, directory: String, stepCount: Int) throws(CheckpointError) {
        let path = FileSystem.join(directory, optimizerFileName)
        let file = try SafetensorsFile(path: path)
        let first = ModelParameters.zeros(like: optimizer.firstMoment)
        let second = ModelParameters.zeros(like: optimizer.secondMoment)
        for (prefix, moments) in [("first_moment.", first), ("second_moment.", second)] {
            for tensor in moments.all {
                guard let stored = file.tensors[prefix + tensor.name], stored.type == .float32,
                    stored.shape == tensor.shape
                else {
                    throw CheckpointError(
                        file: path, problem: "no float32 tensor '\(prefix + tensor.name)' of shape \(tensor.shape)")
                }
                UnsafeMutableRawPointer(tensor.pointer).copyMemory(from: stored.data, byteCount: stored.byteCount)
            }
        }
        optimizer.restore(firstMoment: first, secondMoment: second, stepCount: stepCount)
    }
}
