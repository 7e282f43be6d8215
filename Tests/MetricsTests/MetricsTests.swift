// The registry's text against hand-written expected output, its thread safety, and the text read
// back by the Prometheus project's own Python parser.

import Foundation
import Metrics
import Testing

@Suite struct MetricsTests {
    @Test func rendersCountersAndGaugesExactly() {
        let registry = MetricsRegistry()
        let requests = registry.counter(
            "spark_requests_total", help: "Requests answered, by route and status.", labels: ["route", "status"])
        requests.increment(["/v1/completions", "200"])
        requests.increment(["/v1/completions", "200"], by: 2)
        requests.increment(["/health", "200"])
        requests.increment(["/v1/completions", "400"])
        registry.gauge("spark_requests_running", help: "Requests being generated.").set(3)
        registry.counter("spark_prompt_tokens_total", help: "Prompt tokens.").increment(by: 0.5)
        registry.gauge("spark_unused", help: "Labelled, never set.", labels: ["slot"])
        #expect(
            registry.render() == """
                # HELP spark_prompt_tokens_total Prompt tokens.
                # TYPE spark_prompt_tokens_total counter
                spark_prompt_tokens_total 0.5
                # HELP spark_requests_running Requests being generated.
                # TYPE spark_requests_running gauge
                spark_requests_running 3
                # HELP spark_requests_total Requests answered, by route and status.
                # TYPE spark_requests_total counter
                spark_requests_total{route="/health",status="200"} 1
                spark_requests_total{route="/v1/completions",status="200"} 3
                spark_requests_total{route="/v1/completions",status="400"} 1
                # HELP spark_unused Labelled, never set.
                # TYPE spark_unused gauge

                """)
    }

    @Test func rendersHistogramsCumulatively() {
        let registry = MetricsRegistry()
        let latency = registry.histogram(
            "spark_e2e_seconds", help: "End-to-end request latency.", labels: ["route"], buckets: [0.1, 0.5, 1])
        latency.observe(0.25, ["/v1/completions"])
        latency.observe(0.1, ["/v1/completions"])
        latency.observe(7, ["/v1/completions"])
        latency.observe(0.5, ["/v1/chat/completions"])
        registry.histogram("spark_queue_seconds", help: "Time in queue.", buckets: [1, 2.5]).observe(2)
        #expect(
            registry.render() == """
                # HELP spark_e2e_seconds End-to-end request latency.
                # TYPE spark_e2e_seconds histogram
                spark_e2e_seconds_bucket{route="/v1/chat/completions",le="0.1"} 0
                spark_e2e_seconds_bucket{route="/v1/chat/completions",le="0.5"} 1
                spark_e2e_seconds_bucket{route="/v1/chat/completions",le="1"} 1
                spark_e2e_seconds_bucket{route="/v1/chat/completions",le="+Inf"} 1
                spark_e2e_seconds_sum{route="/v1/chat/completions"} 0.5
                spark_e2e_seconds_count{route="/v1/chat/completions"} 1
                spark_e2e_seconds_bucket{route="/v1/completions",le="0.1"} 1
                spark_e2e_seconds_bucket{route="/v1/completions",le="0.5"} 2
                spark_e2e_seconds_bucket{route="/v1/completions",le="1"} 2
                spark_e2e_seconds_bucket{route="/v1/completions",le="+Inf"} 3
                spark_e2e_seconds_sum{route="/v1/completions"} 7.35
                spark_e2e_seconds_count{route="/v1/completions"} 3
                # HELP spark_queue_seconds Time in queue.
                # TYPE spark_queue_seconds histogram
                spark_queue_seconds_bucket{le="1"} 0
                spark_queue_seconds_bucket{le="2.5"} 1
                spark_queue_seconds_bucket{le="+Inf"} 1
                spark_queue_seconds_sum 2
                spark_queue_seconds_count 1

                """)
    }

    @Test func escapesLabelValuesAndHelp() {
        let registry = MetricsRegistry()
        registry.counter("errors_total", help: "Errors\\by \"kind\"\nsecond line", labels: ["message"])
            .increment(["bad \"quote\", back\\slash\nnew line é"])
        #expect(
            registry.render() == """
                # HELP errors_total Errors\\\\by "kind"\\nsecond line
                # TYPE errors_total counter
                errors_total{message="bad \\"quote\\", back\\\\slash\\nnew line é"} 1

                """)
    }

    @Test func formatsSpecialValues() {
        let registry = MetricsRegistry()
        let gauge = registry.gauge("g", help: "", labels: ["k"])
        gauge.set(.infinity, ["a"])
        gauge.set(-.infinity, ["b"])
        gauge.set(.nan, ["c"])
        gauge.set(1e-5, ["d"])
        gauge.set(-2, ["e"])
        gauge.set(1e20, ["f"])
        #expect(
            registry.render().split(separator: "\n").dropFirst(2) == [
                #"g{k="a"} +Inf"#, #"g{k="b"} -Inf"#, #"g{k="c"} NaN"#, #"g{k="d"} 1e-05"#, #"g{k="e"} -2"#,
                #"g{k="f"} 1e+20"#,
            ])
    }

    @Test func registeringAgainReturnsTheSameMetric() {
        let registry = MetricsRegistry()
        let first = registry.counter("hits_total", help: "Hits.", labels: ["route"])
        let second = registry.counter("hits_total", help: "Hits.", labels: ["route"])
        first.increment(["/a"])
        second.increment(["/a"])
        #expect(first === second)
        #expect(first.value(["/a"]) == 2)
        #expect(
            Histogram.exponentialBuckets(start: 0.001, factor: 2, count: 4) == [0.001, 0.002, 0.004, 0.008])
    }

    @Test func gaugesGoBothWays() {
        let gauge = MetricsRegistry().gauge("running", help: "")
        gauge.increment(by: 5)
        gauge.decrement()
        #expect(gauge.value() == 4)
        gauge.set(-1.5)
        #expect(gauge.value() == -1.5)
    }

    @Test func concurrentUpdatesAreAllCounted() async {
        let registry = MetricsRegistry()
        let counter = registry.counter("c_total", help: "", labels: ["worker"])
        let histogram = registry.histogram("h", help: "", buckets: [0.5])
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for index in 0..<10_000 {
                        counter.increment([String(worker % 2)])
                        histogram.observe(Double(index % 2))
                        if index % 1000 == 0 { _ = registry.render() }
                    }
                }
            }
        }
        #expect(counter.value(["0"]) == 40_000)
        #expect(counter.value(["1"]) == 40_000)
        #expect(registry.render().contains("h_bucket{le=\"0.5\"} 40000\nh_bucket{le=\"+Inf\"} 80000\n"))
    }

    @Test func everyLineFollowsTheTextFormat() {
        let text = sampleRegistry().render()
        let help = #/# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*/#
        let type = #/# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram)/#
        let sample =
            #/[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*\})? (-?[0-9.e+-]+|[+-]Inf|NaN)/#
        #expect(text.hasSuffix("\n"))
        for line in text.split(separator: "\n") {
            let matches =
                line.wholeMatch(of: help) != nil || line.wholeMatch(of: type) != nil
                || line.wholeMatch(of: sample) != nil
            #expect(matches, "\(line)")
        }
    }

    @Test(.enabled(if: PrometheusParser.isAvailable, "needs python3 with prometheus_client"))
    func prometheusClientParsesTheText() throws {
        let parsed = try PrometheusParser.parse(sampleRegistry().render())
        #expect(
            parsed == [
                #"["counter", "spark_requests", "spark_requests_total", {"route": "/v1/completions", "status": "200"}, 3.0]"#,
                #"["counter", "spark_requests", "spark_requests_total", {"route": "weird \"value\"\\\nnext", "status": "500"}, 1.0]"#,
                #"["gauge", "spark_running", "spark_running", {}, 2.0]"#,
                #"["histogram", "spark_ttft_seconds", "spark_ttft_seconds_bucket", {"le": "0.05"}, 1.0]"#,
                #"["histogram", "spark_ttft_seconds", "spark_ttft_seconds_bucket", {"le": "0.1"}, 1.0]"#,
                #"["histogram", "spark_ttft_seconds", "spark_ttft_seconds_bucket", {"le": "+Inf"}, 2.0]"#,
                #"["histogram", "spark_ttft_seconds", "spark_ttft_seconds_sum", {}, 0.52]"#,
                #"["histogram", "spark_ttft_seconds", "spark_ttft_seconds_count", {}, 2.0]"#,
            ])
    }

    private func sampleRegistry() -> MetricsRegistry {
        let registry = MetricsRegistry()
        let requests = registry.counter("spark_requests_total", help: "Requests.", labels: ["route", "status"])
        requests.increment(["/v1/completions", "200"], by: 3)
        requests.increment(["weird \"value\"\\\nnext", "500"])
        registry.gauge("spark_running", help: "Running \"now\"\\.").set(2)
        let ttft = registry.histogram("spark_ttft_seconds", help: "Time to first token.", buckets: [0.05, 0.1])
        ttft.observe(0.02)
        ttft.observe(0.5)
        return registry
    }
}

/// Runs the text through `prometheus_client.parser.text_string_to_metric_families` and lists each
/// sample as a JSON array: type, family, sample name, labels, value.
enum PrometheusParser {
    static let isAvailable: Bool = (try? run(["-c", "import prometheus_client.parser"], input: "")) != nil

    static func parse(_ text: String) throws -> [String] {
        let script = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            for family in text_string_to_metric_families(sys.stdin.read()):
                for sample in family.samples:
                    record = [family.type, family.name, sample.name, sample.labels, float(sample.value)]
                    print(json.dumps(record, sort_keys=True))
            """
        return try run(["-c", script], input: text).split(separator: "\n").map(String.init)
    }

    private static func run(_ arguments: [String], input: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.executableLoad, userInfo: ["status": process.terminationStatus])
        }
        return String(decoding: output, as: UTF8.self)
    }
}
