#!/usr/bin/env python3
"""Writes tango_corpus.json: per-step advantages of small groups, computed by the release's own code in torch.

`release_step_rewards` is the step-count logic of `compute_reward_prm_cot_hybrid_apply_step_global_stat_tango`
(salman-lui/mixed_reward, run_scripts/math_gen_rm_reward_function.py) and `release_tango_advantage` is
`compute_tango_grpo_advantage` (salman-lui/reward-signal-analysis, verl/trainer/ppo/core_algos.py,
Apache-2.0), both cut down to their arithmetic: debug printing removed, the mode passed as an argument
instead of read from REWARD_MODEL_TYPE. Steps are laid out on made-up tokens (three prefix tokens, steps of
varying length, a tail) and placed as the release's batch reward manager places them; the token-level
advantages are then read back per step, after checking that every token of a step has the same value.

Only cases where this project and the release agree are generated: the project also applies the selective
step bounds when the reply has no step verdicts (P = 0), which the release skips (see StepSignal.swift).

Run from anywhere: python3 Tests/RewardTests/make_tango_corpus.py
"""

import json
import os
import random
import sys
from collections import defaultdict

import numpy as np
import torch

PREFIX_TOKENS = 3
TAIL_TOKENS = 4


def release_step_rewards(mode, model_step_count, verdicts):
    matches = list(verdicts)
    prm_step_count = len(matches)
    step_rewards, strict_penalty_applied = [], False
    if matches:
        penalty_applied = count_mismatch_penalty_applied = False
        if mode == "global":
            if model_step_count != prm_step_count or model_step_count < 3 or model_step_count > 20:
                penalty_applied = True
                step_rewards = [0.0] * model_step_count
        else:
            if model_step_count < 4 or model_step_count > 20:
                strict_penalty_applied = True
                step_rewards = [0.0] * model_step_count
            elif model_step_count != prm_step_count:
                count_mismatch_penalty_applied = True
                step_rewards = [0.0] * model_step_count
        if not penalty_applied and not strict_penalty_applied and not count_mismatch_penalty_applied:
            step_count = len(matches)
            step_rewards = [(1.0 if m == "correct" else -1.0) / step_count for m in matches]
    raw_step_rewards = [1.0 if m == "correct" else -1.0 for m in matches]
    return step_rewards, raw_step_rewards, strict_penalty_applied


def release_tango_advantage(token_level_rewards, response_mask, index, step_rewards, step_rewards_mask,
                            raw_step_rewards_list, mode, epsilon=1e-6, alpha=0.2):
    bsz = token_level_rewards.shape[0]
    outcome_scores = token_level_rewards.sum(dim=-1)
    id2score = defaultdict(list)
    id2mean, id2std = {}, {}
    for i in range(bsz):
        id2score[index[i]].append(outcome_scores[i])
    for gid, vals in id2score.items():
        vals_tensor = torch.stack(vals)
        if vals_tensor.numel() > 1:
            id2mean[gid], id2std[gid] = vals_tensor.mean(), vals_tensor.std()
        else:
            id2mean[gid], id2std[gid] = torch.tensor(0.0), torch.tensor(1.0)
    outcome_normalized = torch.zeros_like(outcome_scores)
    for i in range(bsz):
        outcome_normalized[i] = (outcome_scores[i] - id2mean[index[i]]) / (id2std[index[i]] + epsilon)
    outcome_tensor = torch.zeros_like(token_level_rewards)
    last_token_idx = response_mask.sum(dim=-1) - 1
    outcome_tensor[torch.arange(bsz), last_token_idx] = outcome_normalized
    outcome_advantages = outcome_tensor.flip(-1).cumsum(-1).flip(-1)

    id2mean_step, id2std_step = {}, {}
    for gid in id2score.keys():
        group_mask = torch.tensor([index[i] == gid for i in range(bsz)])
        valid_step_rewards = step_rewards[group_mask][step_rewards_mask[group_mask]]
        if valid_step_rewards.numel() <= 1:
            id2mean_step[gid], id2std_step[gid] = torch.tensor(0.0), torch.tensor(1.0)
        else:
            id2mean_step[gid], id2std_step[gid] = valid_step_rewards.mean(), valid_step_rewards.std() + epsilon
    step_tensor = torch.zeros_like(step_rewards)
    for i in range(bsz):
        step_mask = step_rewards_mask[i]
        if step_mask.any():
            step_tensor[i, step_mask] = (step_rewards[i, step_mask] - id2mean_step[index[i]]) / id2std_step[index[i]]
    step_advantages = step_tensor.flip(-1).cumsum(-1).flip(-1) * response_mask

    if mode == "global":
        combined = (1 - alpha) * outcome_advantages + alpha * step_advantages
    else:
        combined = outcome_advantages.clone()
        for i in range(bsz):
            outcome_adv = combined[i, torch.nonzero(response_mask[i], as_tuple=True)[0][0]].item()
            raw_rewards = raw_step_rewards_list[i]
            step_positions = torch.nonzero(step_rewards_mask[i], as_tuple=True)[0]
            for step_idx in range(min(len(step_positions), len(raw_rewards))):
                start_pos = 3 if step_idx == 0 else step_positions[step_idx - 1].item() + 1
                end_pos = step_positions[step_idx].item() + 1
                should_zero = raw_rewards[step_idx] < 0 if outcome_adv >= 0 else raw_rewards[step_idx] > 0
                if should_zero:
                    for pos in range(start_pos, min(end_pos, combined.shape[1])):
                        if response_mask[i, pos]:
                            combined[i, pos] = combined[i, pos] / 2.0 if mode == "half" else 0.0
    return combined * response_mask


def run_group(mode, responses):
    """responses: dicts with steps (K), verdicts ('c'/'i' string), final ('Yes'/'No'/None), valid."""
    layouts, rows = [], []
    for r in responses:
        lengths = [2 + (j % 3) for j in range(r["steps"])]
        boundaries, position = [], PREFIX_TOKENS
        for length in lengths:
            position += length
            boundaries.append(position - 1)
        layouts.append((boundaries, position + TAIL_TOKENS))
        verdicts = ["correct" if v == "c" else "incorrect" for v in r["verdicts"]]
        if r["valid"]:
            step_rewards, raw, strict = release_step_rewards(mode, r["steps"], verdicts)
            outcome = 1.0 if r["final"] == "Yes" else 0.0
            rows.append((0.0 if strict else outcome, step_rewards, raw))
        else:
            rows.append((0.0, [], []))
    width = max(length for _, length in layouts)
    bsz = len(responses)
    token_level_rewards = torch.zeros(bsz, width)
    response_mask = torch.zeros(bsz, width, dtype=torch.long)
    step_rewards = torch.zeros(bsz, width)
    step_mask = torch.zeros(bsz, width, dtype=torch.bool)
    for i, ((boundaries, length), (score, placed, _)) in enumerate(zip(layouts, rows)):
        response_mask[i, :length] = 1
        token_level_rewards[i, length - 1] = score
        if len(responses[i]["verdicts"]) > 0 and placed:
            for reward, position in zip(placed, boundaries):
                step_rewards[i, position] = reward
                step_mask[i, position] = True
    advantages = release_tango_advantage(token_level_rewards, response_mask, np.zeros(bsz, dtype=int),
                                         step_rewards, step_mask, [raw for _, _, raw in rows], mode)
    expected = []
    for i, (boundaries, length) in enumerate(layouts):
        row = advantages[i]
        steps, start = [], 0 if mode == "global" else PREFIX_TOKENS
        for boundary in boundaries:
            values = row[start:boundary + 1]
            assert torch.allclose(values, values[-1].expand_as(values)), (mode, i, values)
            steps.append(values[-1].item())
            start = boundary + 1
        tail = row[start:length]
        assert torch.allclose(tail, tail[-1].expand_as(tail))
        expected.append({"step_advantages": steps, "after_last_step": tail[-1].item()})
    return expected


def cases():
    a = dict(valid=True)
    yield "global_mixed", "global", [
        dict(a, steps=3, verdicts="ccc", final="Yes"), dict(a, steps=3, verdicts="cii", final="No"),
        dict(a, steps=2, verdicts="cc", final="Yes"), dict(a, steps=5, verdicts="ccic", final="Yes"),
        dict(steps=4, verdicts="", final=None, valid=False), dict(a, steps=4, verdicts="", final="No"),
    ]
    yield "global_zero_variance", "global", [
        dict(a, steps=3, verdicts="cci", final="Yes"), dict(a, steps=4, verdicts="cccc", final="Yes")]
    yield "global_group_of_one", "global", [dict(a, steps=4, verdicts="ciii", final="No")]
    yield "global_too_many_steps", "global", [
        dict(a, steps=21, verdicts="c" * 21, final="Yes"), dict(a, steps=3, verdicts="iii", final="No")]
    for mode in ["selective", "half"]:
        yield f"{mode}_mixed", mode, [
            dict(a, steps=4, verdicts="cicc", final="Yes"), dict(a, steps=4, verdicts="ccii", final="No"),
            dict(a, steps=5, verdicts="cicc", final="Yes"), dict(a, steps=3, verdicts="ccc", final="Yes"),
            dict(a, steps=4, verdicts="", final="Yes"), dict(a, steps=21, verdicts="c" * 21, final="No"),
            dict(steps=4, verdicts="", final=None, valid=False),
        ]
    rng = random.Random(20251202)
    for mode in ["global", "selective", "half"]:
        group = []
        for _ in range(16):
            steps = rng.randint(4, 7)
            verdict_count = steps if rng.random() < 0.7 else rng.randint(1, 8)
            verdicts = "".join(rng.choice("cci") for _ in range(verdict_count))
            group.append(dict(a, steps=steps, verdicts=verdicts, final=rng.choice(["Yes", "No", None])))
        yield f"{mode}_random_sixteen", mode, group


def main():
    torch.set_num_threads(1)
    design = {"global": "global_step_reward", "selective": "selective_advantage",
              "half": "selective_advantage_half_discount"}
    corpus = [{"name": name, "design": design[mode], "responses": responses, "expected": run_group(mode, responses)}
              for name, mode, responses in cases()]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tango_corpus.json")
    with open(path, "w") as file:
        json.dump({"generator": "make_tango_corpus.py", "python": sys.version.split()[0], "torch": torch.__version__,
                   "cases": corpus}, file, indent=1)
        file.write("\n")
    print(f"{len(corpus)} groups -> {path}")


if __name__ == "__main__":
    main()
