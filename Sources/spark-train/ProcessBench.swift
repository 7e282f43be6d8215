// `spark-train eval processbench`: a process reward model judged on ProcessBench (Zheng et al., 2024).
// Records `{"id", "generator", "problem", "steps": [..], "final_answer_correct", "label"}`, `label`
// the 0-based index of the earliest wrong step or -1. The PRM sees the steps as `Step k: ...`
// paragraphs (through /v1/verify, which does exactly that) and its first step voted incorrect is the
// prediction. Per split: accuracy on erroneous samples (prediction == label), accuracy on correct
// ones (prediction == -1), F1 their harmonic mean; the reported average is the mean of the splits' F1.
// A sample the model did not judge (unparseable, truncated, timed out) counts as wrong, and is counted.
// An ORM names no step: its "No" counts as right on every erroneous sample, its "Yes" on correct ones.

import HTTPClient
import JSON
import Kernels
import Model

struct ProcessBenchRecord: Sendable {
    var id: String
    var problem: String
    var steps: [String]
    var label: Int
    var split: String
}

struct SplitScore {
    var split: String
    var erroneous = 0
    var erroneousRight = 0
    var correct = 0
    var correctRight = 0
    var unjudged = 0

    var erroneousAccuracy: Double { erroneous == 0 ? 0 : Double(erroneousRight) / Double(erroneous) }
    var correctAccuracy: Double { correct == 0 ? 0 : Double(correctRight) / Double(correct) }
    var f1: Double {
        let (a, b) = (erroneousAccuracy, correctAccuracy)
        return a + b == 0 ? 0 : 2 * a * b / (a + b)
    }

    mutating func add(label: Int, prediction: Int?) {
        if prediction == nil { unjudged += 1 }
        if label == -1 {
            correct += 1
            if prediction == -1 { correctRight += 1 }
        } else {
            erroneous += 1
            if prediction == label || prediction == ProcessBench.someStepWrong { erroneousRight += 1 }
        }
    }

    var json: JSONValue {
        .object([
            "split": .string(split), "erroneous": .int(erroneous), "erroneous_accuracy": .double(erroneousAccuracy),
            "correct": .int(correct), "correct_accuracy": .double(correctAccuracy), "f1": .double(f1),
            "unjudged": .int(unjudged),
        ])
    }
}

enum ProcessBench {
    /// The prediction of an ORM that says No: wrong somewhere, no step named.
    static let someStepWrong = -2

    /// Reads a ProcessBench file: a JSON array or JSONL lines. The split is the record's `split` field,
    /// else the file name without its extension.
    static func load(_ path: String) throws -> [ProcessBenchRecord] {
        let bytes = try FileSystem.read(path)
        let name = String(path.split(separator: "/").last ?? "").split(separator: ".").first.map(String.init) ?? path
        var values: [(line: Int, value: JSONValue)] = []
        if let first = bytes.first(where: { $0 != 32 && $0 != 10 && $0 != 13 && $0 != 9 }), first == UInt8(ascii: "[") {
            do {
                values = (try JSONValue.parse(bytes).arrayValue ?? []).enumerated().map { ($0.offset + 1, $0.element) }
            } catch {
                throw TrainError("\(path): \(error.description)")
            }
        } else {
            for (number, line) in bytes.split(separator: 10, omittingEmptySubsequences: false).enumerated()
            where !line.allSatisfy({ $0 == 32 || $0 == 13 || $0 == 9 }) {
                do {
                    values.append((number + 1, try JSONValue.parse(line)))
                } catch {
                    throw TrainError("\(path): line \(number + 1): \(error.description)")
                }
            }
        }
        return try values.map { line, value in
            guard let object = value.objectValue, let problem = object["problem"]?.stringValue,
                let steps = object["steps"]?.arrayValue?.compactMap(\.stringValue), !steps.isEmpty,
                let label = object["label"]?.intValue, label >= -1, label < steps.count
            else {
                throw TrainError(
                    "\(path): record \(line) needs 'problem' (a string), 'steps' (non-empty strings) and 'label' (-1 or a step index)"
                )
            }
            return ProcessBenchRecord(
                id: object["id"]?.stringValue ?? object["id"].map(\.serialized) ?? String(line), problem: problem,
                steps: steps, label: label, split: object["split"]?.stringValue ?? name)
        }
    }

    /// The first error the server's PRM finds in each record, nil where it did not judge; `batchSize`
    /// records per /v1/verify request, `concurrency` requests in flight.
    static func predict(
        _ records: [ProcessBenchRecord], host: String, port: Int, apiKey: String?, options: JSONObject, batchSize: Int,
        concurrency: Int, progress: @escaping @Sendable (Int) -> Void
    ) throws -> [Int?] {
        let batches = stride(from: 0, to: records.count, by: batchSize).map { $0..<min($0 + batchSize, records.count) }
        let results = LockedResults<Int>(count: records.count)
        Threads.run(min(concurrency, batches.count)) { thread in
            let connection = HTTPConnection(host: host, port: port, timeoutSeconds: 3600)
            for batchIndex in stride(from: thread, to: batches.count, by: concurrency) {
                let range = batches[batchIndex]
                var body = options
                body["items"] = .array(
                    records[range].map { record in
                        .object(["problem": .string(record.problem), "steps": .array(record.steps.map { .string($0) })])
                    })
                var headers = [("Content-Type", "application/json")]
                if let apiKey { headers.append(("Authorization", "Bearer \(apiKey)")) }
                do {
                    let response = try connection.send(
                        "POST", "/v1/verify", headers: headers, body: Array(JSONValue.object(body).serialized.utf8))
                    guard response.status == 200,
                        let items = try JSONValue.parse(response.body).objectValue?["items"]?.arrayValue
                    else {
                        results.fail("the server answered \(response.status): \(response.text.prefix(300))")
                        return
                    }
                    for (offset, item) in items.enumerated() {
                        let entry = item.objectValue
                        let judged = entry?["status"] == .string("ok")
                        let prediction =
                            options["variant"] == .string("orm")
                            ? entry?["outcome"].map { $0 == .string("yes") ? -1 : someStepWrong }
                            : entry?["first_error"]?.intValue
                        results.set(range.lowerBound + offset, judged ? prediction : nil)
                    }
                    progress(range.count)
                } catch {
                    results.fail("\(error)")
                    return
                }
            }
        }
        if let failure = results.failure { throw TrainError(failure) }
        return results.values
    }

    static func score(_ records: [ProcessBenchRecord], predictions: [Int?]) -> [SplitScore] {
        var order: [String] = []
        var scores: [String: SplitScore] = [:]
        for (record, prediction) in zip(records, predictions) {
            if scores[record.split] == nil {
                order.append(record.split)
                scores[record.split] = SplitScore(split: record.split)
            }
            scores[record.split]!.add(label: record.label, prediction: prediction)
        }
        return order.map { scores[$0]! }
    }
}
