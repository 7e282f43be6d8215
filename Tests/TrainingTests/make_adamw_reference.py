#!/usr/bin/env python3
"""Reference numbers for AdamWTests: torch's clip_grad_norm_ and AdamW on the parameters of a tiny
Qwen2ForCausalLM (untied, so lm_head is decayed and the embedding is not), over four steps with
random gradients (large enough that clipping acts on some steps) and a changing learning rate.

Writes adamw_reference.json beside this script. Run: python3 Tests/TrainingTests/make_adamw_reference.py
Used to generate the fixture only; the Swift tests read the JSON.
"""

import json
from pathlib import Path

import torch
from transformers import Qwen2Config, Qwen2ForCausalLM

torch.manual_seed(0)
torch.set_num_threads(1)
config = Qwen2Config(
    hidden_size=8, num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=1, intermediate_size=12,
    vocab_size=16, tie_word_embeddings=False)
model = Qwen2ForCausalLM(config)
named = list(model.named_parameters())
for _, parameter in named:
    torch.nn.init.uniform_(parameter.data, -0.5, 0.5)

settings = {"beta1": 0.9, "beta2": 0.95, "epsilon": 1e-8, "weight_decay": 0.1, "maximum_norm": 1.0}
decayed = [p for n, p in named if p.dim() == 2 and n != "model.embed_tokens.weight"]
others = [p for n, p in named if not (p.dim() == 2 and n != "model.embed_tokens.weight")]
optimizer = torch.optim.AdamW(
    [{"params": decayed, "weight_decay": settings["weight_decay"]}, {"params": others, "weight_decay": 0.0}],
    lr=1e-3, betas=(settings["beta1"], settings["beta2"]), eps=settings["epsilon"], foreach=False)


def values(tensor):
    return [float(x) for x in tensor.detach().reshape(-1).tolist()]


reference = {
    "config": {"hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1,
               "intermediate_size": 12, "vocab_size": 16, "tie_word_embeddings": False},
    "settings": settings,
    "initial": {n: values(p) for n, p in named},
    "steps": [],
}
for step, (learning_rate, gradient_scale) in enumerate([(1e-2, 0.05), (3e-2, 1.0), (2e-2, 0.02), (5e-3, 3.0)]):
    gradients = {n: torch.randn_like(p) * gradient_scale for n, p in named}
    for n, p in named:
        p.grad = gradients[n].clone()
    norm = torch.nn.utils.clip_grad_norm_([p for _, p in named], settings["maximum_norm"])
    for group in optimizer.param_groups:
        group["lr"] = learning_rate
    optimizer.step()
    reference["steps"].append({
        "learning_rate": learning_rate,
        "gradients": {n: values(g) for n, g in gradients.items()},
        "norm": float(norm),
        "parameters": {n: values(p) for n, p in named},
    })

(Path(__file__).resolve().parent / "adamw_reference.json").write_text(json.dumps(reference) + "\n")
