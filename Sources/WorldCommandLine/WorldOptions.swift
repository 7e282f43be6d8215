// The built-in math world's options, shared by the commands that draw its problems (`spark-train
// synth`, `spark-rl train`), so that a run can name the world a model was trained on: declared once,
// their defaults those of `WorldSettings()`, and read back into `WorldSettings`.

import CommandLineKit
import Domain

public enum WorldOptions {
    public static let options: [Option] = {
        let defaults = WorldSettings()
        return [
            .value(
                "--world-steps", "MIN-MAX", help: "computations per world problem", default: text(defaults.stepCounts)),
            .value(
                "--world-start", "MIN-MAX", help: "the number a world story starts from",
                default: text(defaults.startRange)),
            .value(
                "--world-operands", "MIN-MAX", help: "numbers a world story adds, takes, multiplies by",
                default: text(defaults.operandRange)),
            .value(
                "--world-limit", "N", help: "no running total or group product goes above N",
                default: String(defaults.valueLimit)),
            .value(
                "--world-operations", "LIST", help: "world operations, comma-separated (add is needed)",
                default: ArithmeticOperation.allCases.map(\.rawValue).joined(separator: ",")),
            .value(
                "--world-themes", "LIST",
                help: "world story themes, comma-separated (\(StoryTheme.all.map(\.name).joined(separator: ",")))",
                default: "all"),
        ]
    }()

    /// The settings `parsed` names (parsed by a command that declares `options`), validated.
    public static func settings(_ parsed: ParsedArguments) throws(CommandLineError) -> WorldSettings {
        var settings = WorldSettings()
        settings.stepCounts = try range(parsed, "--world-steps")
        settings.startRange = try range(parsed, "--world-start")
        settings.operandRange = try range(parsed, "--world-operands")
        guard let limit = try parsed.int("--world-limit"), limit > 0 else {
            throw .invalidValue(option: "--world-limit", value: parsed.string("--world-limit")!, expected: "positive")
        }
        settings.valueLimit = limit
        var operations = Set<ArithmeticOperation>()
        for name in parsed.string("--world-operations")!.split(separator: ",") {
            guard let operation = ArithmeticOperation(rawValue: String(name)) else {
                throw .invalidValue(
                    option: "--world-operations", value: String(name),
                    expected: "one of " + ArithmeticOperation.allCases.map(\.rawValue).joined(separator: ", "))
            }
            operations.insert(operation)
        }
        settings.operations = operations
        if let themes = parsed.string("--world-themes"), themes != "all" {
            settings.themes = themes.split(separator: ",").map(String.init)
        }
        do {
            return try settings.validated()
        } catch {
            throw .conflicting(error.description)
        }
    }

    private static func range(_ parsed: ParsedArguments, _ option: String) throws(CommandLineError)
        -> ClosedRange<Int>
    {
        let value = parsed.string(option)!
        let bounds = value.split(separator: "-").compactMap { Int($0) }
        guard bounds.count == 2, bounds[0] <= bounds[1] else {
            throw .invalidValue(option: option, value: value, expected: "MIN-MAX, such as 2-6")
        }
        return bounds[0]...bounds[1]
    }

    private static func text(_ range: ClosedRange<Int>) -> String { "\(range.lowerBound)-\(range.upperBound)" }
}
