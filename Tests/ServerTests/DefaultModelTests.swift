// spark-server without --model: it serves $SPARK_MODEL, or the shipped PRM-CoT installed beside the
// binary (the container image's layout) or in the package's models/spark-prm-cot, and without any it
// stops with an error that says how to produce the default model.

import Foundation
import HTTPClient
import TestSupport
import Testing

@Suite struct DefaultModelTests {
    @Test func aMissingEnvironmentModelIsNamed() throws {
        let outcome = try CommandRunner.run(
            "spark-server", ["--port", "0"], environment: ["SPARK_MODEL": "/nonexistent/spark-model"])
        #expect(outcome.status == 2)
        #expect(outcome.errorOutput.contains("SPARK_MODEL names /nonexistent/spark-model, which is not a directory"))
    }

    /// The image's layout: bin/spark-server and share/spark/spark-prm-cot side by side.
    @Test func theModelInstalledBesideTheBinaryIsServed() throws {
        let root = NSTemporaryDirectory() + "spark-install-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/share/spark", withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: CommandRunner.binary("spark-server").path, toPath: root + "/bin/spark-server")
        let installed = root + "/share/spark/spark-prm-cot"
        try FileManager.default.moveItem(atPath: ServerProcess.widenedCopy(of: "qwen2-gqa-tied"), toPath: installed)
        let server = try ServerProcess(
            executable: URL(fileURLWithPath: root + "/bin/spark-server"), arguments: ["--port", "0", "--quiet"],
            environment: [:], modelDirectory: installed)
        let models = try HTTPConnection(port: server.port).send("GET", "/v1/models")
        #expect(models.status == 200)
        #expect(models.text.contains(installed), "\(models.text)")
    }

    @Test func withoutAnyModelTheErrorSaysHowToProduceIt() throws {
        let shipped = CommandRunner.packageRoot.appendingPathComponent("models/spark-prm-cot").path
        guard !FileManager.default.fileExists(atPath: shipped) else { return }
        let outcome = try CommandRunner.run("spark-server", ["--port", "0"], environment: ["SPARK_MODEL": nil])
        #expect(outcome.status == 2)
        #expect(outcome.errorOutput.contains("no --model given and no default model at \(shipped)"))
        #expect(outcome.errorOutput.contains("spark-train recipe --out runs/recipe"))
    }
}
