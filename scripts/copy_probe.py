#!/usr/bin/env python3
"""Does a recipe verifier read the student's numbers where it quotes them, and compute where it recomputes?

    python3 scripts/copy_probe.py RUN_DIR [--model verifier] [--rows 30]

Teacher-forced with transformers on the verifier's own SFT rows (RUN_DIR/corpus/verifier.jsonl) whose
teacher verification recomputes a step to another value than the student wrote: at the quoted result
of the first such step, the probability of the student's first digit (what the quote must copy) and of
the right one (what solving again gives), where the two differ; then the same two at the first digit of
its recomputation, and at the claim copied beside the result (`so 34. The step has 36`). A verifier
that reads puts its mass on the student's digit in the quote and the copied claim, and on the right one
in the recomputation; one that solves again puts it on the right digit in both, and one that
only copies on the student's in both: either has nothing to flag. Then, on rows where the computation
the problem calls for is not the student's (`74 - 40 = 34` worked as `The problem calls for 76 minus
40:`), the same two at the first digit where the two differ, where the right one must win. Prints the
means and one pair per row.
"""

import argparse
import json
import os
import re

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

WRONG_STEP = re.compile(
    r"## Step \d+: [^\n]*?= (\d+)[^\n]*\n(?:The problem calls for|Recomputing:) [^\n]*? so (\d+)(?: remainder \d+)?\. "
    r"The step has (\d+): [^\n]*?; it does not match")
# A step's equation in symbols, and the computation the problem calls for there, in words.
PLANNED_STEP = re.compile(r"## Step \d+: [^\n]*?(\d+(?: [-+×÷] \d+)+) = \d+[^\n]*\nThe problem calls for ([^:\n]+):")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", help="a spark-train recipe run folder")
    parser.add_argument("--model", default="verifier", help="the checkpoint folder inside the run")
    parser.add_argument("--rows", type=int, default=30, help="rows to probe, from the end of the file")
    arguments = parser.parse_args()

    directory = os.path.join(arguments.run, arguments.model)
    tokenizer = AutoTokenizer.from_pretrained(directory)
    model = AutoModelForCausalLM.from_pretrained(directory, dtype=torch.float32).eval()
    rows = [json.loads(line) for line in open(os.path.join(arguments.run, "corpus", "verifier.jsonl"))]
    rows = [
        row for row in rows
        if row["prompt"].startswith("You are a math teacher") and "Expected Answer" not in row["prompt"]
        and "; it does not match." in row["completion"]
    ][-arguments.rows:]

    quotes, recomputations, claims, number_checks = [], [], [], []
    for row in rows:
        text = tokenizer.apply_chat_template(
            [{"role": "user", "content": row["prompt"]}], tokenize=False, add_generation_prompt=True)
        before = lambda end: text + row["completion"][:end]
        for step in PLANNED_STEP.finditer(row["completion"]):
            written = list(re.finditer(r"\d+", step.group(1)))
            planned = list(re.finditer(r"\d+", step.group(2)))
            pair = next(((w.group(), p) for w, p in zip(written, planned) if w.group() != p.group()), None)
            if len(written) != len(planned) or pair is None:
                continue
            student, number = pair
            differ = next((i for i, (a, b) in enumerate(zip(number.group(), student)) if a != b), None)
            if differ is not None:
                number_checks.append(first_digit_probabilities(
                    model, tokenizer, before(step.start(2) + number.start() + differ), student[differ],
                    number.group()[differ]))
            break
        match = WRONG_STEP.search(row["completion"])
        if match is None:
            continue
        right, student = match.group(2), match.group(3)
        if right[0] == student[0]:
            continue
        quotes.append(first_digit_probabilities(model, tokenizer, before(match.start(1)), student, right))
        recomputations.append(first_digit_probabilities(model, tokenizer, before(match.start(2)), student, right))
        claims.append(first_digit_probabilities(model, tokenizer, before(match.start(3)), student, right))

    if not quotes:
        raise SystemExit("no row recomputes a step to a value whose first digit differs from the student's")
    checks = [("quote", quotes), ("recomputation", recomputations), ("claim beside the result", claims),
              ("check of the numbers", number_checks)]
    for name, pairs in checks:
        if not pairs:
            continue
        student_mean = sum(p for p, _ in pairs) / len(pairs)
        right_mean = sum(q for _, q in pairs) / len(pairs)
        print(f"{name}, {len(pairs)} rows: student's digit {student_mean:.3f}, right digit {right_mean:.3f}")
        print(" ".join(f"{p:.2f}/{q:.2f}" for p, q in pairs))


def first_digit_probabilities(model, tokenizer, prefix, student, right):
    """The probabilities of the student's first digit and of the right one after `prefix`: of every
    token that writes the digit (with the space before it, where the tokenizer joins the two)."""
    return digit_probability(model, tokenizer, prefix, student[0]), digit_probability(model, tokenizer, prefix, right[0])


def digit_probability(model, tokenizer, prefix, digit):
    """The product of the probabilities of the tokens that `prefix + digit` has beyond the tokens it
    shares with `prefix`: one token with Qwen2's split, or the space and digit token ` 3` with GPT-2's
    split and digits apart, where `prefix` ends in a space that the digit takes over."""
    shared = tokenizer(prefix).input_ids
    ids = tokenizer(prefix + digit).input_ids
    common = next((i for i, (a, b) in enumerate(zip(shared, ids)) if a != b), min(len(shared), len(ids)))
    with torch.no_grad():
        probabilities = torch.softmax(model(torch.tensor([ids])).logits[0], -1)
    product = 1.0
    for index in range(common, len(ids)):
        product *= probabilities[index - 1, ids[index]].item()
    return product


if __name__ == "__main__":
    main()
