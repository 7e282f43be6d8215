// One completion or chat request in flight: submits its prompts × n sequences to the scheduler,
// gathers their events, and answers once, as one JSON object or as a server-sent event stream. A
// client that disconnects cancels its sequences; a deadline that passes cancels the rest and answers
// 408; a scheduler that shuts down under it answers 503.
//
// Event callbacks run on the engine thread: they only append to this run's state and send small
// stream chunks; building the final response happens on another queue.

import Dispatch
import Engine
import HTTPServer
import JSON
import Scheduler
import Synchronization

final class GenerationRun: Sendable {
    enum Shape: Sendable {
        case completion(CompletionResponse)
        case chat(ChatCompletionResponse)
    }

    private struct Sample {
        var tokens: [SampledToken] = []
        var promptLogprobs: [SampledToken?]?
        var cachedPromptTokens = 0
        var result: SampleResult?
        var sentRole = false
    }

    private struct State {
        var samples: [Sample]
        var handles: [SequenceHandle] = []
        var remaining: Int
        var failure: APIError?
        var abandoned = false
        /// The event stream, once every sequence was accepted; chunks produced before that wait here.
        var stream: ResponseStream?
        var pending: [[UInt8]] = []
        /// Answered with a plain error: the request failed before its stream started.
        var answeredPlainly = false
    }

    private let shape: Shape
    private let spec: GenerationSpec
    private let model: ServedModel
    private let scheduler: Scheduler
    private let exchange: Exchange
    private let metrics: ServerMetrics
    private let state: Mutex<State>
    private let started = ContinuousClock.now
    private let deadline: RequestDeadline

    init(
        shape: Shape, spec: GenerationSpec, model: ServedModel, scheduler: Scheduler, exchange: Exchange,
        metrics: ServerMetrics, deadline: RequestDeadline
    ) {
        self.shape = shape
        self.spec = spec
        self.model = model
        self.scheduler = scheduler
        self.exchange = exchange
        self.metrics = metrics
        self.deadline = deadline
        let count = spec.prompts.count * spec.samplesPerPrompt
        state = Mutex(State(samples: Array(repeating: Sample(), count: count), remaining: count))
    }

    /// Submits every sequence; on a refusal, cancels what was submitted and answers with the reason.
    func start() {
        var handles: [SequenceHandle] = []
        for (promptIndex, prompt) in spec.prompts.enumerated() {
            for sampleIndex in 0..<spec.samplesPerPrompt {
                let index = promptIndex * spec.samplesPerPrompt + sampleIndex
                let request = SequenceRequest(
                    promptIds: prompt, sampling: spec.sampling(forSample: sampleIndex), deadline: deadline.instant,
                    promptLogprobs: spec.echo && spec.logprobs != nil ? spec.logprobs : nil)
                do {
                    handles.append(try scheduler.submit(request) { [self] event in receive(event, index: index) })
                } catch {
                    for handle in handles { scheduler.cancel(handle) }
                    let reason: APIError =
                        error == .shuttingDown
                        ? .unavailable("the server is shutting down; retry on another replica")
                        : .badRequest(error.description)
                    state.withLock { $0.failure = reason }
                    finish(failure: reason)
                    return
                }
            }
        }
        let submitted = handles
        state.withLock { state in
            state.handles = submitted
            // Headers go out only now, so that a refused submission can still answer with its status.
            if spec.stream && !state.answeredPlainly { startStream(&state) }
        }
        exchange.onDisconnect { [self] in
            state.withLock { $0.abandoned = true }
            for handle in submitted { scheduler.cancel(handle) }
        }
    }

    private func receive(_ event: SequenceEvent, index: Int) {
        let promptIndex = index / spec.samplesPerPrompt
        let sampleIndex = index % spec.samplesPerPrompt
        switch event {
        case .admitted(let cached):
            state.withLock { $0.samples[index].cachedPromptTokens = cached }
            if spec.echo, case .completion(let response) = shape {
                let text = model.tokenizer.decode(spec.prompts[promptIndex])
                send(response.chunk(index: index, text: text, token: nil, finish: nil, wantsLogprobs: false))
            }
        case .promptLogprobs(let entries):
            state.withLock { state in
                state.samples[index].promptLogprobs = entries.map { entry in
                    entry.map { SampledToken(token: $0.token, logprob: $0.logprob, topLogprobs: $0.topLogprobs) }
                }
            }
        case .promptLogits:
            break
        case .token(let output):
            let token = SampledToken(token: output.token, logprob: output.logprob, topLogprobs: output.topLogprobs)
            let firstForChoice = state.withLock { state in
                state.samples[index].tokens.append(token)
                defer { state.samples[index].sentRole = true }
                return !state.samples[index].sentRole
            }
            guard spec.stream, !output.text.isEmpty || spec.logprobs != nil else { return }
            switch shape {
            case .completion(let response):
                send(
                    response.chunk(
                        index: index, text: output.text, token: token, finish: nil, wantsLogprobs: spec.logprobs != nil)
                )
            case .chat(let response):
                send(
                    response.chunk(
                        index: sampleIndex, role: firstForChoice, text: output.text, token: token, finish: nil,
                        wantsLogprobs: spec.logprobs != nil))
            }
        case .finished(let summary):
            finishSample(summary, index: index, promptIndex: promptIndex, sampleIndex: sampleIndex)
        }
    }

    private func finishSample(_ summary: SequenceSummary, index: Int, promptIndex: Int, sampleIndex: Int) {
        metrics.observe(summary.timestamps)
        var failure: APIError?
        switch summary.reason {
        case .stop, .length: break
        case .timeout: failure = .timeout(deadline.seconds)
        case .cancelled: failure = .unavailable("the request was cancelled: the server is shutting down")
        }
        let stopString = summary.reason == .stop ? matchedStopString(summary) : nil
        var text = summary.completion
        if spec.includeStopString, let stopString { text += stopString }
        let (result, wasFirst, done, alreadyFailed) = state.withLock { state in
            let sample = state.samples[index]
            let result = SampleResult(
                promptIndex: promptIndex, sampleIndex: sampleIndex, text: text, tokens: sample.tokens,
                finishReason: summary.reason, stopString: stopString, promptLogprobs: sample.promptLogprobs,
                promptTokenCount: summary.usage.promptTokens, cachedPromptTokens: summary.usage.cachedPromptTokens)
            state.samples[index].result = result
            let alreadyFailed = state.failure != nil
            if failure != nil && !alreadyFailed { state.failure = failure }
            state.remaining -= 1
            return (result, !alreadyFailed && failure != nil, state.remaining == 0, alreadyFailed)
        }
        if wasFirst {
            // The request fails as a whole: stop spending the engine on its other sequences.
            for handle in state.withLock({ $0.handles }) { scheduler.cancel(handle) }
        }
        if spec.stream && failure == nil && !alreadyFailed {
            let tail = spec.includeStopString ? (stopString ?? "") : ""
            switch shape {
            case .completion(let response):
                send(response.chunk(index: index, text: tail, token: nil, finish: result, wantsLogprobs: false))
            case .chat(let response):
                send(
                    response.chunk(
                        index: sampleIndex, role: false, text: tail.isEmpty ? nil : tail, token: nil, finish: result,
                        wantsLogprobs: false))
            }
        }
        if done {
            let failure = state.withLock { $0.failure }
            DispatchQueue.global().async { [self] in finish(failure: failure) }
        }
    }

    /// Answers the request once every sequence has finished (or the submission failed).
    private func finish(failure: APIError?) {
        let (samples, abandoned, stream) = state.withLock { state in
            if spec.stream && state.stream == nil {
                if failure == nil { startStream(&state) } else { state.answeredPlainly = true }
            }
            return (state.samples, state.abandoned, state.stream)
        }
        let results = samples.compactMap(\.result)
        let usage = Usage(results)
        let note = "prompt=\(usage.promptTokens) cached=\(usage.cachedTokens) completion=\(usage.completionTokens)"
        metrics.latencySeconds.observe(seconds(started, .now))
        if let stream {
            if let failure, !abandoned {
                send(failure.json)
            } else if spec.includeUsageInStream {
                switch shape {
                case .completion(let response): send(response.usageChunk(usage))
                case .chat(let response): send(response.usageChunk(usage))
                }
            }
            stream.send(Array("data: [DONE]\n\n".utf8))
            exchange.finishStream(stream, note: failure.map { $0.message } ?? note)
            return
        }
        if let failure {
            exchange.fail(failure)
            return
        }
        switch shape {
        case .completion(let response):
            exchange.respond(
                response.body(results: results, spec: spec, prompts: spec.prompts), status: 200, headers: [], note: note
            )
        case .chat(let response):
            exchange.respond(response.body(results: results, spec: spec), status: 200, headers: [], note: note)
        }
    }

    private func startStream(_ state: inout State) {
        guard state.stream == nil else { return }
        let stream = exchange.startEventStream()
        for chunk in state.pending { stream.send(chunk) }
        state.pending = []
        state.stream = stream
    }

    private func send(_ chunk: JSONValue) {
        let bytes = Array("data: \(chunk.serialized)\n\n".utf8)
        state.withLock { state in
            if let stream = state.stream { stream.send(bytes) } else { state.pending.append(bytes) }
        }
    }

    /// The stop string that ended a sequence: the one the decoded tokens continue with after the text.
    private func matchedStopString(_ summary: SequenceSummary) -> String? {
        guard !spec.sampling.stopStrings.isEmpty else { return nil }
        let full = Array(model.tokenizer.decode(summary.completionIds, skipSpecialTokens: true).utf8)
        let prefix = summary.completion.utf8.count
        guard prefix <= full.count else { return nil }
        let rest = full[prefix...]
        return spec.sampling.stopStrings.filter { rest.starts(with: $0.utf8) }.max { $0.utf8.count < $1.utf8.count }
    }
}
