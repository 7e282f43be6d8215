// The checkpoint spark-server serves when no --model is given: $SPARK_MODEL when set, else the
// project's shipped PRM-CoT, `models/spark-prm-cot` in the package this binary was built from. Without
// either, the server stops and says how to produce the model.

import Model

#if canImport(Glibc)
    import Glibc
#endif

enum DefaultModel {
    static let environmentVariable = "SPARK_MODEL"

    /// `models/spark-prm-cot` beside Package.swift (this file is Sources/spark-server/DefaultModel.swift).
    static var packageDirectory: String {
        let components = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false).dropLast(3)
        return components.joined(separator: "/") + "/models/spark-prm-cot"
    }

    /// The directory to serve, or an explanation of why there is none.
    static func directory() -> Result<String, DefaultModelError> {
        if let value = getenv(environmentVariable), !String(cString: value).isEmpty {
            let path = String(cString: value)
            return FileSystem.isDirectory(path) ? .success(path) : .failure(.missingEnvironmentModel(path))
        }
        let path = packageDirectory
        return FileSystem.isDirectory(path) ? .success(path) : .failure(.missingDefault(path))
    }
}

enum DefaultModelError: Error, CustomStringConvertible {
    case missingEnvironmentModel(String)
    case missingDefault(String)

    var description: String {
        switch self {
        case .missingEnvironmentModel(let path):
            "\(DefaultModel.environmentVariable) names \(path), which is not a directory; give a checkpoint folder"
        case .missingDefault(let path):
            """
            no --model given and no default model at \(path). Serve a checkpoint with --model DIR (or \
            \(DefaultModel.environmentVariable)=DIR), or produce the default PRM-CoT with \
            `spark-train recipe --out runs/recipe` (about two hours on 2 cores), which copies the best PRM-CoT to \
            runs/recipe/spark-prm-cot; then copy that folder to \(path)
            """
        }
    }
}
