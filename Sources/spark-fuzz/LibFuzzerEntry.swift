// Fuzzing builds (scripts/fuzz defines FUZZING): libFuzzer's driver runs the target SPARK_FUZZ_TARGET
// names on the inputs it generates.

#if FUZZING
    import CLibFuzzer

    #if canImport(Glibc)
        import Glibc
    #endif

    let selectedTarget: FuzzTarget = {
        let name = getenv("SPARK_FUZZ_TARGET").map { String(cString: $0) } ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            fatalError(
                "set SPARK_FUZZ_TARGET to one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return target
    }()

    enum LibFuzzer {
        /// Runs libFuzzer with the command line's options and returns its exit status.
        static func run() -> CInt {
            var count = CommandLine.argc
            var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
            return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
                selectedTarget.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
                return 0
            }
        }
    }
#endif
