// spark-server without --model: it serves $SPARK_MODEL or the shipped models/spark-prm-cot, and
// without either it stops with an error that says how to produce the default model.

import Foundation
import TestSupport
import Testing

@Suite struct DefaultModelTests {
    @Test func aMissingEnvironmentModelIsNamed() throws {
        let outcome = try CommandRunner.run(
            "spark-server", ["--port", "0"], environment: ["SPARK_MODEL": "/nonexistent/spark-model"])
        #expect(outcome.status == 2)
        #expect(outcome.errorOutput.contains("SPARK_MODEL names /nonexistent/spark-model, which is not a directory"))
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
