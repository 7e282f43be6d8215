import Foundation
import JSON
import Model
import Testing

/// Every malformed checkpoint fails at load with one message naming the file and the problem.
@Suite struct CheckpointTests {
    func loadFailure(_ directory: String) -> String? {
        do {
            let checkpoint = try Checkpoint(directory: directory)
            _ = try ModelWeights(checkpoint: checkpoint)
            return nil
        } catch {
            return error.description
        }
    }

    /// A copy of the single-file Qwen2 fixture whose model.safetensors `damage` rewrites.
    func damagedWeights(_ damage: (inout [UInt8]) -> Void) -> String {
        let directory = TestFiles.copyOfModel("qwen2-gqa-tied")
        var bytes = TestFiles.read(directory + "/model.safetensors")
        damage(&bytes)
        TestFiles.write(bytes, to: directory + "/model.safetensors")
        return directory
    }

    func headerLength(_ bytes: [UInt8]) -> Int { (0..<8).reduce(0) { $0 | Int(bytes[$1]) << ($1 * 8) } }

    /// Replaces the header JSON text, keeping the data section.
    func withHeader(_ bytes: inout [UInt8], _ edit: (String) -> String) {
        let length = headerLength(bytes)
        let header = edit(String(decoding: bytes[8..<(8 + length)], as: UTF8.self))
        let newLength = header.utf8.count
        bytes =
            (0..<8).map { UInt8(truncatingIfNeeded: newLength >> ($0 * 8)) } + Array(header.utf8)
            + bytes[(8 + length)...]
    }

    @Test func theIntactFixtureLoads() throws {
        #expect(loadFailure(TestFiles.fixtures + "/models/qwen2-gqa-tied") == nil)
        #expect(loadFailure(TestFiles.fixtures + "/models/qwen2-mqa-untied-sharded") == nil)
    }

    @Test func truncatedFile() throws {
        let directory = damagedWeights { $0.removeLast(1000) }
        let message = try #require(loadFailure(directory))
        #expect(message.contains("model.safetensors"))
        #expect(message.contains("outside the") && message.contains("truncated"), "\(message)")
    }

    @Test func fileShorterThanTheLengthField() throws {
        let directory = damagedWeights { $0 = Array($0.prefix(5)) }
        #expect(try #require(loadFailure(directory)).contains("too short for the 8-byte header length"))
    }

    @Test func headerLengthPastTheEnd() throws {
        let directory = damagedWeights { bytes in
            let huge = bytes.count + 10
            for index in 0..<8 { bytes[index] = UInt8(truncatingIfNeeded: huge >> (index * 8)) }
        }
        #expect(try #require(loadFailure(directory)).contains("runs past the end"))
    }

    @Test func badHeaderJSON() throws {
        let directory = damagedWeights { bytes in withHeader(&bytes) { "{\"oops\": [" + $0.dropFirst() } }
        let message = try #require(loadFailure(directory))
        #expect(message.contains("model.safetensors: header is not valid JSON"), "\(message)")
    }

    @Test func unknownDtype() throws {
        let directory = damagedWeights { bytes in
            withHeader(&bytes) { $0.replacingOccurrences(of: "\"F32\"", with: "\"F8_E9\"") }
        }
        #expect(try #require(loadFailure(directory)).contains("unknown dtype 'F8_E9'"))
    }

    @Test func offsetsThatDisagreeWithTheShape() throws {
        let directory = damagedWeights { bytes in
            withHeader(&bytes) { header in
                // Shrink the first tensor's shape: its byte range no longer matches.
                header.replacingOccurrences(of: "\"shape\":[640,64]", with: "\"shape\":[640,63]")
            }
        }
        let message = try #require(loadFailure(directory))
        #expect(message.contains("expected"), "\(message)")
    }

    @Test func missingTensor() throws {
        let directory = damagedWeights { bytes in
            withHeader(&bytes) { $0.replacingOccurrences(of: "model.norm.weight", with: "model.norm.weightx") }
        }
        let message = try #require(loadFailure(directory))
        #expect(message.contains("no tensor 'model.norm.weight'"), "\(message)")
    }

    @Test func misshapenTensor() throws {
        let directory = TestFiles.copyOfModel("qwen2-gqa-tied")
        // Claim a larger hidden size than the weights have.
        let configPath = directory + "/config.json"
        let config = String(decoding: TestFiles.read(configPath), as: UTF8.self)
        TestFiles.write(
            config.replacingOccurrences(of: "\"intermediate_size\": 176", with: "\"intermediate_size\": 177"),
            to: configPath)
        let message = try #require(loadFailure(directory))
        #expect(message.contains("has shape [176, 64], but config.json implies [177, 64]"), "\(message)")
    }

    @Test func integerWeights() throws {
        let directory = TestFiles.scratchDirectory("int-weights")
        try FileManager.default.copyItem(
            atPath: TestFiles.fixtures + "/models/qwen2-gqa-tied/config.json", toPath: directory + "/config.json")
        let source = try Checkpoint(directory: TestFiles.fixtures + "/models/qwen2-gqa-tied")
        let records = source.tensorNames.map { name in
            let tensor = try! source.tensor(name)
            let bytes = Array(UnsafeRawBufferPointer(start: tensor.data, count: tensor.byteCount))
            return TensorRecord(
                name: name, shape: tensor.shape, data: .bytes(type: name.contains("norm") ? .float32 : .int32, bytes))
        }
        try SafetensorsWriter.write(records, to: directory + "/model.safetensors")
        let message = try #require(loadFailure(directory))
        #expect(message.contains("has dtype I32; weights must be F32, BF16 or F16"), "\(message)")
    }

    @Test func noWeightsAtAll() throws {
        let directory = TestFiles.copyOfModel("qwen2-gqa-tied")
        try FileManager.default.removeItem(atPath: directory + "/model.safetensors")
        #expect(try #require(loadFailure(directory)).contains("no model.safetensors or model.safetensors.index.json"))
    }

    @Test func shardIndexPointingAtAMissingFile() throws {
        let directory = TestFiles.copyOfModel("qwen2-mqa-untied-sharded")
        let shard = try FileManager.default.contentsOfDirectory(atPath: directory).first {
            $0.hasPrefix("model-00002")
        }!
        try FileManager.default.removeItem(atPath: directory + "/" + shard)
        let message = try #require(loadFailure(directory))
        #expect(message.contains(shard) && message.contains("cannot open"), "\(message)")
    }

    @Test func notAFolder() throws {
        #expect(try #require(loadFailure("/nonexistent/model")).contains("not a directory"))
    }

    @Test func writerRoundTrip() throws {
        let directory = TestFiles.scratchDirectory("writer")
        let path = directory + "/t.safetensors"
        let records = [
            TensorRecord(name: "a", shape: [2, 3], data: .float32([1, 2, 3, 4, 5, 6])),
            TensorRecord(name: "b", shape: [3], data: .bfloat16([0x3f80, 0x4000, 0xc040])),
            TensorRecord(name: "c", shape: [], data: .float16([0x3c00])),
        ]
        try SafetensorsWriter.write(records, metadata: ["format": "pt"], to: path)
        let file = try SafetensorsFile(path: path)
        #expect(file.metadata == ["format": "pt"])
        let a = try #require(file.tensors["a"])
        #expect(a.shape == [2, 3] && a.type == .float32)
        #expect(
            Array(UnsafeBufferPointer(start: a.data.assumingMemoryBound(to: Float.self), count: 6)) == [
                1, 2, 3, 4, 5, 6,
            ])
        #expect(file.tensors["b"]?.type == .bfloat16 && file.tensors["c"]?.shape == [])
        // Header padded to 8 bytes, as the reference writer does.
        #expect(headerLength(TestFiles.read(path)) % 8 == 0)
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp-\(getpid())"))
    }
}
