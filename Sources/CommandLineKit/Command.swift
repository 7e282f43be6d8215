// A small command-line parser in the manner of swift-argument-parser (which cannot be fetched here):
// a command declares its options once, with help text and defaults; `--help` prints them all, and a
// mistake prints what was wrong followed by the usage, then exits with status 2.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One `--name value` option or `--name` flag of a command.
public struct Option: Sendable {
    public let name: String
    /// Placeholder shown in the usage (`--model DIR`); nil for a flag that takes no value.
    public let valueName: String?
    public let help: String
    /// Shown in the help; nil for options without a default (they are either required or optional).
    public let defaultValue: String?
    public let isRequired: Bool

    public static func value(
        _ name: String, _ valueName: String, help: String, default defaultValue: String? = nil,
        required: Bool = false
    ) -> Option {
        Option(name: name, valueName: valueName, help: help, defaultValue: defaultValue, isRequired: required)
    }

    public static func flag(_ name: String, help: String) -> Option {
        Option(name: name, valueName: nil, help: help, defaultValue: nil, isRequired: false)
    }

    public var isFlag: Bool { valueName == nil }
}

public enum CommandLineError: Error, Equatable, CustomStringConvertible {
    case unknownOption(String)
    case missingValue(option: String, valueName: String)
    case invalidValue(option: String, value: String, expected: String)
    case missingRequired(option: String)
    case conflicting(String)

    public var description: String {
        switch self {
        case .unknownOption(let name): "unknown option '\(name)'"
        case .missingValue(let option, let valueName): "option '\(option)' needs a value (\(valueName))"
        case .invalidValue(let option, let value, let expected):
            "option '\(option)': '\(value)' is not \(expected)"
        case .missingRequired(let option): "missing required option '\(option)'"
        case .conflicting(let message): message
        }
    }
}

/// A command: its name, what it does, and its options.
public struct Command: Sendable {
    public let name: String
    public let summary: String
    public let options: [Option]

    public init(name: String, summary: String, options: [Option]) {
        self.name = name
        self.summary = summary
        self.options = options
    }

    public var usage: String {
        var lines = ["\(summary)", "", "usage: \(name) [options]", "", "options:"]
        let rendered = options.map { option in
            option.isFlag ? option.name : "\(option.name) \(option.valueName!)"
        }
        let width = (rendered.map(\.count).max() ?? 0) + 2
        for (option, text) in zip(options, rendered) {
            var help = option.help
            if let defaultValue = option.defaultValue { help += " (default: \(defaultValue))" }
            if option.isRequired { help += " (required)" }
            let padding = String(repeating: " ", count: width - text.count)
            lines.append("  \(text)\(padding)\(help)")
        }
        lines.append("  --help\(String(repeating: " ", count: max(width - 6, 1)))show this help")
        return lines.joined(separator: "\n")
    }

    /// Parses `arguments` (without the program name). Throws on unknown options, missing values and
    /// missing required options; returns nil when `--help` was asked for.
    public func parse(_ arguments: [String]) throws(CommandLineError) -> ParsedArguments? {
        var values: [String: String] = [:]
        var flags: Set<String> = []
        var index = 0
        while index < arguments.count {
            var argument = arguments[index]
            var inlineValue: String?
            if argument == "--help" || argument == "-h" { return nil }
            if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                inlineValue = String(argument[argument.index(after: equals)...])
                argument = String(argument[..<equals])
            }
            guard let option = options.first(where: { $0.name == argument }) else {
                throw .unknownOption(argument)
            }
            if option.isFlag {
                if inlineValue != nil {
                    throw .invalidValue(option: argument, value: inlineValue!, expected: "expected (it is a flag)")
                }
                flags.insert(option.name)
            } else if let inlineValue {
                values[option.name] = inlineValue
            } else {
                index += 1
                guard index < arguments.count else {
                    throw .missingValue(option: option.name, valueName: option.valueName!)
                }
                values[option.name] = arguments[index]
            }
            index += 1
        }
        for option in options where option.isRequired && values[option.name] == nil {
            throw .missingRequired(option: option.name)
        }
        for option in options where !option.isFlag && values[option.name] == nil {
            if let defaultValue = option.defaultValue { values[option.name] = defaultValue }
        }
        return ParsedArguments(values: values, flags: flags)
    }

    /// Parses the process arguments; prints the usage and exits on `--help` (status 0) or on a
    /// mistake (status 2, with the mistake first).
    public func parseOrExit(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> ParsedArguments {
        do {
            guard let parsed = try parse(arguments) else {
                print(usage)
                exit(0)
            }
            return parsed
        } catch {
            fail(error.description)
        }
    }

    /// Prints `message` and the usage to standard error and exits with status 2.
    public func fail(_ message: String) -> Never {
        printToStandardError("\(name): error: \(message)\n\n\(usage)")
        exit(2)
    }
}

/// The values of one parsed command line, with typed accessors that name the option on failure.
public struct ParsedArguments: Sendable {
    let values: [String: String]
    let flags: Set<String>

    public func string(_ name: String) -> String? { values[name] }

    public func flag(_ name: String) -> Bool { flags.contains(name) }

    public func int(_ name: String) throws(CommandLineError) -> Int? {
        guard let text = values[name] else { return nil }
        guard let value = Int(text) else { throw .invalidValue(option: name, value: text, expected: "an integer") }
        return value
    }

    public func double(_ name: String) throws(CommandLineError) -> Double? {
        guard let text = values[name] else { return nil }
        guard let value = Double(text), value.isFinite else {
            throw .invalidValue(option: name, value: text, expected: "a number")
        }
        return value
    }

    /// A comma-separated list of integers, such as `--prompt-ids 1,2,3`.
    public func intList(_ name: String) throws(CommandLineError) -> [Int]? {
        guard let text = values[name] else { return nil }
        var result: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = part.trimmingSpaces()
            guard let value = Int(trimmed) else {
                throw .invalidValue(option: name, value: text, expected: "a comma-separated list of integers")
            }
            result.append(value)
        }
        return result
    }
}

public func printToStandardError(_ text: String) {
    writeToStandardError(text.hasSuffix("\n") ? text : text + "\n")
}

/// Writes `text` as it is (a progress line that rewrites itself with "\r", say).
public func writeToStandardError(_ text: String) {
    _ = text.withCString { write(STDERR_FILENO, $0, strlen($0)) }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var result = self
        while result.first == " " { result.removeFirst() }
        while result.last == " " { result.removeLast() }
        return result
    }
}
