#!/usr/bin/env python3
"""Golden replies of the shipped PRM-CoT, written by transformers, for DefaultModelTests.

    python3 scripts/make_shipped_model_golden.py

For the README's examples (a problem of the policy's world, a correct solution and one with the
generator's own slip at step 2), renders SPARK's PRM prompt as one user message through the model's
chat template, decodes greedily in float32 and writes Tests/Fixtures/shipped-model/replies.json with
the model's SHA-256 (what `cat config.json model.safetensors | sha256sum` prints), so that the tests
say when the model changed and this script must run again.
"""
import hashlib
import json
import os

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
MODEL = os.path.join(ROOT, "models", "spark-prm-cot")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "shipped-model", "replies.json")

PROBLEM = "Leo has 24 eggs. He collects 7 cartons with 8 eggs in each. How many eggs does Leo have now?"
SOLUTIONS = {
    "correct": ["7 cartons with 8 eggs each hold 7 × 8 = 56 eggs.",
                "Adding the eggs in the cartons, Leo has 24 + 56 = 80 eggs."],
    "wrong_step_2": ["7 cartons with 8 eggs each hold 7 × 8 = 56 eggs.",
                     "Adding the eggs in the cartons, Leo has 24 + 56 = 70 eggs."],
}


def prm_prompt(problem, steps):
    """SPARK's PRM prompt (SPARK-FORMATS.md §1) over `Step k:` lines, as /v1/verify writes them."""
    solution = "\n".join(f"Step {index + 1}: {step}" for index, step in enumerate(steps))
    return f"Problem: {problem}\n\nStudent Solution: {solution}\n\nLet's verify step by step."


def main():
    torch.set_num_threads(1)
    digest = hashlib.sha256()
    for name in ("config.json", "model.safetensors"):
        with open(os.path.join(MODEL, name), "rb") as file:
            digest.update(file.read())
    tokenizer = AutoTokenizer.from_pretrained(MODEL)
    model = AutoModelForCausalLM.from_pretrained(MODEL, dtype=torch.float32, attn_implementation="eager")
    model.eval()
    cases = []
    for name, steps in SOLUTIONS.items():
        prompt = prm_prompt(PROBLEM, steps)
        ids = tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], add_generation_prompt=True, return_tensors="pt",
            return_dict=True)["input_ids"]
        with torch.no_grad():
            output = model.generate(ids, do_sample=False, max_new_tokens=1000, eos_token_id=2, pad_token_id=0)
        reply_ids = output[0, ids.shape[1]:].tolist()
        if reply_ids and reply_ids[-1] == 2:
            reply_ids = reply_ids[:-1]
        cases.append({"name": name, "problem": PROBLEM, "steps": steps, "prompt": prompt,
                      "reply": tokenizer.decode(reply_ids)})
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as file:
        json.dump({"model_sha256": digest.hexdigest(), "versions": {"torch": torch.__version__,
                   "transformers": __import__("transformers").__version__}, "cases": cases},
                  file, ensure_ascii=False, indent=1)
        file.write("\n")
    for case in cases:
        print(case["name"], "→", case["reply"].splitlines()[-1])


if __name__ == "__main__":
    main()
