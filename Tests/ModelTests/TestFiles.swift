import Foundation
import Model

/// Fixture paths and scratch folders for the Model tests.
enum TestFiles {
    static let fixtures: String = {
        var path = #filePath
        for _ in 0..<2 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path + "/Fixtures"
    }()

    /// A fresh empty folder under the system temporary directory.
    static func scratchDirectory(_ label: String) -> String {
        let path = NSTemporaryDirectory() + "spark-\(label)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A copy of a fixture checkpoint folder that a test may damage.
    static func copyOfModel(_ name: String) -> String {
        let destination = scratchDirectory(name)
        let source = fixtures + "/models/" + name
        for file in try! FileManager.default.contentsOfDirectory(atPath: source) {
            try! FileManager.default.copyItem(atPath: source + "/" + file, toPath: destination + "/" + file)
        }
        return destination
    }

    static func write(_ text: String, to path: String) {
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    }

    static func write(_ bytes: [UInt8], to path: String) {
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }

    static func read(_ path: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: path)!) }
}

extension Result where Failure == CheckpointError {
    var errorText: String? {
        if case .failure(let error) = self { return error.description }
        return nil
    }
}
