// The files a replay reads: a file itself, or every regular file in a directory, in name order.

import Model

#if canImport(Glibc)
    import Glibc
#endif

enum InputFiles {
    static func list(_ path: String) -> [String] {
        guard let directory = opendir(path) else { return [path] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if !name.hasPrefix(".") { names.append(path + "/" + name) }
        }
        return names.sorted()
    }

    static func read(_ path: String) -> [UInt8] {
        do {
            return try FileSystem.read(path)
        } catch {
            fatalError("cannot read \(path): \(error.problem)")
        }
    }
}
