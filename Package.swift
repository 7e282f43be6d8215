// swift-tools-version: 6.0
import PackageDescription

// Layers, bottom up (see README "Layout"): C libraries → Kernels → Model → Engine → Scheduler →
// executables.
// Hot loops live in the CKernels C target, which dispatches at run time between AVX-512, AVX2 and
// portable code, so the binaries need no CPU flag and still run on any x86-64 or arm64 machine.

let package = Package(
    name: "spark",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "spark-server", targets: ["spark-server"]),
        .executable(name: "spark-generate", targets: ["spark-generate"]),
        .executable(name: "spark-train", targets: ["spark-train"]),
        .executable(name: "spark-tokenize", targets: ["spark-tokenize"]),
        .executable(name: "spark-rl", targets: ["spark-rl"]),
        .executable(name: "spark-bench", targets: ["spark-bench"]),
        .executable(name: "spark-fuzz", targets: ["spark-fuzz"]),
        .library(name: "Engine", targets: ["Engine"]),
        .library(name: "Scheduler", targets: ["Scheduler"]),
    ],
    targets: [
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CMicroHTTPD", pkgConfig: "libmicrohttpd", providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(name: "CJansson", pkgConfig: "jansson", providers: [.apt(["libjansson-dev"])]),
        .systemLibrary(name: "CLibFuzzer"),
        .target(
            name: "CKernels",
            // -O3 also in debug builds: tests run the same kernels at a usable speed.
            cSettings: [.unsafeFlags(["-O3", "-fno-math-errno"])]
        ),
        .target(name: "Kernels", dependencies: ["CKernels"]),
        .target(name: "JSON", dependencies: ["CJansson"]),
        .target(name: "HTTPServer", dependencies: ["CMicroHTTPD", "JSON"]),
        .target(name: "Metrics"),
        .target(name: "Reward"),
        .target(name: "Domain", dependencies: ["JSON"]),
        .target(
            name: "Synthesis",
            dependencies: ["Domain", "Reward", "JSON", "HTTPClient", "Kernels", "Model", "Engine", "Scheduler"]),
        .target(name: "Model", dependencies: ["Kernels", "JSON"]),
        .target(name: "Engine", dependencies: ["Model", "Kernels"]),
        .target(name: "Scheduler", dependencies: ["Engine", "Model"]),
        .target(name: "Recipe", dependencies: ["Domain", "Synthesis", "Reward", "JSON"]),
        .target(name: "Training", dependencies: ["Engine", "Model", "Kernels", "JSON", "CKernels", "COpenBLAS"]),
        .target(
            name: "Server", dependencies: ["Scheduler", "Engine", "Model", "JSON", "HTTPServer", "Metrics", "Reward"]),
        .target(name: "HTTPClient"),
        .target(
            name: "RL",
            dependencies: [
                "Model", "Reward", "Training", "Engine", "Scheduler", "Domain", "HTTPClient", "JSON", "Kernels",
                "Synthesis",
            ]),
        .target(name: "CommandLineKit"),
        .target(name: "WorldCommandLine", dependencies: ["CommandLineKit", "Domain"]),
        .executableTarget(name: "spark-generate", dependencies: ["Scheduler", "Engine", "CommandLineKit"]),
        .executableTarget(
            name: "spark-server",
            dependencies: ["Server", "Scheduler", "Engine", "Model", "HTTPServer", "CommandLineKit"]),
        .executableTarget(
            name: "spark-train",
            dependencies: [
                "Server", "HTTPServer", "HTTPClient", "JSON", "Model", "Kernels", "CommandLineKit", "Synthesis",
                "Domain", "Training", "Engine", "Recipe", "Reward", "WorldCommandLine",
            ]),
        .executableTarget(
            name: "spark-rl",
            dependencies: ["RL", "CommandLineKit", "Training", "HTTPClient", "Domain", "WorldCommandLine"]),
        .executableTarget(name: "spark-tokenize", dependencies: ["Model", "CommandLineKit"]),
        .executableTarget(
            name: "spark-bench",
            dependencies: [
                "Engine", "Model", "JSON", "HTTPClient", "CommandLineKit", "COpenBLAS", "CKernels", "Training",
            ]),
        .executableTarget(
            // scripts/fuzz builds it with libFuzzer and -DFUZZING; a plain build replays saved inputs.
            name: "spark-fuzz", dependencies: ["Server", "Model", "JSON", "Reward", "CommandLineKit", "CLibFuzzer"]),
        .target(name: "TestSupport", dependencies: ["JSON", "Model", "HTTPServer"], path: "Tests/TestSupport"),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "CKernels"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "JSON"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics"]),
        .testTarget(name: "ModelTests", dependencies: ["Model", "Kernels", "JSON", "TestSupport"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Kernels", "TestSupport"]),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Scheduler", "HTTPServer", "TestSupport", "HTTPClient", "JSON", "Model", "Engine", "Reward",
            ]),
        .testTarget(
            name: "RewardTests", dependencies: ["Reward"],
            // Fixture generators and their outputs, read by path from the tests.
            exclude: [
                "make_reply_corpus.py", "make_response_corpus.py", "make_tango_corpus.py", "reply_corpus.json",
                "response_corpus.json", "tango_corpus.json",
            ]),
        .testTarget(name: "DomainTests", dependencies: ["Domain", "JSON", "TestSupport"]),
        .testTarget(
            name: "SynthesisTests",
            dependencies: ["Synthesis", "Domain", "Reward", "HTTPServer", "JSON", "TestSupport"]),
        .testTarget(
            name: "TrainingTests", dependencies: ["Training", "Engine", "Model", "JSON", "TestSupport"],
            // Reference generators and their outputs, read by path from the tests.
            exclude: ["make_adamw_reference.py", "adamw_reference.json", "transformers_checkpoints.json"]),
        .testTarget(
            name: "RecipeTests",
            dependencies: [
                "Recipe", "Domain", "Synthesis", "Reward", "JSON", "TestSupport", "CommandLineKit", "WorldCommandLine",
            ]),
        .testTarget(name: "SchedulerTests", dependencies: ["Scheduler", "Engine", "Model", "TestSupport"]),
        .testTarget(
            name: "RLTests",
            dependencies: [
                "RL", "Model", "JSON", "TestSupport", "Training", "Engine", "Domain", "HTTPClient", "HTTPServer",
                "Reward",
            ],
            // Fixture generators and their outputs, read by path from the tests.
            exclude: [
                "make_token_placement_fixtures.py", "token_placement.json", "make_grpo_fixtures.py",
                "grpo_objective.json",
            ]),
    ]
)
