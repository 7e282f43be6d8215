import Foundation
import HTTPClient
import JSON
import TestSupport
import Testing

/// The container's entrypoint and health check (docker/), run on the host the way the image runs them:
/// options from SPARK_* variables, the API key from the environment or a file, SIGTERM drains.
@Suite(.serialized) struct ContainerEntrypointTests {
    static let docker = CommandRunner.packageRoot.appendingPathComponent("docker")

    /// The test's environment with spark-server on PATH, as in the image (/usr/local/bin).
    static func environment(_ variables: [String: String]) throws -> [String: String] {
        let binaries = try CommandRunner.binary("spark-server").deletingLastPathComponent().path
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return variables.merging(["PATH": binaries + ":" + path]) { $1 }
    }

    static func run(_ script: String, arguments: [String] = [], environment: [String: String]) throws -> (
        status: Int32, errorOutput: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [docker.appendingPathComponent(script).path] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(try Self.environment(environment)) { $1 }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test func environmentVariablesBecomeOptionsAndSIGTERMDrains() throws {
        let keyFile = NSTemporaryDirectory() + "spark-keys-\(UUID().uuidString)"
        try "file-key\n".write(toFile: keyFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        let model = try ServerProcess.checkpointCopy(of: "qwen2-gqa-tied")
        let server = try ServerProcess(
            executable: URL(fileURLWithPath: "/bin/bash"),
            arguments: [Self.docker.appendingPathComponent("entrypoint.sh").path, "--max-waiting", "7"],
            environment: try Self.environment([
                "SPARK_MODEL": model, "SPARK_HOST": "127.0.0.1", "SPARK_PORT": "0",
                "SPARK_SERVED_MODEL_NAME": "container-model", "SPARK_MAX_RUNNING": "3", "SPARK_QUIET": "false",
                "SPARK_NO_PREFIX_CACHE": "1", "SPARK_API_KEY_FILE": keyFile, "SPARK_API_KEY": "environment-key",
            ]),
            modelDirectory: model)
        #expect(
            server.log.contains(
                "entrypoint: spark-server --model \(model) --served-model-name container-model --host 127.0.0.1 --port 0 --api-key-file \(keyFile) --max-running 3 --no-prefix-cache (and 2 arguments given to the container)"
            ), "\(server.log)")
        let connection = HTTPConnection(port: server.port)
        for key in ["file-key", "environment-key"] {
            let models = try connection.send("GET", "/v1/models", headers: [("Authorization", "Bearer \(key)")])
            #expect(models.status == 200)
            let served = try JSONValue.parse(models.body).objectValue?["data"]?.arrayValue?.first?.objectValue
            #expect(served?["id"] == .string("container-model"))
        }
        #expect(try connection.send("GET", "/v1/models").status == 401)

        let healthy = try Self.run("healthcheck.sh", environment: ["SPARK_PORT": String(server.port)])
        #expect(healthy.status == 0, "\(healthy.errorOutput)")

        // The entrypoint exec'd the server: the SIGTERM reaches it and it drains.
        #expect(server.terminate() == 0)
        #expect(server.log.contains("SIGTERM: draining"))
        #expect(!server.log.contains("environment-key"))
    }

    @Test func aFlagWithAnUnclearValueStopsTheEntrypoint() throws {
        let outcome = try Self.run(
            "entrypoint.sh", environment: ["SPARK_MODEL": "/nonexistent", "SPARK_QUIET": "maybe"])
        #expect(outcome.status == 2)
        #expect(outcome.errorOutput.contains("SPARK_QUIET is a flag: set it to 1, true or yes"))
    }

    @Test func theHealthCheckFailsWithoutAServer() throws {
        // Port 9 (discard) on loopback: nothing listens there.
        let outcome = try Self.run("healthcheck.sh", environment: ["SPARK_PORT": "9"])
        #expect(outcome.status != 0)
    }
}
