// The checkpoint spark-server serves when no --model is given: $SPARK_MODEL when set; else the
// project's shipped PRM-CoT installed beside the binary, `../share/spark/spark-prm-cot` from its
// folder (the layout meant for the container image, once docker/build.sh installs the shipped model
// there); else `models/spark-prm-cot` in the package
// this binary was built from. Without any, the server stops and says how to produce the model.

import Model

#if canImport(Glibc)
    import Glibc
#endif

enum DefaultModel {
    static let environmentVariable = "SPARK_MODEL"

    /// `share/spark/spark-prm-cot` beside the folder of the running binary (`bin/`).
    static var installedDirectory: String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        let executable = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let binFolder = executable.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        return binFolder.dropLast().joined(separator: "/") + "/share/spark/spark-prm-cot"
    }

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
        if let installed = installedDirectory, FileSystem.isDirectory(installed) { return .success(installed) }
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
