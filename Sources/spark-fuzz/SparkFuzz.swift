// spark-fuzz: in a plain build it replays inputs through a fuzz target (the saved corpus, and every
// input that ever made a target fail, as regression tests); in a fuzzing build (scripts/fuzz) it is
// libFuzzer, generating inputs for the target SPARK_FUZZ_TARGET names.

import CommandLineKit

#if canImport(Glibc)
    import Glibc
#endif

@main struct SparkFuzz {
    static func main() {
        #if FUZZING
            exit(LibFuzzer.run())
        #else
            replay(Array(CommandLine.arguments.dropFirst()))
        #endif
    }

    static func replay(_ arguments: [String]) {
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count >= 2 else {
            printToStandardError(
                "usage: spark-fuzz \(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")) FILE|DIR ...")
            exit(2)
        }
        var inputs = 0
        for path in arguments.dropFirst() {
            for file in InputFiles.list(path) {
                target.run(InputFiles.read(file))
                inputs += 1
            }
        }
        print("spark-fuzz \(name): \(inputs) inputs, no finding")
    }
}
