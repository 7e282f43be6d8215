// One sequence as the engine thread sees it. As in vLLM there are no prefill and decode phases, only
// the sequence's tokens (prompt, then generated) and how many of them are in the KV cache: a step
// computes the next tokens up to the last, whose logits give the next token. A preempted sequence
// forgets its blocks and computes all its tokens again later; its completion (and so its sampler's
// random stream) carries on where it was.

import Engine
import Model

final class SequenceState {
    let handle: SequenceHandle
    let request: SequenceRequest
    let onEvent: @Sendable (SequenceEvent) -> Void
    var completion: Completion
    /// Prompt then generated tokens.
    private(set) var tokens: [Int32]
    /// Tokens whose keys and values are in `blockTable`'s blocks.
    var computed = 0
    var blockTable: [Int32] = []
    /// The prefix-cache serial of each leading full block of `blockTable` already registered or found.
    var blockSerials: [UInt64] = []
    /// In the running set (admitted and not preempted or finished).
    var isRunning = false
    var cachedPromptTokens: Int?
    var timestamps: SequenceTimestamps
    private var promptLogprobs: [PromptLogprob?] = []
    private var promptLogits: [Float] = []
    /// Whether prompt log-probabilities or logits have been collected and sent (or were never asked).
    private(set) var promptOutputSent: Bool

    init(
        handle: SequenceHandle, request: SequenceRequest, tokenizer: Tokenizer?, queued: ContinuousClock.Instant,
        onEvent: @escaping @Sendable (SequenceEvent) -> Void
    ) {
        self.handle = handle
        self.request = request
        self.onEvent = onEvent
        completion = Completion(sampling: request.sampling, tokenizer: tokenizer, probes: request.verdictProbes)
        tokens = request.promptIds
        timestamps = SequenceTimestamps(queued: queued, admitted: nil, firstToken: nil, finished: queued)
        promptOutputSent = !request.needsPromptOutput
    }

    var promptCount: Int { request.promptIds.count }
    var remaining: Int { tokens.count - computed }
    /// Whether one token, the last sampled, is all there is to compute.
    var isDecoding: Bool { remaining == 1 && computed >= promptCount }

    /// Tokens whose KV may come from the prefix cache: whole blocks, never the last token, whose
    /// logits are needed; none when the prompt's own logits are asked for.
    func cacheableBlocks(blockSize: Int) -> Int {
        promptOutputSent ? (tokens.count - 1) / blockSize : 0
    }

    func logitsSelection(chunkTokens: Int) -> LogitsSelection {
        if !promptOutputSent { return .all }
        return computed + chunkTokens == tokens.count ? .last : .none
    }

    func accept(_ token: Int32) { tokens.append(token) }

    /// Forgets the KV state after preemption; prompt output collected so far is computed again.
    func resetComputation() {
        computed = 0
        blockTable = []
        blockSerials = []
        if !promptOutputSent {
            promptLogprobs = []
            promptLogits = []
        }
    }

    /// Collects prompt output from the logits rows of positions `start ..< start + rows.count`.
    func collectPromptOutput(_ logits: Logits, rows: Range<Int>, start: Int) {
        for (offset, row) in rows.enumerated() where start + offset < promptCount {
            let values = logits.row(row)
            if request.promptLogits { promptLogits += values }
            guard let top = request.promptLogprobs else { continue }
            if start + offset == 0 { promptLogprobs.append(nil) }
            let next = start + offset + 1
            guard next < promptCount else { continue }
            let normalizer = Sampler.logSumExp(values)
            let token = request.promptIds[next]
            let alternatives = top > 0 ? Sampler.largest(values, count: top) : []
            promptLogprobs.append(
                PromptLogprob(
                    token: token, logprob: values[Int(token)] - normalizer,
                    topLogprobs: alternatives.map { TokenLogprob(token: $0, logprob: values[Int($0)] - normalizer) }))
        }
    }

    /// Sends the collected prompt output once the whole prompt is computed.
    func sendPromptOutputIfComplete() {
        guard !promptOutputSent, computed >= promptCount else { return }
        if request.promptLogprobs != nil { onEvent(.promptLogprobs(promptLogprobs)) }
        if request.promptLogits { onEvent(.promptLogits(promptLogits)) }
        promptLogprobs = []
        promptLogits = []
        promptOutputSent = true
    }

    func summary() -> SequenceSummary {
        SequenceSummary(
            reason: completion.finishReason!, completion: completion.completionText, completionIds: completion.ids,
            usage: SequenceUsage(
                promptTokens: promptCount, completionTokens: completion.ids.count,
                cachedPromptTokens: cachedPromptTokens ?? 0),
            timestamps: timestamps)
    }
}
