// A spark-server process on a free loopback port, for end-to-end tests: started with a copy of a
// fixture checkpoint whose context is widened to 32k tokens (SPARK's clients ask for 4096 new tokens,
// more than the fixtures' 2048), stopped by SIGTERM.

import Foundation

public final class ServerProcess: @unchecked Sendable {
    public let process = Process()
    public let port: Int
    public let modelDirectory: String
    private let ownsModelDirectory: Bool
    private let errors = Pipe()
    private let collected = LockedText()

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts the server and waits until /health says ready (or the process dies). `environment` is
    /// added to the test's own.
    public convenience init(
        fixture: String = "qwen2-gqa-tied", arguments: [String] = [], environment: [String: String] = [:]
    ) throws {
        let modelDirectory = try Self.checkpointCopy(of: fixture)
        try self.init(
            executable: CommandRunner.binary("spark-server"),
            arguments: ["--model", modelDirectory, "--port", "0"] + arguments, environment: environment,
            modelDirectory: modelDirectory)
    }

    /// Starts `executable`, spark-server or a script that execs it (the container's entrypoint), which
    /// must serve `modelDirectory` (a copy made by `checkpointCopy`, removed at the end unless
    /// `ownsModelDirectory` is false); waits until it is ready.
    public init(
        executable: URL, arguments: [String], environment: [String: String], modelDirectory: String,
        ownsModelDirectory: Bool = true
    ) throws {
        self.modelDirectory = modelDirectory
        self.ownsModelDirectory = ownsModelDirectory
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        let collected = collected
        errors.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { collected.append(String(decoding: data, as: UTF8.self)) }
        }
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        var found: Int?
        while found == nil && Date() < deadline && process.isRunning {
            // "listening on http://HOST:PORT", whatever the host.
            if let range = collected.text.range(of: "listening on http://") {
                let address = collected.text[range.upperBound...].prefix { !$0.isWhitespace }
                found = address.split(separator: ":").last.flatMap { Int($0) }
            }
            usleep(10_000)
        }
        guard let found else { throw Failure(description: "spark-server did not start: \(collected.text)") }
        port = found
        while !collected.text.contains("ready:") {
            guard process.isRunning, Date() < deadline else {
                throw Failure(description: "spark-server did not become ready: \(collected.text)")
            }
            usleep(10_000)
        }
    }

    /// Everything the server wrote to standard error so far.
    public var log: String { collected.text }

    /// Stops the server and waits for it; `log` then holds everything it wrote, its last lines
    /// included (the reading handler may not have run for them yet when the process exits).
    public func terminate() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        errors.fileHandleForReading.readabilityHandler = nil
        let rest = errors.fileHandleForReading.readDataToEndOfFile()
        if !rest.isEmpty { collected.append(String(decoding: rest, as: UTF8.self)) }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            process.interrupt()
            process.waitUntilExit()
        }
        if ownsModelDirectory { try? FileManager.default.removeItem(atPath: modelDirectory) }
    }

    /// A copy of the fixture checkpoint in a temporary folder, its context set to `positions` tokens
    /// (widened to 32k unless told); the caller removes it.
    public static func checkpointCopy(of fixture: String, positions: Int = 32768) throws -> String {
        let source = Fixtures.model(fixture)
        let destination = NSTemporaryDirectory() + "spark-server-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: source, toPath: destination)
        let configPath = destination + "/config.json"
        let config = try String(contentsOfFile: configPath, encoding: .utf8)
        try config.replacingOccurrences(
            of: "\"max_position_embeddings\": 2048", with: "\"max_position_embeddings\": \(positions)"
        )
        .write(toFile: configPath, atomically: true, encoding: .utf8)
        return destination
    }
}

private final class LockedText: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = ""
    func append(_ piece: String) { lock.withLock { stored += piece } }
    var text: String { lock.withLock { stored } }
}
