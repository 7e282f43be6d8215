// The pieces of the text exposition format 0.0.4: names, escaping and numbers.

/// Metric names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* and may not
/// start with "__" (reserved by Prometheus).
func validate(name: String, labelNames: [String]) {
    precondition(isValidName(name, allowingColons: true), "\"\(name)\" is not a valid Prometheus metric name")
    for label in labelNames {
        precondition(
            isValidName(label, allowingColons: false) && !label.hasPrefix("__"),
            "\"\(label)\" is not a valid label name for \(name)")
    }
    precondition(Set(labelNames).count == labelNames.count, "\(name) repeats a label name: \(labelNames)")
}

private func isValidName(_ name: String, allowingColons: Bool) -> Bool {
    guard let first = name.utf8.first else { return false }
    func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || byte == UInt8(ascii: "_") || (allowingColons && byte == UInt8(ascii: ":"))
    }
    return isLetter(first)
        && name.utf8.allSatisfy { isLetter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
}

/// `{a="x",b="y"}`, or nothing without labels.
func renderLabels(_ names: [String], _ values: [String]) -> String {
    guard !names.isEmpty else { return "" }
    let pairs = zip(names, values).map { name, value in name + "=\"" + escapeLabelValue(value) + "\"" }
    return "{" + pairs.joined(separator: ",") + "}"
}

/// Label values escape backslash, double quote and line feed.
func escapeLabelValue(_ value: String) -> String {
    var escaped = ""
    for character in value.unicodeScalars {
        switch character {
        case "\\": escaped += "\\\\"
        case "\"": escaped += "\\\""
        case "\n": escaped += "\\n"
        default: escaped.unicodeScalars.append(character)
        }
    }
    return escaped
}

/// HELP text escapes backslash and line feed only.
func escapeHelp(_ help: String) -> String {
    help.replacing("\\", with: "\\\\").replacing("\n", with: "\\n")
}

/// Whole numbers without a fraction ("3"), others in Swift's shortest exact form ("0.25", "1e-05"),
/// and the spellings Prometheus expects for the special values.
func formatValue(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value == .infinity { return "+Inf" }
    if value == -.infinity { return "-Inf" }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return "\(value)"
}
