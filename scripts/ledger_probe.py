#!/usr/bin/env python3
"""Does a recipe checkpoint copy a digit it cannot work out again?

    python3 scripts/ledger_probe.py MODEL_DIR [--ledgers 40] [--seed 5]

Writes fresh copying ledgers in the recipe's format (Recipe.CopyingLedgers: numbered equations, two
results in three random, then some quoted by number as `## Step k: ...`), none of them in any
training text, teacher-forces the checkpoint (transformers) on them and prints the mean probability
of the quoted equations' digit tokens (the step numbers, which are drawn, left out) and how many got
less than 0.5. A model that copies gives nearly 1 to every one; one that does not, about a tenth.
"""

import argparse
import random

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from copy_tasks import true_equation


def equation(draw):
    left, operator, right, result = true_equation(draw)
    if draw.randint(0, 2) > 0:
        result = draw.randint(0, 99)
    return f"{left} {operator} {right} = {result}"


def ledger(draw):
    lines = [equation(draw) for _ in range(draw.randint(6, 12))]
    listed = "\n".join(f"Step {index + 1}: {line}" for index, line in enumerate(lines))
    quoted = []
    for _ in range(draw.randint(3, 6)):
        index = draw.randrange(len(lines))
        quoted.append(f"## Step {index + 1}: {lines[index]}")
    return "Ledger:\n" + listed + "\n\nQuoted:\n", "\n".join(quoted)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="a checkpoint folder")
    parser.add_argument("--ledgers", type=int, default=40)
    parser.add_argument("--seed", type=int, default=5)
    arguments = parser.parse_args()

    tokenizer = AutoTokenizer.from_pretrained(arguments.model)
    model = AutoModelForCausalLM.from_pretrained(arguments.model, dtype=torch.float32).eval()
    draw = random.Random(arguments.seed)
    probabilities = []
    for _ in range(arguments.ledgers):
        head, quoted = ledger(draw)
        ids = tokenizer(head + quoted, add_special_tokens=False)["input_ids"]
        start = len(tokenizer(head, add_special_tokens=False)["input_ids"])
        with torch.no_grad():
            predicted = model(torch.tensor([ids])).logits[0].softmax(-1)
        after_colon = False
        for position in range(start, len(ids)):
            text = tokenizer.decode([ids[position]])
            if "\n" in text:
                after_colon = False
            if ":" in text:
                after_colon = True
            elif after_colon and text.strip().isdigit():
                probabilities.append(predicted[position - 1, ids[position]].item())
    below = sum(probability < 0.5 for probability in probabilities)
    print(f"{arguments.model}: quoted ledger digit tokens {sum(probabilities) / len(probabilities):.3f} "
          f"(n={len(probabilities)}, {below} below 0.5)")


if __name__ == "__main__":
    main()
