import Foundation
import Model
import TestSupport
import Testing

@Suite struct SHA256Tests {
    static func digest(_ bytes: [UInt8], chunk: Int? = nil) -> String {
        var hash = SHA256()
        if let chunk {
            for start in stride(from: 0, to: bytes.count, by: chunk) {
                hash.update(Array(bytes[start..<min(start + chunk, bytes.count)]))
            }
        } else {
            hash.update(bytes)
        }
        return hash.finalize()
    }

    /// FIPS 180-4 examples, and one million "a" (NIST's long message).
    @Test func standardVectors() {
        #expect(Self.digest([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Self.digest(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            Self.digest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            Self.digest([UInt8](repeating: 0x61, count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Python's hashlib on bytes (7i + 3) mod 251, i < 100003, fed in pieces of every awkward size.
    @Test(arguments: [nil, 1, 63, 64, 65, 1000]) func streamingGivesTheSameDigest(chunk: Int?) {
        let bytes = (0..<100_003).map { UInt8(($0 * 7 + 3) % 251) }
        #expect(Self.digest(bytes, chunk: chunk) == "3b1d6731138fc44f6de1267ee21c50c8320d23d75fa6515f63e9588cb262ba7a")
    }

    /// The checkpoint digest is what coreutils prints for the same files, sharded checkpoints too.
    @Test(arguments: ["qwen2-gqa-tied", "qwen2-mqa-untied-sharded"]) func checkpointDigestMatchesSha256sum(
        model: String
    ) throws {
        let directory = Fixtures.model(model)
        let digest = try Checkpoint(directory: directory).contentDigest()
        #expect(digest == (try sha256sumOfCheckpoint(directory)))
    }
}
