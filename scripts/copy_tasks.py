#!/usr/bin/env python3
"""Copy tasks that only copying can solve: does a small model learn to copy from its context?

    python3 scripts/copy_tasks.py write KIND FILE.jsonl [--documents N] [--seed S]
    python3 scripts/copy_tasks.py probe KIND MODEL_DIR [--documents N]

A recipe verifier must quote the student's numbers, wrong ones included (docs/recipe-notebook.md). These
tasks isolate that skill: in the first three kinds every result is a random number, so nothing but the
earlier line predicts it; drills ask for the copy and for the sum in turn. Kinds:
  numbers   a line of random numbers, then `again: ` and the same line;
  in-order  equations with random results, then the same equations in the same order;
  shuffled  the same equations in another order: the line to copy from is found by its operands;
  drills    true equations of the recipe's kind, half with a wrong result (any value below 100, where
            the recipe's own drills mostly miss by a little), then `Checked:` each one copied as
            written and the wrong ones computed again (`a op b = claimed, but a op b = right.`).
`write` makes a pretraining file for `spark-train pretrain --data` (the recipe writes its checking
drills itself: Sources/Recipe/CheckingDrills.swift); `probe` teacher-forces a checkpoint
(transformers) on fresh documents of the kind (another seed) and prints the mean probability of the
copied token at the first digit of each repeated result and at every other repeated token; for drills,
of the claimed digit at a wrong claim's copy and of the right digit at its correction, where the two
differ. An untrained model gives about 0.1 at a result's first digit; one that copies, near 1.
"""

import argparse
import json
import random
import re

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

OPERATORS = ["+", "-", "×", "÷"]
REPEAT_MARKERS = {
    "numbers": "\nagain: ",
    "in-order": "\n\nThe same equations again:\n",
    "shuffled": "\n\nThe same equations, in another order:\n",
    "drills": "\n\nChecked:\n",
}
WRONG_CHECK = re.compile(r"^[^\n]* = (\d+), but [^\n]* = (\d+)\.$", re.MULTILINE)


def document(kind, generator):
    if kind == "drills":
        return drill(generator)
    if kind == "numbers":
        numbers = " ".join(str(generator.randint(0, 999)) for _ in range(generator.randint(6, 16)))
        return numbers + REPEAT_MARKERS[kind] + numbers
    lines = [
        f"{generator.randint(2, 99)} {generator.choice(OPERATORS)} {generator.randint(2, 99)} = "
        f"{generator.randint(0, 999)}"
        for _ in range(generator.randint(6, 12))
    ]
    repeated = list(lines)
    if kind == "shuffled":
        generator.shuffle(repeated)
    return "Equations:\n" + "\n".join(lines) + REPEAT_MARKERS[kind] + "\n".join(repeated)


def true_equation(generator):
    """An equation of the recipe's kind (Recipe.ArithmeticFact) as (left, operator, right, result)."""
    operator = generator.choice(OPERATORS)
    right = generator.randint(2, 9)
    if operator in "+-":
        right = generator.choice([right, generator.randint(4, 81)])
    if operator == "+":
        left = generator.randint(2, 99 - right)
        return left, operator, right, left + right
    if operator == "-":
        result = generator.randint(1, 99 - right)
        return result + right, operator, right, result
    if operator == "×":
        left = generator.randint(2, 99 // right)
        return left, operator, right, left * right
    result = generator.randint(2, 99 // right)
    return result * right, operator, right, result


def drill(generator):
    claims, checks = [], []
    for _ in range(generator.randint(3, 8)):
        left, operator, right, result = true_equation(generator)
        claimed = result
        if generator.random() < 0.5:
            while claimed == result:
                claimed = generator.randint(0, 99)
        claim = f"{left} {operator} {right} = {claimed}"
        claims.append(claim)
        correction = f"{left} {operator} {right} = {result}"
        checks.append(f"{claim}, which is right." if claimed == result else f"{claim}, but {correction}.")
    return "Equations:\n" + "\n".join(claims) + REPEAT_MARKERS["drills"] + "\n".join(checks)


def write(arguments):
    generator = random.Random(arguments.seed)
    with open(arguments.path, "w") as file:
        for _ in range(arguments.documents):
            file.write(json.dumps({"text": document(arguments.kind, generator)}, ensure_ascii=False) + "\n")


def probe(arguments):
    tokenizer = AutoTokenizer.from_pretrained(arguments.path)
    model = AutoModelForCausalLM.from_pretrained(arguments.path, dtype=torch.float32).eval()
    # Another seed than `write`'s default, so the probe never scores a training document.
    generator = random.Random(1_000_003)
    first, second = [], []
    score = score_drill if arguments.kind == "drills" else score_repeat
    for _ in range(arguments.documents):
        text = document(arguments.kind, generator)
        encoding = tokenizer(text, return_offsets_mapping=True, add_special_tokens=False)
        with torch.no_grad():
            probabilities = model(torch.tensor([encoding.input_ids])).logits[0].softmax(-1)
        # The probability the model gave each token of the text, by the token's index.
        probability = lambda index: probabilities[index - 1, encoding.input_ids[index]].item()
        repeat_start = text.index(REPEAT_MARKERS[arguments.kind]) + len(REPEAT_MARKERS[arguments.kind])
        score(text, encoding.offset_mapping, probability, repeat_start, first, second)
    mean = lambda values: sum(values) / len(values)
    if arguments.kind == "drills":
        if not first:
            raise SystemExit(
                "no wrong claim whose first digit differs from the right one: probe more --documents")
        print(f"drills: mean p(claimed digit) at a wrong claim's copy {mean(first):.3f}, "
              f"p(right digit) at its correction {mean(second):.3f}")
        return
    parts = [f"first digits of results {mean(first):.3f}"] if first else []
    parts.append(f"other repeated tokens {mean(second):.3f}")
    print(f"{arguments.kind}: mean p(copied token) at " + ", ".join(parts))


def score_repeat(text, offsets, probability, repeat_start, results, others):
    """Every repeated token: the first digits of results (with the space before them, where the
    tokenizer joins the two) apart from the rest."""
    for index, (start, _) in enumerate(offsets):
        if start >= repeat_start:
            first_digit = text[:start].endswith("= ") or text[:start + 1].endswith("= ")
            (results if first_digit else others).append(probability(index))


def score_drill(text, offsets, probability, repeat_start, copies, corrections):
    """A wrong claim's copy and its correction, where their first digits differ."""
    token_at = {start: index for index, (start, _) in enumerate(offsets)}
    for match in WRONG_CHECK.finditer(text, repeat_start):
        if match.group(1)[0] != match.group(2)[0]:
            copies.append(probability(token_at[match.start(1)]))
            corrections.append(probability(token_at[match.start(2)]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    write_parser = commands.add_parser("write", help="write a pretraining JSONL file of one kind")
    write_parser.add_argument("kind", choices=sorted(REPEAT_MARKERS))
    write_parser.add_argument("path", help="the JSONL file to write")
    write_parser.add_argument("--documents", type=int, default=30000)
    write_parser.add_argument("--seed", type=int, default=0)
    probe_parser = commands.add_parser("probe", help="teacher-force a checkpoint on fresh documents")
    probe_parser.add_argument("kind", choices=sorted(REPEAT_MARKERS))
    probe_parser.add_argument("path", help="a checkpoint folder (config.json, model.safetensors, tokenizer)")
    probe_parser.add_argument("--documents", type=int, default=40)
    arguments = parser.parse_args()
    if arguments.command == "write":
        write(arguments)
    else:
        probe(arguments)


if __name__ == "__main__":
    main()
