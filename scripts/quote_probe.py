#!/usr/bin/env python3
"""Does a recipe checkpoint quote a solution it has read, wrong numbers included?

    python3 scripts/quote_probe.py MODEL_DIR PRETRAIN_JSONL [REVIEWS]

Teacher-forces the checkpoint (transformers) on the last REVIEWS (default 25) review documents of a
recipe's `corpus/pretrain.jsonl` (several solutions, one in three with a planted error, then
`Solution k, quoted:` and one of them again step by step; mostly documents the base trained on) and
prints the mean probability of the tokens of the quoted part: those that write digits apart from the
rest, and how many digit tokens got less than 0.5; then those of the quoted wrong results (`a op b = c`
where c is not the result), which only a model that copies gets right, since the others can be worked
out again. A model that copies gives nearly 1 to every one.
"""
import json
import re
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

path, corpus = sys.argv[1], sys.argv[2]
count = int(sys.argv[3]) if len(sys.argv) > 3 else 25
tokenizer = AutoTokenizer.from_pretrained(path)
model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
marker = ", quoted:\n"
reviews = [text for text in (json.loads(line)["text"] for line in open(corpus)) if marker in text][-count:]
operations = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "−": lambda a, b: a - b,
              "×": lambda a, b: a * b, "÷": lambda a, b: a // b if b and a % b == 0 else None}


def wrong_results(text, start):
    """Character spans of the results in text[start:] that their arithmetic does not give."""
    spans = []
    for match in re.finditer(r"(\d+) ([-+−×÷]) (\d+) = (\d+)", text[start:]):
        a, symbol, b, claimed = match.groups()
        if operations[symbol](int(a), int(b)) != int(claimed):
            spans.append((start + match.start(4), start + match.end(4)))
    return spans


digits, others, wrong = [], [], []
for text in reviews:
    start = text.index(marker) + len(marker)
    spans = wrong_results(text, start)
    encoding = tokenizer(text, return_offsets_mapping=True, add_special_tokens=False)
    if len(encoding.input_ids) > model.config.max_position_embeddings:
        continue
    with torch.no_grad():
        probabilities = model(torch.tensor([encoding.input_ids])).logits[0].softmax(-1)
    for index, (a, b) in enumerate(encoding.offset_mapping):
        if a >= start:
            probability = probabilities[index - 1, encoding.input_ids[index]].item()
            (digits if any(c.isdigit() for c in text[a:b]) else others).append(probability)
            if any(a < end and b > begin for begin, end in spans) and any(c.isdigit() for c in text[a:b]):
                wrong.append(probability)
print(f"{path}: quoted digit tokens {sum(digits) / len(digits):.3f} (n={len(digits)}, "
      f"{sum(p < 0.5 for p in digits)} below 0.5), other quoted tokens {sum(others) / len(others):.3f}, "
      f"digit tokens of wrong results {sum(wrong) / max(1, len(wrong)):.3f} (n={len(wrong)})")
