#!/usr/bin/env python3
"""Reference for GRPOObjective: verl's policy loss (dual clip, clip_ratio_c = 3) and low_var_kl KL
loss, token-mean aggregated, written in torch from verl's core_algos formulas, with the gradient
with respect to each token's log-probability from autograd. Tokens are drawn to reach every branch:
inside and outside the clip range on both sides, negative advantages under the dual clip, and KL
values beyond the clamp. Writes grpo_objective.json next to this script.

Run: python3 Tests/RLTests/make_grpo_fixtures.py (needs torch).
"""

import json
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def reference(log_prob, old_log_prob, ref_log_prob, advantages, clip=0.2, clip_c=3.0, kl_coef=0.001):
    ratio = torch.exp(log_prob - old_log_prob)
    pg_losses1 = -advantages * ratio
    pg_losses2 = -advantages * torch.clamp(ratio, 1 - clip, 1 + clip)
    clip_pg_losses1 = torch.maximum(pg_losses1, pg_losses2)
    pg_losses3 = -advantages * clip_c
    clip_pg_losses2 = torch.min(pg_losses3, clip_pg_losses1)
    pg_losses = torch.where(advantages < 0, clip_pg_losses2, clip_pg_losses1)
    kl = ref_log_prob - log_prob
    kld = torch.clamp(torch.exp(kl) - kl - 1, min=-10, max=10)
    return pg_losses.mean() + kl_coef * kld.mean(), pg_losses.mean(), kld.mean()


def main():
    generator = torch.Generator().manual_seed(7)
    count = 64
    old = -torch.rand(count, generator=generator, dtype=torch.float64) * 4
    # Ratios from 0.3 to 4: inside the clip range and beyond it on both sides.
    log_ratio = (torch.rand(count, generator=generator, dtype=torch.float64) * 2.6 - 1.2)
    log_prob = (old + log_ratio).requires_grad_()
    # Reference log-probabilities near the policy's, and a few far enough for the KL clamp.
    ref = old + torch.randn(count, generator=generator, dtype=torch.float64) * 0.5
    ref[::9] = log_prob.detach()[::9] + 3.5
    advantages = torch.randn(count, generator=generator, dtype=torch.float64) * 1.5
    advantages[::11] = 0
    loss, policy, kl = reference(log_prob, old, ref, advantages)
    loss.backward()
    document = {
        "log_prob": log_prob.detach().tolist(), "old_log_prob": old.tolist(), "ref_log_prob": ref.tolist(),
        "advantages": advantages.tolist(), "loss": loss.item(), "policy_loss": policy.item(),
        "mean_kl": kl.item(), "gradients": log_prob.grad.tolist(),
    }
    with open(os.path.join(HERE, "grpo_objective.json"), "w") as file:
        json.dump(document, file, indent=1)


if __name__ == "__main__":
    main()
