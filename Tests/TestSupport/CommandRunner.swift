// Runs the package's built executables the way a user would, for end-to-end tests.

import Foundation

public enum CommandRunner {
    /// The package root (the folder holding Package.swift).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// The executable `name`, next to the test bundle in SwiftPM's build folder, else in .build/debug.
    public static func binary(_ name: String) throws -> URL {
        let folders = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
            packageRoot.appendingPathComponent(".build/debug"),
        ]
        let candidates = folders.map { $0.appendingPathComponent(name) }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw Failure(description: "\(name) is not built; looked in \(candidates.map(\.path))")
        }
        return found
    }

    public struct Outcome {
        public let output: String
        public let errorOutput: String
        public let status: Int32
    }

    /// Runs `name` with `arguments`; `environment` replaces or adds variables (nil removes one).
    public static func run(_ name: String, _ arguments: [String], environment: [String: String?] = [:]) throws
        -> Outcome
    {
        let process = Process()
        process.executableURL = try binary(name)
        process.arguments = arguments
        if !environment.isEmpty {
            var variables = ProcessInfo.processInfo.environment
            for (key, value) in environment { variables[key] = value }
            process.environment = variables
        }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read both pipes at once so that a chatty stderr cannot block the child.
        let errorText = CollectedText()
        let handle = errors.fileHandleForReading
        DispatchQueue.global().async { errorText.finish(handle.readDataToEndOfFile()) }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(
            output: String(decoding: outputData, as: UTF8.self), errorOutput: errorText.wait(),
            status: process.terminationStatus)
    }
}

/// Text produced on another thread, handed over once.
private final class CollectedText: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    func finish(_ data: Data) {
        self.data = data
        done.signal()
    }

    func wait() -> String {
        done.wait()
        return String(decoding: data, as: UTF8.self)
    }
}

/// What coreutils' sha256sum prints for a checkpoint's config.json then weight files in name order:
/// the reference for Checkpoint.contentDigest.
public func sha256sumOfCheckpoint(_ directory: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", "cd '\(directory)' && cat config.json model*.safetensors | sha256sum"]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return String(text.prefix(64))
}
