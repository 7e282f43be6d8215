#!/usr/bin/env python3
"""Logits that Hugging Face transformers computes for checkpoints this project wrote.

Usage: python3 scripts/transformers_logits.py --ids 1,2,3 DIR [DIR ...]
Prints one JSON object: {DIR: [[logit, ...] per position], ...}. Each folder is loaded with
AutoModelForCausalLM.from_pretrained in float32 with eager attention, so a checkpoint that does not
open in transformers fails here, with transformers' own error. Used by the Swift tests
(TrainingTests/TransformersCheckpointTests); never needed at run time.
"""

import argparse
import json
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
import transformers  # noqa: E402

transformers.logging.set_verbosity_error()
torch.set_num_threads(1)

parser = argparse.ArgumentParser()
parser.add_argument("--ids", required=True, help="comma-separated token ids")
parser.add_argument("models", nargs="+")
arguments = parser.parse_args()
ids = torch.tensor([[int(x) for x in arguments.ids.split(",")]])
result = {}
for directory in arguments.models:
    model = transformers.AutoModelForCausalLM.from_pretrained(
        directory, dtype=torch.float32, attn_implementation="eager")
    model.eval()
    with torch.no_grad():
        result[directory] = model(ids, use_cache=False).logits[0].tolist()
print(json.dumps(result))
