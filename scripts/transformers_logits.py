#!/usr/bin/env python3
"""Logits that Hugging Face transformers computes for checkpoints this project wrote.

Usage: python3 scripts/transformers_logits.py --ids 1,2,3 [--text TEXT] DIR [DIR ...]
Prints one JSON object: {DIR: {"logits": [[logit, ...] per position], "text_ids": [...] or null}}.
Each folder is loaded with AutoModelForCausalLM.from_pretrained in float32 with eager attention, and,
when it has a tokenizer.json, with AutoTokenizer, which encodes TEXT; a checkpoint that does not open
in transformers fails here, with transformers' own error. Used by the Swift tests
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
parser.add_argument("--text", default="", help="text the checkpoint's tokenizer encodes")
parser.add_argument("models", nargs="+")
arguments = parser.parse_args()
ids = torch.tensor([[int(x) for x in arguments.ids.split(",")]])
result = {}
for directory in arguments.models:
    model = transformers.AutoModelForCausalLM.from_pretrained(
        directory, dtype=torch.float32, attn_implementation="eager")
    model.eval()
    with torch.no_grad():
        logits = model(ids, use_cache=False).logits[0].tolist()
    text_ids = None
    if os.path.exists(os.path.join(directory, "tokenizer.json")):
        tokenizer = transformers.AutoTokenizer.from_pretrained(directory)
        text_ids = tokenizer(arguments.text, add_special_tokens=False)["input_ids"]
    result[directory] = {"logits": logits, "text_ids": text_ids}
print(json.dumps(result))
