import Kernels
import Model
import Testing

@Suite struct WeightLayoutTests {
    /// Panels are for the matrices the kernels multiply: an untied embedding, only ever read a row at
    /// a time, stays as stored; a tied one is the output head and is packed once for both roles.
    @Test func onlyMultipliedMatricesArePacked() throws {
        let untied = try ModelWeights(
            checkpoint: try Checkpoint(directory: TestFiles.fixtures + "/models/qwen2-mqa-untied"), layout: .panels)
        #expect(untied.embedding.layout == .rowMajor)
        #expect(untied.outputHead.layout == .panels)
        #expect(untied.layers.allSatisfy { $0.query.layout == .panels && $0.down.layout == .panels })
        let tied = try ModelWeights(
            checkpoint: try Checkpoint(directory: TestFiles.fixtures + "/models/qwen2-gqa-tied"), layout: .panels)
        #expect(tied.embedding.layout == .panels)
        #expect(tied.embedding.base == tied.outputHead.base)
    }
}
